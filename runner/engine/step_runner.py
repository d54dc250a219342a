"""The steps of one job: conditions, env precedence, dispatch, and what each step leaves.

Each step returns a :class:`StepResult`; the :class:`JobState` that follows is a new value.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace

from runner.engine.dispatch import dispatch
from runner.engine.envfiles import prepend_paths
from runner.engine.job_state import JobScope, JobState, StepIdentity, StepResult, as_value
from runner.errors import BatonError, internal_failure, is_infrastructure_failure
from runner.events import Event, StepFinished, StepStarted
from runner.expr import Value, to_display_string
from runner.status import Conclusion, RunId
from runner.workflow.model import Step
from runner.workflow.resolve import resolve_flag, resolve_texts

_log = logging.getLogger("baton.engine")
"""Where an unexpected exception's traceback goes (at debug level: users see one line)."""


async def run_step(scope: JobScope, state: JobState, step: Step, index: int, *, is_nested: bool = False) -> JobState:
    """Run one step (or skip it) and fold its result into the next state.

    A nested step (inside a composite action) logs into its parent step ``index``
    and publishes no step events of its own.
    """
    req = scope.request
    state = identify(state, step, scope.session.temp)
    name = scope.masker.mask(display_name(step, state))
    contexts = state.expression_contexts()
    status = state.status_inputs
    publish = scope.bus.publish if not is_nested else _drop
    try:
        condition = step.condition
        should_run = (await scope.off_loop(step, lambda: condition.holds(contexts, status=status, hash_files=scope.hash_files()))
                      if condition else status.success())
    except BatonError as exc:
        scope.log(index, f"##[error]{exc}")
        should_run = False
        state = replace(state, status="failure")
    except Exception as exc:  # a bug in baton fails this step, not the run
        _log.debug("step %s of %s", index, scope.leg.key, exc_info=exc)
        scope.log(index, f"##[error]{internal_failure(exc)}")
        should_run = False
        state = replace(state, status="failure")
    if not should_run:
        publish(finished_event(req.run_id, scope.leg.key, index, name, Conclusion.SKIPPED, Conclusion.SKIPPED, {}, None))
        return replace(_record(state, step, Conclusion.SKIPPED, Conclusion.SKIPPED, {}), identity=None)
    started = time.time()
    publish(StepStarted(run_id=req.run_id, job_key=scope.leg.key, index=index, name=name, at=started))
    if is_nested:
        scope.log(index, f"##[group]{name}")
    try:
        env = await scope.off_loop(step, lambda: step_env(step, state, contexts, scope))
        result = await dispatch(scope, state, step, index, env, _run_nested)
    except BatonError as exc:
        scope.log(index, f"##[error]{exc}")
        if is_infrastructure_failure(exc):  # the session is broken: the job's attempt ends here (and may be retried)
            publish(finished_event(req.run_id, scope.leg.key, index, name, Conclusion.FAILURE, Conclusion.FAILURE, {}, started))
            raise
        result = StepResult(outcome=Conclusion.FAILURE)
    except Exception as exc:  # a bug in baton fails this step; the job goes on as after any failure
        _log.debug("step %s of %s", index, scope.leg.key, exc_info=exc)
        scope.log(index, f"##[error]{internal_failure(exc)}")
        result = StepResult(outcome=Conclusion.FAILURE)
    except asyncio.CancelledError:
        publish(finished_event(req.run_id, scope.leg.key, index, name, Conclusion.CANCELLED, Conclusion.CANCELLED, {}, started))
        raise
    conclusion = result.outcome
    if result.outcome == Conclusion.FAILURE and await scope.off_loop(step, lambda: _continues_on_error(step, contexts, scope)):
        conclusion = Conclusion.SUCCESS
    if is_nested:
        scope.log(index, "##[endgroup]")
    shown = {k: scope.masker.mask(v) for k, v in result.outputs.items()}
    publish(finished_event(req.run_id, scope.leg.key, index, name, result.outcome, conclusion, shown, started))
    state = _record(replace(state, steps={**state.steps, **result.steps}), step, result.outcome, conclusion, result.outputs)
    action = state.identity.action if state.identity is not None else ""
    posts = tuple(replace(p, name=p.name or f"Post {name}", action=p.action or action) for p in result.posts)
    return replace(
        state,
        identity=None,
        posts=state.posts + posts,
        env={**state.env, **result.env},
        exported={**state.exported, **result.env},
        path=prepend_paths(state.path, list(result.path)),
        summary=state.summary + result.summary,
    )


async def _run_nested(scope: JobScope, state: JobState, step: Step, index: int) -> JobState:
    """A step of a composite action or a ``parallel`` group, inside step ``index``."""
    return await run_step(scope, state, step, index, is_nested=True)


def step_env(step: Step, state: JobState, contexts: dict[str, Value], scope: JobScope) -> dict[str, str]:
    """The job's env with the step's own ``env`` on top (evaluated in order, as GitHub does)."""
    env = dict(state.env)
    for name, text in resolve_texts(step.env, contexts, "env", hash_files=scope.hash_files()).items():
        env[name] = to_display_string(text.evaluate({**contexts, "env": as_value(env)}, hash_files=scope.hash_files()))
    return env


def identify(state: JobState, step: Step, temp: str) -> JobState:
    """The state with the step's identity: ``GITHUB_ACTION`` is the step's id, else a name
    from what it runs (``__run``, ``__actions_checkout``) made unique with ``_2``, ``_3``, …"""
    if step.id:
        return replace(state, identity=StepIdentity.create(step.id, temp))
    if step.uses and not step.uses.startswith(("./", "../", "docker://")):
        base = "__" + re.sub(r"[^A-Za-z0-9]+", "_", step.uses.partition("@")[0]).strip("_")
    else:
        base = "__run"
    count = state.action_counts.get(base, 0) + 1
    action = base if count == 1 else f"{base}_{count}"
    return replace(state, identity=StepIdentity.create(action, temp), action_counts={**state.action_counts, base: count})


def _drop(event: Event) -> None:
    """Where a nested step's own events go: its parent step reports for it."""


def _continues_on_error(step: Step, contexts: dict[str, Value], scope: JobScope) -> bool:
    return resolve_flag(step.continue_on_error, contexts, "continue-on-error", hash_files=scope.hash_files())


def display_name(step: Step, state: JobState) -> str:
    """What a step is called in logs: its evaluated ``name``, else what it runs."""
    if step.name is not None and not step.name.is_literal:
        try:
            return to_display_string(step.name.evaluate(state.expression_contexts()))
        except BatonError:
            return step.name.source
    return step.display_name


def _record(state: JobState, step: Step, outcome: Conclusion, conclusion: Conclusion, outputs: dict[str, str]) -> JobState:
    steps = state.steps
    if step.id:
        steps = {**steps, step.id: {"outputs": dict(outputs), "outcome": outcome.value, "conclusion": conclusion.value}}
    status = state.status
    if conclusion == Conclusion.FAILURE and status == "success":
        status = "failure"
    return replace(state, steps=steps, status=status)


def finished_event(
    run_id: RunId,
    job_key: str,
    index: int,
    name: str,
    outcome: Conclusion,
    conclusion: Conclusion,
    outputs: dict[str, str],
    started: float | None,
) -> StepFinished:
    """The event of a step that ended (``started``: None for a skipped one)."""
    return StepFinished(
        run_id=run_id,
        job_key=job_key,
        index=index,
        name=name,
        outcome=outcome,
        conclusion=conclusion,
        outputs=outputs,
        started=started,
        at=time.time(),
    )
