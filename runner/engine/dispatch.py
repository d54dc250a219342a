"""What a step does: a ``run`` script, a native action, a local action, a Docker image."""

from __future__ import annotations

import shlex

from runner.api import ActionCall, Command, ContainerSpec
from runner.engine.job_state import JobScope, JobState, StepIdentity, StepResult
from runner.engine.logstream import LogStream
from runner.engine.script import read_command_files, run_script, with_command_files
from runner.errors import BatonError
from runner.expr import Value, to_display_string
from runner.status import Conclusion
from runner.workflow.model import Step
from runner.workflow.resolve import resolve_number, resolve_texts
from runner.workflow.text import Text


class ActionError(BatonError):
    """An action that baton cannot run (missing, remote without network, unsupported kind)."""


async def dispatch(scope: JobScope, state: JobState, step: Step, index: int, env: dict[str, str]) -> StepResult:
    """Run ``step`` in the job's session with its evaluated ``env`` (``state.identity`` is set)."""
    contexts = state.expression_contexts()
    if step.parallel:
        from runner.engine.parallel import run_parallel

        return await run_parallel(scope, state, step, index)
    identity = state.identity
    assert identity is not None, "run_step sets the step's identity"
    timeout = step_timeout(step, contexts)
    if step.run is not None:
        hash_files = scope.hash_files()
        defaults = scope.defaults(contexts)
        return await run_script(
            scope,
            index,
            identity,
            script=to_display_string(step.run.evaluate(state.expression_contexts(env), hash_files=hash_files)),
            shell=_first(step.shell, *(d.shell for d in defaults), contexts=contexts),
            workdir=_first(step.working_directory, *(d.working_directory for d in defaults), contexts=contexts),
            env=env,
            path=state.path,
            timeout=timeout,
        )
    uses = step.uses or ""
    step_contexts = state.expression_contexts(env)
    given = resolve_texts(step.with_, step_contexts, "with", hash_files=scope.hash_files())
    inputs = {k: to_display_string(v.evaluate(step_contexts)) for k, v in given.items()}
    if uses.startswith("docker://"):
        return await run_image(scope, index, identity, uses[len("docker://") :], inputs, env, state.path)
    if uses.startswith(("./", "../")):
        from runner.engine.local_actions import run_local_action

        return await run_local_action(scope, state, step, index, uses, inputs, env)
    return await run_native(scope, index, identity, uses, inputs, env, step_contexts)


async def run_native(
    scope: JobScope,
    index: int,
    identity: StepIdentity,
    uses: str,
    inputs: dict[str, str],
    env: dict[str, str],
    contexts: dict[str, Value],
) -> StepResult:
    """An action baton implements itself (``actions/checkout``, artifacts, cache, …)."""
    name = uses.partition("@")[0].lower()
    action = scope.request.actions.get(name)
    if action is None:
        known = ", ".join(sorted(scope.request.actions)) or "none"
        raise ActionError(
            f"cannot run '{uses}': it is a remote action and baton runs actions offline "
            f"(natively implemented: {known}; or local actions with uses: ./path)"
        )
    stream = LogStream(scope, index, env)
    github = contexts.get("github")
    call = ActionCall(
        uses=uses,
        inputs=inputs,
        env=scope.process_env(env, identity),
        source=scope.request.source,
        github=github if isinstance(github, dict) else {},
        output=stream.feed,
    )
    try:
        result = await action.run(call, scope.session)
    finally:
        stream.close()
    return StepResult(
        outcome=Conclusion.SUCCESS if result.is_success else Conclusion.FAILURE,
        outputs=result.outputs,
        env=result.env,
        path=result.path,
    )


async def run_image(
    scope: JobScope,
    index: int,
    identity: StepIdentity,
    image: str,
    inputs: dict[str, str],
    env: dict[str, str],
    path: tuple[str, ...],
    *,
    args: list[str] | None = None,
    entrypoint: str | None = None,
) -> StepResult:
    """``uses: docker://image`` (``with.args``, ``with.entrypoint``) in a one-off container."""
    session = scope.session
    argv = args if args is not None else shlex.split(inputs.get("args", ""))
    input_env = {f"INPUT_{k.upper().replace(' ', '_')}": v for k, v in inputs.items()}
    spec = ContainerSpec(image=image, entrypoint=entrypoint or inputs.get("entrypoint") or None)
    command = with_command_files(
        Command(argv=tuple(argv), env={**input_env, **scope.process_env(env, identity)}, cwd=session.workspace, path=path),
        identity,
    )
    stream = LogStream(scope, index, env)
    try:
        outcome = await session.run_container(spec, command, stream.feed)
    finally:
        stream.close()
    if outcome.exit_code != 0:
        scope.log(index, f"##[error]Docker container exited with code {outcome.exit_code}.")
    return read_command_files(scope, index, identity, outcome.files, stream, ok=outcome.exit_code == 0)


def step_timeout(step: Step, contexts: dict[str, Value]) -> float | None:
    """``timeout-minutes`` of a step in seconds, if set."""
    minutes = resolve_number(step.timeout_minutes, contexts, "timeout-minutes")
    return minutes * 60 if minutes is not None else None


def _first(*texts: Text | None, contexts: dict[str, Value]) -> str | None:
    """The first set value among step, job and workflow settings, evaluated."""
    for text in texts:
        if text is not None:
            return to_display_string(text.evaluate(contexts))
    return None
