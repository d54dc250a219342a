"""Actions' ``pre`` parts (before the job's first step) and ``post`` parts (after its last,
in reverse order, also after a failure), each shown as a step of its own."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from runner.engine.action_kinds import action_inputs, run_part
from runner.engine.dispatch import is_native, step_inputs
from runner.engine.envfiles import prepend_paths
from runner.engine.job_state import JobScope, JobState, PostRunner, StepIdentity, StepResult, as_value
from runner.engine.remote_actions import load_remote
from runner.engine.step_runner import display_name, finished_event, identify, step_env
from runner.errors import BatonError, internal_failure
from runner.events import StepStarted
from runner.expr import Status, Value
from runner.status import Conclusion
from runner.workflow.action_ref import parse_action_ref
from runner.workflow.model import Step
from runner.workflow.text import Condition

_log = logging.getLogger("baton.engine")


async def run_pres(scope: JobScope, state: JobState, steps: tuple[Step, ...], first_index: int) -> tuple[JobState, int]:
    """Run the ``pre`` part of each remote action among ``steps`` whose ``pre-if`` holds; the
    state after them (what each saved, by step index) and the next free step index.

    An action that cannot be loaded now is left for its own step to report.
    """
    scratch = state
    index = first_index
    for step in steps:
        scratch = identify(scratch, step, scope.session.temp)  # the identity its main part will have
        uses = step.uses or ""
        if step.run is not None or uses.startswith(("./", "../", "docker://")) or is_native(scope, uses):
            continue
        try:
            site = await load_remote(scope, parse_action_ref(uses))
        except BatonError:
            continue
        manifest = site.manifest
        has_pre = manifest.pre_entrypoint is not None if manifest.using == "docker" else bool(manifest.pre)
        if not has_pre or not (manifest.using == "docker" or manifest.using.startswith("node")):
            continue
        contexts = scratch.expression_contexts()
        env = await scope.off_loop(step, lambda: step_env(step, scratch, contexts, scope))
        given = await scope.off_loop(step, lambda: step_inputs(scope, step, scratch.expression_contexts(env)))
        inputs = action_inputs(scope, step.index, site, given, contexts)
        name = f"Pre {display_name(step, scratch)}"
        assert scratch.identity is not None, "identify sets it"
        running = replace(state, identity=StepIdentity.create(scratch.identity.action, scope.session.temp))
        holds = _holds(scope, index, manifest.pre_if, running, inputs)

        async def pre(scope: JobScope, state: JobState, index: int) -> StepResult:
            return await run_part(scope, state, index, site, inputs, env, "pre")

        state, result = await _run_extra(scope, running, index, name, pre, holds)
        state = replace(state, pre_states={**state.pre_states, step.index: result.state})
        index += 1
    return replace(state, identity=None), index


async def run_posts(scope: JobScope, state: JobState, first_index: int) -> JobState:
    """Run the ``post`` parts the job's actions left, last first; a failing one fails the job."""
    index = first_index
    for post in reversed(state.posts):
        running = replace(state, identity=StepIdentity.create(post.action, scope.session.temp))
        holds = _holds(scope, index, post.condition, running, post.inputs)
        state, _ = await _run_extra(scope, running, index, post.name, post.run, holds)
        index += 1
    return replace(state, identity=None)


def _holds(scope: JobScope, index: int, condition: Condition | None, state: JobState, inputs: dict[str, str]) -> bool:
    """``pre-if``/``post-if`` (default ``always()``) in the job's current state."""
    if condition is None:
        return True
    contexts: dict[str, Value] = {**state.expression_contexts(), "inputs": as_value(inputs)}
    try:
        return condition.holds(contexts, status=Status(job=state.status, is_cancelled=state.status == "cancelled"))
    except BatonError as exc:
        scope.log(index, f"##[error]{exc}")
        return False


async def _run_extra(
    scope: JobScope, state: JobState, index: int, name: str, run: PostRunner, holds: bool
) -> tuple[JobState, StepResult]:
    """One ``pre``/``post`` part as step ``index``: events, a failure folded into the job status."""
    req = scope.request
    masked = scope.masker.mask(name)
    if not holds:
        scope.bus.publish(finished_event(req.run_id, scope.leg.key, index, masked, Conclusion.SKIPPED, Conclusion.SKIPPED, {}, None))
        return state, StepResult(outcome=Conclusion.SKIPPED)
    started = time.time()
    scope.bus.publish(StepStarted(run_id=req.run_id, job_key=scope.leg.key, index=index, name=masked, at=started))
    try:
        result = await run(scope, state, index)
    except BatonError as exc:
        scope.log(index, f"##[error]{exc}")
        result = StepResult(outcome=Conclusion.FAILURE)
    except asyncio.CancelledError:
        scope.bus.publish(finished_event(req.run_id, scope.leg.key, index, masked, Conclusion.CANCELLED, Conclusion.CANCELLED, {}, started))
        raise
    except Exception as exc:  # a bug in baton fails this part, not the run
        _log.debug("part %s of %s", index, scope.leg.key, exc_info=exc)
        scope.log(index, f"##[error]{internal_failure(exc)}")
        result = StepResult(outcome=Conclusion.FAILURE)
    scope.bus.publish(finished_event(req.run_id, scope.leg.key, index, masked, result.outcome, result.outcome, {}, started))
    status = "failure" if result.outcome == Conclusion.FAILURE and state.status == "success" else state.status
    return replace(
        state,
        status=status,
        env={**state.env, **result.env},
        exported={**state.exported, **result.env},
        path=prepend_paths(state.path, list(result.path)),
    ), result
