"""Synthetic run events, shaped like the engine's, for driving a recorder."""

from __future__ import annotations

from runner.events import (
    Annotation,
    Event,
    EventBus,
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
from runner.status import Conclusion, RunId

T0 = 1_800_000_000.0
"""A fixed start time, so records can be compared exactly."""


def run_started(run_id: str, *, at: float = T0, repository: str = "/src/app", ref: str = "refs/heads/main") -> RunStarted:
    """A push run of the ``CI`` workflow."""
    return RunStarted(
        run_id=RunId(run_id),
        workflow="CI",
        workflow_path=".github/workflows/ci.yml",
        event="push",
        ref=ref,
        sha="0123456789abcdef0123456789abcdef01234567",
        repository=repository,
        at=at,
    )


def step(
    run_id: str, job_key: str, index: int, name: str, lines: tuple[str, ...], conclusion: Conclusion, *, at: float
) -> list[Event]:
    """A step that starts, prints ``lines`` and ends with ``conclusion``."""
    rid = RunId(run_id)
    return [
        StepStarted(run_id=rid, job_key=job_key, index=index, name=name, at=at),
        LogLines(run_id=rid, job_key=job_key, index=index, lines=lines),
        StepFinished(
            run_id=rid, job_key=job_key, index=index, name=name, outcome=conclusion, conclusion=conclusion,
            outputs={}, started=at, at=at + 1,
        ),
    ]  # fmt: skip


def whole_run(run_id: str, *, conclusion: Conclusion = Conclusion.SUCCESS, at: float = T0) -> list[Event]:
    """A finished run: ``build`` (two steps, then a skipped one) and ``test`` (a matrix leg, needs build)."""
    rid = RunId(run_id)
    return [
        run_started(run_id, at=at),
        JobQueued(run_id=rid, job_key="build", job_id="build", name="Build", needs=()),
        JobQueued(run_id=rid, job_key="test.1", job_id="test", name="test (3.12)", needs=("build",), matrix={"py": "3.12"}),
        JobStarted(run_id=rid, job_key="build", executor="local", at=at + 1),
        *step(run_id, "build", 0, "Checkout", ("checked out",), Conclusion.SUCCESS, at=at + 1),
        *step(run_id, "build", 1, "Compile", ("compiling", "done"), conclusion, at=at + 2),
        StepFinished(
            run_id=rid, job_key="build", index=2, name="Upload", outcome=Conclusion.SKIPPED,
            conclusion=Conclusion.SKIPPED, outputs={}, started=None, at=at + 3,
        ),
        JobFinished(run_id=rid, job_key="build", conclusion=conclusion, outputs={"version": "1.2"}, at=at + 3),
        JobStarted(run_id=rid, job_key="test.1", executor="docker (python:3.12)", at=at + 4),
        *step(run_id, "test.1", 0, "Run tests", ("3 passed",), Conclusion.SUCCESS, at=at + 4),
        JobFinished(
            run_id=rid, job_key="test.1", conclusion=Conclusion.SUCCESS,
            outputs={}, at=at + 6, summary="## ok",
        ),
        RunFinished(run_id=rid, conclusion=conclusion, at=at + 7),
    ]  # fmt: skip


def publish(bus: EventBus, events: list[Event]) -> None:
    """Publish events in order."""
    for event in events:
        bus.publish(event)


def retried_run(run_id: str) -> list[Event]:
    """A run whose job ``build`` lost its host in attempt 1 (a line, an annotation) and
    succeeded on another in attempt 2."""
    rid = RunId(run_id)
    return [
        run_started(run_id),
        JobQueued(run_id=rid, job_key="build", job_id="build", name="Build", needs=()),
        JobStarted(run_id=rid, job_key="build", executor="ssh box", at=T0 + 1),
        *step(run_id, "build", 0, "Compile", ("attempt one's line",), Conclusion.FAILURE, at=T0 + 1),
        Annotation(run_id=rid, job_key="build", index=0, level="error", message="lost connection to box"),
        JobRetrying(run_id=rid, job_key="build", attempt=1, attempts=2, reason="lost connection to box", delay=1.0,
                    at=T0 + 3),
        JobQueued(run_id=rid, job_key="build", job_id="build", name="Build", needs=(), attempt=2),
        JobStarted(run_id=rid, job_key="build", executor="ssh other", at=T0 + 4),
        *step(run_id, "build", 0, "Compile", ("attempt two's line",), Conclusion.SUCCESS, at=T0 + 4),
        JobFinished(run_id=rid, job_key="build", conclusion=Conclusion.SUCCESS, outputs={}, at=T0 + 6),
        RunFinished(run_id=rid, conclusion=Conclusion.SUCCESS, at=T0 + 6),
    ]
