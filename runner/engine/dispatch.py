"""What a step does: a ``run`` script, a native action, a local action, a Docker image."""

from __future__ import annotations

from runner.engine.actions import run_image, run_native
from runner.engine.job_state import JobScope, JobState, NestedStepRunner, StepResult
from runner.engine.local_actions import run_local_action
from runner.engine.parallel import run_parallel
from runner.engine.remote_actions import run_remote_action
from runner.engine.script import run_script
from runner.expr import Value, to_display_string
from runner.status import Conclusion
from runner.workflow.action_ref import parse_action_ref
from runner.workflow.model import Step
from runner.workflow.resolve import resolve_texts, resolve_timeout
from runner.workflow.text import Text


async def dispatch(
    scope: JobScope, state: JobState, step: Step, index: int, env: dict[str, str], run_nested: NestedStepRunner
) -> StepResult:
    """Run ``step`` in the job's session with its evaluated ``env`` (``state.identity`` is set);
    the steps of a ``parallel`` group or a composite action go through ``run_nested``."""
    contexts = state.expression_contexts()
    if step.parallel:
        return await run_parallel(scope, state, step, index, run_nested)
    if step.control is not None:  # inside a parallel group: its steps all end with the group
        scope.log(index, f"'{step.control.kind}' inside a parallel group: the group's steps all end with the group")
        return StepResult(outcome=Conclusion.SUCCESS)
    identity = state.identity
    assert identity is not None, "run_step sets the step's identity"
    timeout = step_timeout(step, contexts)
    if step.run is not None:
        run = step.run
        script = await scope.off_loop(step, lambda: to_display_string(run.evaluate(state.expression_contexts(env), hash_files=scope.hash_files())))
        defaults = scope.defaults(contexts)
        return await run_script(
            scope,
            index,
            identity,
            script=script,
            shell=_first(step.shell, *(d.shell for d in defaults), contexts=contexts),
            workdir=_first(step.working_directory, *(d.working_directory for d in defaults), contexts=contexts),
            env=env,
            path=state.path,
            timeout=timeout,
        )
    uses = step.uses or ""
    step_contexts = state.expression_contexts(env)
    inputs = await scope.off_loop(step, lambda: step_inputs(scope, step, step_contexts))
    if uses.startswith("docker://"):
        return await run_image(scope, index, identity, uses[len("docker://") :], inputs, env, state.path)
    if uses.startswith(("./", "../")):
        return await run_local_action(scope, state, index, uses, inputs, env, run_nested)
    if is_native(scope, uses):
        result = await run_native(scope, index, identity, uses, inputs, env, step_contexts, path=state.path)
        if result is not None:
            return result
    return await run_remote_action(scope, state, index, parse_action_ref(uses), inputs, env, run_nested)


def is_native(scope: JobScope, uses: str) -> bool:
    """Whether ``uses`` names an action a plugin implements (and the user left it on):
    those run natively; every other ``owner/repo@ref`` is fetched and run as written."""
    return uses.partition("@")[0].lower() in scope.request.actions


def step_inputs(scope: JobScope, step: Step, contexts: dict[str, Value]) -> dict[str, str]:
    """A ``uses`` step's ``with`` values, evaluated."""
    hash_files = scope.hash_files()
    given = resolve_texts(step.with_, contexts, "with", hash_files=hash_files)
    return {k: to_display_string(v.evaluate(contexts, hash_files=hash_files)) for k, v in given.items()}


def step_timeout(step: Step, contexts: dict[str, Value]) -> float | None:
    """``timeout-minutes`` of a step in seconds, if set."""
    minutes = resolve_timeout(step.timeout_minutes, contexts, "timeout-minutes")
    return minutes * 60 if minutes is not None else None


def _first(*texts: Text | None, contexts: dict[str, Value]) -> str | None:
    """The first set value among step, job and workflow settings, evaluated."""
    for text in texts:
        if text is not None:
            return to_display_string(text.evaluate(contexts))
    return None
