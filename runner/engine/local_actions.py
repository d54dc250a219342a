"""``uses: ./path``: composite, Docker and JavaScript actions read from the workspace."""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from runner.api import Command
from runner.engine.actions import run_image
from runner.engine.job_state import JobScope, JobState, NestedStepRunner, StepResult, as_value
from runner.engine.logstream import LogStream
from runner.engine.script import read_command_files, with_command_files
from runner.confinement import resolve_inside
from runner.errors import ActionError, BatonError, OutsideRootError, WorkflowError
from runner.expr import Value, to_display_string
from runner.status import Conclusion
from runner.workflow.action import ActionManifest, parse_action
from runner.workflow.model import Step


async def run_local_action(
    scope: JobScope,
    state: JobState,
    step: Step,
    index: int,
    uses: str,
    inputs: dict[str, str],
    env: dict[str, str],
    run_nested: NestedStepRunner,
) -> StepResult:
    """Load ``action.yml`` from the workspace and run the action it describes.

    A session whose workspace is not on this machine has the action downloaded into a
    temporary folder, removed when the step ends (a Docker action's image is built by then).
    """
    relative = posixpath.normpath(uses)
    action_path = posixpath.join(scope.session.workspace, relative)
    with tempfile.TemporaryDirectory(prefix="baton-action-") as download:
        manifest, folder = await _load(scope, relative, Path(download))
        values = _inputs(manifest, inputs, state.expression_contexts(), uses)
        input_env = {f"INPUT_{k.upper().replace(' ', '_')}": v for k, v in values.items()}
        if manifest.using == "composite":
            return await _composite(scope, state, index, manifest, values, env, action_path, run_nested)
        if manifest.using == "docker":
            return await _docker(scope, state, index, manifest, values, {**env, **input_env}, folder)
        if manifest.using.startswith("node"):
            return await _node(scope, state, index, manifest, {**env, **input_env, "GITHUB_ACTION_PATH": action_path}, action_path)
    raise ActionError(f"action '{uses}' uses '{manifest.using}', which baton cannot run (composite, docker and node* are supported)")


async def _load(scope: JobScope, relative: str, download: Path) -> tuple[ActionManifest, Path]:
    """The manifest and the action's folder on this machine (downloaded into ``download`` if remote)."""
    session = scope.session
    setting = f"uses: {relative}"
    if session.host_workspace is not None:
        folder = resolve_inside(session.host_workspace, relative, setting=setting)
    else:
        if relative == ".." or relative.startswith("../"):
            raise OutsideRootError(f"{setting}: leads outside the workspace; baton reads actions only from inside it")
        folder = download
        await session.download(posixpath.join(session.workspace, relative), folder)
    for name in ("action.yml", "action.yaml", "Dockerfile"):
        candidate = resolve_inside(folder, name, setting=f"{setting} ({name})")
        if candidate.is_file():
            if name == "Dockerfile":
                return ActionManifest(path=str(candidate), name=relative, using="docker", image="Dockerfile"), folder
            try:
                return parse_action(candidate.read_bytes(), f"{relative}/{name}"), folder
            except WorkflowError as exc:
                raise ActionError(f"invalid action '{relative}':\n{exc}") from None
    raise ActionError(
        f"can't find 'action.yml' or 'action.yaml' in '{relative}' of the workspace "
        "(did you forget to run actions/checkout before running your local action?)"
    )


def _inputs(manifest: ActionManifest, given: dict[str, str], contexts: dict[str, Value], uses: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, spec in manifest.inputs.items():
        if name in given:
            values[name] = given[name]
        elif spec.default is not None:
            values[name] = to_display_string(spec.default.evaluate({**contexts, "inputs": dict(values)}))
        else:
            values[name] = ""
    for name, value in given.items():
        values.setdefault(name, value)
    return values


async def _composite(
    scope: JobScope,
    state: JobState,
    index: int,
    manifest: ActionManifest,
    inputs: dict[str, str],
    env: dict[str, str],
    action_path: str,
    run_nested: NestedStepRunner,
) -> StepResult:
    current = state.contexts.get("github")
    github: dict[str, Value] = dict(current) if isinstance(current, dict) else {}
    github["action_path"] = action_path
    contexts: dict[str, Value] = {**state.contexts, "github": github, "inputs": as_value(inputs)}
    inner = JobState(
        contexts=contexts,
        env={**env, "GITHUB_ACTION_PATH": action_path},
        path=state.path,
        status="success",
        outer_status=state.status,
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
    )


async def _docker(
    scope: JobScope,
    state: JobState,
    index: int,
    manifest: ActionManifest,
    inputs: dict[str, str],
    env: dict[str, str],
    folder: Path,
) -> StepResult:
    contexts: dict[str, Value] = {**state.expression_contexts(), "inputs": as_value(inputs)}
    args = [to_display_string(a.evaluate(contexts)) for a in manifest.args]
    env = {**env, **{k: to_display_string(v.evaluate(contexts)) for k, v in manifest.env.items()}}
    image = manifest.image
    if image.startswith("docker://"):
        image = image[len("docker://") :]
    else:
        dockerfile = resolve_inside(folder, image, setting=f"image: {image} of {manifest.name}")
        if not dockerfile.is_file():
            raise ActionError(f"image: {image} of {manifest.name}: there is no such Dockerfile in the action's folder")
        image = str(dockerfile.relative_to(folder.resolve()))
        tag = f"baton-action-{scope.request.run_id}-{folder.name}".lower()
        scope.log(index, f"Building {image} of {manifest.name}")
        image = await scope.session.build_image(folder, image, tag)
    assert state.identity is not None, "run_step sets the step's identity"
    return await run_image(scope, index, state.identity, image, {}, env, state.path, args=args, entrypoint=manifest.entrypoint)


async def _node(
    scope: JobScope, state: JobState, index: int, manifest: ActionManifest, env: dict[str, str], action_path: str
) -> StepResult:
    script = posixpath.join(action_path, manifest.main)
    identity = state.identity
    assert identity is not None, "run_step sets the step's identity"
    command = with_command_files(
        Command(argv=("node", script), env=scope.process_env(env, identity), cwd=scope.session.workspace, path=state.path),
        identity,
    )
    stream = LogStream(scope, index, env)
    try:
        outcome = await scope.session.execute(command, stream.feed)
    finally:
        stream.close()
    if outcome.exit_code == 127:
        scope.log(index, f"##[error]{manifest.name} is a {manifest.using} action and there is no 'node' in this job's environment")
    return read_command_files(scope, index, identity, outcome.files, stream, ok=outcome.exit_code == 0)

