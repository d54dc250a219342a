"""A run that fails before any job can start: a workflow file that does not load (or
cannot be planned) on a pushed commit. Its one job's log shows the located errors, as
GitHub shows "Invalid workflow file"."""

from __future__ import annotations

import time
from collections.abc import Sequence

from runner.errors import Diagnostic
from runner.events import (
    Annotation,
    EventBus,
    JobFinished,
    JobQueued,
    JobStarted,
    LogLines,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.status import Conclusion
from runner.store.starts import NewRun

JOB = "workflow"
STEP = "Load the workflow file"


def publish_failed_run(bus: EventBus, run: NewRun, diagnostics: Sequence[Diagnostic]) -> None:
    """Publish the events of ``run`` (already recorded as queued) failing at once with
    ``diagnostics`` in its log and as annotations."""
    now, failure = time.time(), Conclusion.FAILURE
    reason = f"{run.workflow_path} is not a valid workflow ({len(diagnostics)} error{'s' * (len(diagnostics) != 1)})"
    bus.publish(
        RunStarted(
            run_id=run.run_id, workflow=run.workflow, workflow_path=run.workflow_path, event=run.event,
            ref=run.ref, sha=run.sha, repository=run.repository, at=now,
        )
    )  # fmt: skip
    bus.publish(JobQueued(run_id=run.run_id, job_key=JOB, job_id=JOB, name="Invalid workflow file", needs=()))
    bus.publish(JobStarted(run_id=run.run_id, job_key=JOB, executor="baton", at=now))
    bus.publish(StepStarted(run_id=run.run_id, job_key=JOB, index=0, name=STEP, at=now))
    bus.publish(LogLines(run_id=run.run_id, job_key=JOB, index=0, lines=tuple(str(d) for d in diagnostics)))
    for diagnostic in diagnostics:
        bus.publish(
            Annotation(
                run_id=run.run_id, job_key=JOB, index=0, level="error", message=diagnostic.message,
                file=diagnostic.mark.file, line=diagnostic.mark.line,
            )
        )  # fmt: skip
    bus.publish(
        StepFinished(
            run_id=run.run_id, job_key=JOB, index=0, name=STEP, outcome=failure, conclusion=failure,
            outputs={}, started=now, at=now,
        )
    )  # fmt: skip
    bus.publish(JobFinished(run_id=run.run_id, job_key=JOB, conclusion=failure, outputs={}, at=now, reason=reason))
    bus.publish(RunFinished(run_id=run.run_id, conclusion=failure, at=now))
