"""What runs, jobs and steps look like so far: the one fold of run events into state.

The printer, the recorder (store) and the dashboard all see a run through this fold, so
they agree on what an event changes. Events may arrive for a job never queued (a set-up
step, a matrix expanded late): the job is then made from what the event says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, assert_never

from runner.events import (
    Annotation,
    Event,
    JobFinished,
    JobQueued,
    JobRetrying,
    JobStarted,
    LogLines,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.expr import Value
from runner.status import Conclusion, RunId

Phase = Literal["queued", "running", "completed"]
"""Where a run, job or step is in its life."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    """One step as its events told it."""

    index: int
    name: str
    status: Phase = "running"
    outcome: Conclusion | None = None
    """The result before ``continue-on-error`` (None while it runs)."""
    conclusion: Conclusion | None = None
    """The result after ``continue-on-error`` (None while it runs)."""
    outputs: dict[str, str] = field(default_factory=dict)
    started: float | None = None
    """Unix time; None for a skipped step."""
    finished: float | None = None

    @property
    def duration(self) -> float | None:
        """Seconds it ran; None while it runs and when it was skipped."""
        return self.finished - self.started if self.started is not None and self.finished is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobView:
    """One job (one matrix leg) as its events told it."""

    run_id: RunId
    key: str
    job_id: str
    name: str
    needs: tuple[str, ...] = ()
    matrix: dict[str, Value] = field(default_factory=dict)
    status: Phase = "queued"
    executor: str = ""
    started: float | None = None
    finished: float | None = None
    conclusion: Conclusion | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    """The job's ``GITHUB_STEP_SUMMARY`` markdown."""
    reason: str = ""
    """Why it failed or was skipped, when that is not a step's doing; while it is queued,
    why it waits (a busy host)."""
    steps: dict[int, StepView] = field(default_factory=dict)
    """Its steps by index, in the order they began (of the current attempt)."""
    attempt: int = 1
    """The attempt running (or that ran last), from 1."""
    failed_attempts: tuple[str, ...] = ()
    """Why each earlier attempt of this run of the job failed (what broke), in order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunView:
    """One run as its events told it."""

    started: RunStarted
    conclusion: Conclusion | None = None
    finished: float | None = None


class Progress:
    """Folds events, in publication order, into the runs and jobs they are about."""

    def __init__(self) -> None:
        self.runs: dict[RunId, RunView] = {}
        self.jobs: dict[tuple[RunId, str], JobView] = {}
        """Jobs by run and key, in the order they became known."""

    def apply(self, event: Event) -> JobView | RunView | None:
        """Fold ``event`` in; returns the job (or run) it is about, as it is now.

        Log lines change nothing here and return None.
        """
        match event:
            case LogLines():
                return None
            case RunStarted():
                run = self.runs[event.run_id] = RunView(started=event)
                return run
            case RunFinished():
                known = self.runs.get(event.run_id)
                if known is None:
                    return None
                run = self.runs[event.run_id] = replace(known, conclusion=event.conclusion, finished=event.at)
                return run
            case JobQueued():
                current = self.jobs.get((event.run_id, event.job_key))
                if current is None:
                    current = JobView(run_id=event.run_id, key=event.job_key, job_id=event.job_id, name=event.name)
                if event.attempt != current.attempt:
                    current = replace(current, attempt=event.attempt, steps={})
                return self._put(replace(current, job_id=event.job_id, name=event.name, needs=event.needs,
                                         matrix=dict(event.matrix), reason=event.waiting_for))
            case JobRetrying():
                job = self.job(event.run_id, event.job_key)
                return self._put(replace(job, status="queued", attempt=event.attempt + 1, steps={}, started=None,
                                         failed_attempts=(*job.failed_attempts, event.reason),
                                         reason=f"attempt {event.attempt} failed: {event.reason}; retrying"))
            case JobStarted():
                return self._put(replace(self.job(event.run_id, event.job_key), status="running", executor=event.executor,
                                         started=event.at, reason=""))
            case JobFinished():
                return self._put(
                    replace(
                        self.job(event.run_id, event.job_key),
                        status="completed",
                        conclusion=event.conclusion,
                        outputs=dict(event.outputs),
                        summary=event.summary,
                        reason=event.reason,
                        finished=event.at,
                    )
                )
            case StepStarted():
                step = StepView(index=event.index, name=event.name, started=event.at)
                return self._step(event.run_id, event.job_key, step)
            case StepFinished():
                prior = self.job(event.run_id, event.job_key).steps.get(event.index)
                step = StepView(
                    index=event.index,
                    name=event.name,
                    status="completed",
                    outcome=event.outcome,
                    conclusion=event.conclusion,
                    outputs=dict(event.outputs),
                    started=prior.started if prior is not None and prior.started is not None else event.started,
                    finished=event.at,
                )
                return self._step(event.run_id, event.job_key, step)
            case Annotation():
                return self.job(event.run_id, event.job_key)
            case _:
                assert_never(event)

    def job(self, run_id: RunId, key: str) -> JobView:
        """The job ``key`` of ``run_id``; made (running) from its key when never queued."""
        found = self.jobs.get((run_id, key))
        if found is None:
            found = self._put(JobView(run_id=run_id, key=key, job_id=key.partition(".")[0], name=key, status="running"))
        return found

    def forget(self, run_id: RunId) -> None:
        """Drop what is known of a run (a long-lived process that is done with it)."""
        self.runs.pop(run_id, None)
        for key in [k for k in self.jobs if k[0] == run_id]:
            del self.jobs[key]

    def _put(self, job: JobView) -> JobView:
        self.jobs[(job.run_id, job.key)] = job
        return job

    def _step(self, run_id: RunId, key: str, step: StepView) -> JobView:
        job = self.job(run_id, key)
        return self._put(replace(job, steps={**job.steps, step.index: step}))
