"""Actions that run in one call: a native action (a plugin's) and a Docker image."""

from __future__ import annotations

import shlex

from runner.api import ActionCall, Command, ContainerSpec
from runner.engine.job_state import JobScope, StepIdentity, StepResult
from runner.engine.logstream import LogStream
from runner.engine.script import read_command_files, with_command_files
from runner.errors import BatonError
from runner.expr import Value
from runner.status import Conclusion


class ActionError(BatonError):
    """An action that baton cannot run (missing, invalid, of an unsupported kind)."""


async def run_native(
    scope: JobScope,
    index: int,
    identity: StepIdentity,
    uses: str,
    inputs: dict[str, str],
    env: dict[str, str],
    contexts: dict[str, Value],
) -> StepResult:
    """An action a plugin implements (``actions/checkout``, artifacts, cache, …): ``uses``
    must be one of ``scope.request.actions`` (see :func:`runner.engine.dispatch.is_native`)."""
    action = scope.request.actions[uses.partition("@")[0].lower()]
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
        outcome=Conclusion.SUCCESS if result.is_success and not stream.has_failed else Conclusion.FAILURE,
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
