"""Background steps (``background: true``) and the ``wait``, ``wait-all`` and ``cancel`` steps.

As on GitHub's runner: a background step starts and the job goes on to its next step; what
it leaves (outputs, outcome, exported env and path, summary) reaches the job only once a
``wait``, ``wait-all`` or ``cancel`` step, or the end of the job's steps, has joined it. A
step still running when the steps end is waited for; one a ``cancel`` step stopped does not
fail the job.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace

from runner.engine.envfiles import prepend_paths
from runner.engine.job_state import JobScope, JobState
from runner.engine.step_runner import finished_event, run_step
from runner.events import StepStarted
from runner.errors import BatonError
from runner.expr import Value
from runner.status import Conclusion
from runner.workflow.model import Step
from runner.workflow.resolve import resolve_flag

CANCEL_GRACE = 7.5
"""Seconds a cancelled background step gets to stop before it is reported cancelled."""


@dataclass(slots=True)
class _Started:
    step: Step
    start: JobState
    """The job's state when the step started: what it adds is its final state less this."""
    task: asyncio.Task[JobState]


@dataclass(slots=True)
class Background:
    """The background steps of one job, by step id (or ``#index`` for one without an id)."""

    scope: JobScope
    running: dict[str, _Started] = field(default_factory=dict)
    has_failed: bool = False
    """Whether a joined step failed: the job then fails at the end of its steps, as on GitHub
    (meanwhile only a failed ``wait`` step changes ``job.status``)."""

    def start(self, state: JobState, step: Step) -> None:
        """Start ``step`` (its ``if`` is checked as it starts) and return at once."""
        task = asyncio.create_task(run_step(self.scope, state, step, step.index))
        self.running[step.id or f"#{step.index}"] = _Started(step=step, start=state, task=task)

    async def control(self, state: JobState, step: Step) -> JobState:
        """Run a ``wait``, ``wait-all`` or ``cancel`` step: it succeeds unless a step it waited for failed."""
        control = step.control
        assert control is not None, "only control steps come here"
        scope, index = self.scope, step.index
        name = step.display_name
        started = time.time()
        scope.bus.publish(StepStarted(run_id=scope.request.run_id, job_key=scope.leg.key, index=index, name=name, at=started))
        ids = list(control.ids) if control.kind != "wait-all" else list(self.running)
        known = [i for i in ids if i in self.running]
        for unknown in sorted(set(ids) - set(known)):
            scope.log(index, f"'{unknown}' is not a background step of this job that is still to be joined")
        if control.kind == "cancel":
            await self._cancel(known)
        elif known:
            scope.log(index, f"Waiting for {', '.join(known)}")
            await asyncio.wait([self.running[i].task for i in known])
        failed = False
        for key in known:
            state, has_failed = self._join(state, key)
            failed = failed or has_failed
        outcome = Conclusion.FAILURE if failed else Conclusion.SUCCESS
        conclusion = outcome
        if failed and _continues_on_error(step, state):
            conclusion = Conclusion.SUCCESS
        scope.bus.publish(finished_event(scope.request.run_id, scope.leg.key, index, name, outcome, conclusion, {}, started))
        if step.id:
            state = replace(state, steps={**state.steps, step.id: {"outputs": {}, "outcome": outcome.value, "conclusion": conclusion.value}})
        if conclusion == Conclusion.FAILURE:
            state = replace(state, status="failure")
        return state

    async def finish(self, state: JobState) -> JobState:
        """At the end of the job's steps: wait for every step not joined yet and fold it in."""
        if self.running:
            await asyncio.wait([started.task for started in self.running.values()])
        for key in list(self.running):
            state, _ = self._join(state, key)
        return replace(state, status="failure") if self.has_failed else state

    def abandon(self) -> None:
        """The job is cancelled: so are its background steps."""
        for started in self.running.values():
            started.task.cancel()

    async def _cancel(self, keys: list[str]) -> None:
        tasks = [self.running[key].task for key in keys if not self.running[key].task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CANCEL_GRACE)

    def _join(self, state: JobState, key: str) -> tuple[JobState, bool]:
        """Fold a finished (or cancelled) background step into ``state``; True if it failed."""
        started = self.running.pop(key)
        step, start, task = started.step, started.start, started.task
        if not task.done() or task.cancelled():
            if step.id:
                record: Value = {"outputs": {}, "outcome": Conclusion.CANCELLED.value, "conclusion": Conclusion.CANCELLED.value}
                state = replace(state, steps={**state.steps, step.id: record})
            return state, False
        final = task.result()
        failed = final.status == "failure" and start.status != "failure"
        self.has_failed = self.has_failed or failed
        exported = {k: v for k, v in final.exported.items() if start.exported.get(k) != v}
        steps = {**state.steps, step.id: final.steps[step.id]} if step.id and step.id in final.steps else state.steps
        state = replace(
            state,
            steps=steps,
            env={**state.env, **exported},
            exported={**state.exported, **exported},
            path=prepend_paths(state.path, [p for p in final.path if p not in start.path]),
            summary=state.summary + final.summary[len(start.summary) :],
            posts=state.posts + final.posts[len(start.posts) :],
        )
        return state, failed


def _continues_on_error(step: Step, state: JobState) -> bool:
    try:
        return resolve_flag(step.continue_on_error, state.expression_contexts(), "continue-on-error")
    except BatonError:
        return False
