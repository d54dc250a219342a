"""Actions that run in one call: a native action (a plugin's) and a Docker image."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import replace

from runner.api import ActionCall, ActionResult, Command, ContainerSpec, PostAction, Session
from runner.engine.job_state import JobScope, JobState, PostStep, StepIdentity, StepResult
from runner.engine.logstream import LogStream
from runner.engine.script import read_command_files, with_command_files
from runner.errors import ActionError, Mark
from runner.expr import Value
from runner.expr.condition import parse_condition
from runner.workflow.text import Condition
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
) -> StepResult | None:
    """An action a plugin implements (``actions/checkout``, artifacts, cache, …): ``uses``
    must be one of ``scope.request.actions`` (see :func:`runner.engine.dispatch.is_native`).

    None when the implementation declines this call (``setup-python`` asked for a version
    the job environment lacks): the real action then runs instead.
    """
    action = scope.request.actions[uses.partition("@")[0].lower()]
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
        scope.log(index, f"baton's native {uses.partition('@')[0]} steps aside ({result.declined}): the real action runs")
        return None
    posts: tuple[PostStep, ...] = ()
    if isinstance(action, PostAction):
        after = replace(call, state=dict(result.state))
        post_action = action

        async def post(scope: JobScope, state: JobState, index: int) -> StepResult:
            outcome, ended = await run_call(scope, index, state.env, post_action.post, after)
            return StepResult(outcome=outcome, env=ended.env, path=ended.path)

        condition = Condition(parse_condition(action.post_if), action.post_if, Mark(uses, 1, 1))
        posts = (PostStep(name="", action="", condition=condition, inputs=inputs, run=post),)
    return StepResult(outcome=outcome, outputs=result.outputs, env=result.env, path=result.path, posts=posts)


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
