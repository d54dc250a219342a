"""Actions that run in one call: a native action (a plugin's) and a Docker image."""

from __future__ import annotations

import shlex

from dataclasses import replace

from collections.abc import Awaitable, Callable

from runner.api import ActionCall, ActionResult, Command, ContainerSpec, PostAction, Session
from runner.engine.job_state import JobScope, PendingPost, StepIdentity, StepResult
from runner.engine.logstream import LogStream
from runner.engine.script import read_command_files, with_command_files
from runner.errors import ActionError
from runner.expr import Value
from runner.status import Conclusion


NativeRun = Callable[[ActionCall, Session], Awaitable[ActionResult]]
"""A native action's ``run`` or ``post``."""


async def run_native(
    scope: JobScope,
    index: int,
    identity: StepIdentity,
    uses: str,
    inputs: dict[str, str],
    env: dict[str, str],
    contexts: dict[str, Value],
    *,
    path: tuple[str, ...] = (),
    name: str = "",
) -> StepResult:
    """An action baton implements itself (``actions/checkout``, artifacts, cache, …);
    one it does not (or whose implementation declines this call) is a remote action."""
    action = scope.request.actions.get(uses.partition("@")[0].lower())
    if action is None:
        raise remote_action(scope, uses)
    github = contexts.get("github")
    call = ActionCall(
        uses=uses,
        inputs=inputs,
        env=scope.process_env(env, identity),
        source=scope.request.source,
        github=github if isinstance(github, dict) else {},
        output=_unused_output,
        path=path,
        run_id=scope.request.run_id,
        job_key=scope.leg.key,
        home=scope.request.home,
        settings=scope.request.action_settings,
    )
    outcome, result = await run_call(scope, index, env, action.run, call)
    if result.declined:
        raise remote_action(scope, uses, because=result.declined)
    post = None
    if isinstance(action, PostAction):
        post = PendingPost(name=name or uses, action=action, call=replace(call, state=dict(result.state)))
    return StepResult(outcome=outcome, outputs=result.outputs, env=result.env, path=result.path, post=post)


async def run_call(
    scope: JobScope, index: int, env: dict[str, str], run: NativeRun, call: ActionCall
) -> tuple[Conclusion, ActionResult]:
    """Run a native action's main or post step, logging into step ``index``."""
    stream = LogStream(scope, index, env)
    try:
        result = await run(replace(call, output=stream.feed), scope.session)
    finally:
        stream.close()
    return (Conclusion.SUCCESS if result.is_success and not stream.has_failed else Conclusion.FAILURE), result


def remote_action(scope: JobScope, uses: str, *, because: str = "") -> ActionError:
    """The error of a step that needs ``uses`` from its repository (baton runs offline)."""
    known = ", ".join(sorted(scope.request.actions)) or "none"
    reason = f" ({because}, so the real action must run)" if because else ""
    return ActionError(
        f"cannot run '{uses}'{reason}: it is a remote action and baton runs actions offline "
        f"(natively implemented: {known}; or local actions with uses: ./path)"
    )


def _unused_output(chunk: bytes) -> None:
    """A call's output before :func:`run_call` gives it the step's log."""


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
