"""What the store gives back: frozen records of runs, jobs, steps and annotations."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.status import Conclusion, RunId, Status

if TYPE_CHECKING:  # only a type: `baton runs` should not pay for importing the expression language
    from runner.expr import Value


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One recorded run of one workflow."""

    id: RunId
    number: int
    """Sequential within this store, like GitHub's ``run_number``."""
    workflow: str
    """The workflow's display name."""
    workflow_path: str
    event: str
    ref: str
    sha: str
    repository: str
    status: Status
    conclusion: Conclusion | None
    """None until the run completes."""
    started_at: float | None
    """Unix time."""
    finished_at: float | None
    pid: int | None
    """The process that runs (or ran) it."""
    host: str | None
    """The host name of that process."""
    repo: str | None = None
    """The watched repository's name (in ``baton.toml``) that started it; None for ``baton run``."""
    title: str = ""
    """The commit's first line."""
    trigger: dict[str, Value] = field(default_factory=dict)
    """What it was started for, enough to run it again on the same commit and event:
    ``payload`` (the event payload) and ``inputs`` (the inputs given). Never secrets."""
    attempt: int = 1
    """Its attempt (``github.run_attempt``): each re-run of the run makes the next."""

    @property
    def is_completed(self) -> bool:
        """Whether the run has ended (its conclusion is known)."""
        return self.status is Status.COMPLETED


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRecord:
    """One job (one matrix leg) of a run."""

    run_id: RunId
    job_key: str
    """Identity inside the run: the job id, or ``<job id>.<leg>`` for matrix legs."""
    job_id: str
    """The job's id in the workflow file."""
    name: str
    """The display name."""
    needs: tuple[str, ...] = ()
    matrix: dict[str, Value] = field(default_factory=dict)
    executor: str | None = None
    """Where it ran, once started: ``docker (ubuntu:24.04)``, ``local``, ``ssh build-1``."""
    status: Status = Status.QUEUED
    conclusion: Conclusion | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    """The job's ``GITHUB_STEP_SUMMARY`` markdown."""
    reason: str = ""
    """Why it failed or was skipped, when that is not a step's doing."""
    started_at: float | None = None
    finished_at: float | None = None
    attempt: int = 1
    """Its latest attempt (a retry of what the infrastructure broke, or a re-run, makes the next):
    the row shows that attempt; :func:`~runner.store.runs.attempts_of` gives every one."""

    @property
    def is_completed(self) -> bool:
        """Whether the job has ended."""
        return self.status is Status.COMPLETED


@dataclass(frozen=True, slots=True, kw_only=True)
class JobAttemptRecord:
    """One attempt of a job: how it went, where."""

    run_id: RunId
    job_key: str
    attempt: int
    """From 1."""
    run_attempt: int
    """The run's attempt it belongs to (a re-run of the run makes the next)."""
    executor: str | None
    status: Status
    conclusion: Conclusion | None
    reason: str
    """Why it failed, when that is not a step's doing (for a retried attempt: what broke)."""
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepRecord:
    """One step of a job."""

    run_id: RunId
    job_key: str
    index: int
    """Position in the job as the engine numbers it (from 0)."""
    name: str
    status: Status
    outcome: Conclusion | None
    """The result before ``continue-on-error``."""
    conclusion: Conclusion | None
    """The result after ``continue-on-error``."""
    outputs: dict[str, str] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    log_path: str | None = None
    """The step's log file relative to the baton home; None when it printed nothing."""
    attempt: int = 1
    """The attempt of its job it belongs to."""

    @property
    def is_completed(self) -> bool:
        """Whether the step has ended (or was skipped)."""
        return self.status is Status.COMPLETED


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnotationRecord:
    """An ``::error``, ``::warning`` or ``::notice`` a step printed."""

    run_id: RunId
    job_key: str
    index: int
    """The step's index."""
    level: str
    message: str
    file: str | None = None
    line: int | None = None


def run_from_row(row: sqlite3.Row) -> RunRecord:
    """A :class:`RunRecord` from a ``runs`` row."""
    return RunRecord(
        id=RunId(row["id"]),
        number=row["number"],
        workflow=row["workflow"],
        workflow_path=row["workflow_path"],
        event=row["event"],
        ref=row["ref"],
        sha=row["sha"],
        repository=row["repository"],
        status=Status(row["status"]),
        conclusion=_conclusion(row["conclusion"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        pid=row["pid"],
        host=row["host"],
        repo=row["repo"],
        title=row["title"],
        trigger=_json(row["trigger"], {}),
        attempt=row["attempt"],
    )


def job_from_row(row: sqlite3.Row) -> JobRecord:
    """A :class:`JobRecord` from a ``jobs`` row."""
    return JobRecord(
        run_id=RunId(row["run_id"]),
        job_key=row["job_key"],
        job_id=row["job_id"],
        name=row["name"],
        needs=tuple(_json(row["needs"], [])),
        matrix=_json(row["matrix"], {}),
        executor=row["executor"],
        status=Status(row["status"]),
        conclusion=_conclusion(row["conclusion"]),
        outputs=_json(row["outputs"], {}),
        summary=row["summary"],
        reason=row["reason"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        attempt=row["attempt"],
    )


def job_attempt_from_row(row: sqlite3.Row) -> JobAttemptRecord:
    """A :class:`JobAttemptRecord` from a ``job_attempts`` row."""
    return JobAttemptRecord(
        run_id=RunId(row["run_id"]),
        job_key=row["job_key"],
        attempt=row["attempt"],
        run_attempt=row["run_attempt"],
        executor=row["executor"],
        status=Status(row["status"]),
        conclusion=_conclusion(row["conclusion"]),
        reason=row["reason"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def step_from_row(row: sqlite3.Row) -> StepRecord:
    """A :class:`StepRecord` from a ``steps`` row."""
    return StepRecord(
        run_id=RunId(row["run_id"]),
        job_key=row["job_key"],
        index=row["idx"],
        name=row["name"],
        status=Status(row["status"]),
        outcome=_conclusion(row["outcome"]),
        conclusion=_conclusion(row["conclusion"]),
        outputs=_json(row["outputs"], {}),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        log_path=row["log_path"],
        attempt=row["attempt"],
    )


def annotation_from_row(row: sqlite3.Row) -> AnnotationRecord:
    """An :class:`AnnotationRecord` from an ``annotations`` row."""
    return AnnotationRecord(
        run_id=RunId(row["run_id"]),
        job_key=row["job_key"],
        index=row["idx"],
        level=row["level"],
        message=row["message"],
        file=row["file"],
        line=row["line"],
    )


def _conclusion(word: str | None) -> Conclusion | None:
    return None if word is None else Conclusion(word)


def _json(text: str | None, default: Any) -> Any:
    return default if not text else json.loads(text)
