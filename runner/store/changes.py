"""What each run event changes: rows in the database and lines in step log files.

Used by the recorder's writer thread, inside the transaction of the current batch. The
rows are written from :class:`runner.progress.Progress`, the fold the printer shows too;
a job never queued (a matrix expanded late, a set-up step) gets a row from its key.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from typing import assert_never

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
from runner.process import host_name, process_start
from runner.progress import JobView, Progress, StepView
from runner.status import Conclusion, RunId
from runner.store.logfiles import StepLogs

_RUNNING = "running"
_COMPLETED = "completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Process:
    """The process that records (and runs) the runs it starts."""

    pid: int
    host: str
    started: str | None
    """Boot id and start time, to tell this process from a later one with the same pid."""

    @classmethod
    def current(cls) -> Process:
        """This process."""
        pid = os.getpid()
        return cls(pid=pid, host=host_name(), started=process_start(pid))


def is_boundary(event: Event) -> bool:
    """Whether the batch should be committed right after ``event`` (something finished)."""
    return isinstance(event, StepFinished | JobFinished | RunFinished)


def apply(connection: sqlite3.Connection, logs: StepLogs, progress: Progress, event: Event, process: Process) -> None:
    """Make the changes ``event`` stands for; log lines go to files, the rest to rows.

    ``progress`` folds the events of the runs being recorded: the rows are written from it.
    """
    progress.apply(event)
    match event:
        case LogLines():
            key = (event.run_id, event.job_key, event.index)
            if not logs.is_open(key):
                attempt = progress.job(event.run_id, event.job_key).attempt
                name = logs.open(key, attempt)
                connection.execute(
                    "UPDATE steps SET log_path = ? WHERE run_id = ? AND job_key = ? AND idx = ? AND attempt = ?"
                    " AND log_path IS NULL",
                    (name, *key, attempt),
                )
            logs.append(key, event.lines)
        case RunStarted():
            connection.execute(
                "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status,"
                " started_at, pid, host, process_start, attempt)"
                " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM runs), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                # Recorded before it started (begin_runs), or an earlier attempt: keep its number, repo,
                # title and trigger.
                " ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,"
                " pid = excluded.pid, host = excluded.host, process_start = excluded.process_start,"
                " attempt = excluded.attempt, conclusion = NULL, finished_at = NULL",
                (
                    event.run_id, event.workflow, event.workflow_path, event.event, event.ref, event.sha,
                    event.repository, _RUNNING, event.at, process.pid, process.host, process.started, event.attempt,
                ),
            )  # fmt: skip
        case JobQueued() | JobStarted():
            _save_job(connection, progress.job(event.run_id, event.job_key), _run_attempt(progress, event.run_id))
        case JobRetrying():
            logs.close_job(event.run_id, event.job_key)
            connection.execute(
                "UPDATE job_attempts SET status = ?, conclusion = ?, reason = ?, finished_at = ?"
                " WHERE run_id = ? AND job_key = ? AND attempt = ?",
                (_COMPLETED, Conclusion.FAILURE.value, event.reason, event.at, event.run_id, event.job_key, event.attempt),
            )
            _save_job(connection, progress.job(event.run_id, event.job_key), _run_attempt(progress, event.run_id))
        case JobFinished():
            logs.close_job(event.run_id, event.job_key)
            _save_job(connection, progress.job(event.run_id, event.job_key), _run_attempt(progress, event.run_id))
        case StepStarted():
            job = progress.job(event.run_id, event.job_key)
            _ensure_job(connection, job)
            log_path = logs.open((event.run_id, event.job_key, event.index), job.attempt)
            _save_step(connection, job, job.steps[event.index], log_path=log_path)
        case StepFinished():
            job = progress.job(event.run_id, event.job_key)
            _ensure_job(connection, job)
            logs.close_step((event.run_id, event.job_key, event.index))
            _save_step(connection, job, job.steps[event.index], log_path=None)
        case Annotation():
            job = progress.job(event.run_id, event.job_key)
            _ensure_job(connection, job)
            connection.execute(
                "INSERT INTO annotations (run_id, job_key, attempt, idx, level, message, file, line)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event.run_id, event.job_key, job.attempt, event.index, event.level, event.message, event.file, event.line),
            )
        case RunFinished():
            logs.close_run(event.run_id)
            connection.execute(
                "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ?",
                (_COMPLETED, event.conclusion.value, event.at, event.run_id),
            )
            progress.forget(event.run_id)
        case _:
            assert_never(event)


def _run_attempt(progress: Progress, run_id: RunId) -> int:
    """The run's attempt as its start said (1 when its start was not seen)."""
    run = progress.runs.get(run_id)
    return run.started.attempt if run is not None else 1


def _save_job(connection: sqlite3.Connection, job: JobView, run_attempt: int) -> None:
    """Write the job's row as the fold has it, and its current attempt's row."""
    conclusion = job.conclusion.value if job.conclusion else None
    connection.execute(
        "INSERT INTO jobs (run_id, job_key, job_id, name, needs, matrix, status, executor, started_at, conclusion,"
        " outputs, summary, reason, finished_at, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, job_key) DO UPDATE SET job_id = excluded.job_id, name = excluded.name,"
        " needs = excluded.needs, matrix = excluded.matrix, status = excluded.status, executor = excluded.executor,"
        " started_at = excluded.started_at, conclusion = excluded.conclusion, outputs = excluded.outputs,"
        " summary = excluded.summary, reason = excluded.reason, finished_at = excluded.finished_at,"
        " attempt = excluded.attempt",
        (
            job.run_id, job.key, job.job_id, job.name, json.dumps(list(job.needs)), json.dumps(job.matrix), job.status,
            job.executor or None, job.started, conclusion, json.dumps(job.outputs), job.summary, job.reason,
            job.finished, job.attempt,
        ),
    )  # fmt: skip
    connection.execute(
        "INSERT INTO job_attempts (run_id, job_key, attempt, run_attempt, executor, status, conclusion, reason,"
        " started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, job_key, attempt) DO UPDATE SET executor = excluded.executor,"
        " status = excluded.status, conclusion = excluded.conclusion, reason = excluded.reason,"
        " started_at = excluded.started_at, finished_at = excluded.finished_at",
        (job.run_id, job.key, job.attempt, run_attempt, job.executor or None, job.status, conclusion, job.reason,
         job.started, job.finished),
    )  # fmt: skip


def _ensure_job(connection: sqlite3.Connection, job: JobView) -> None:
    """Create the job's row if it was never queued (the fold made it from the event's key)."""
    connection.execute(
        "INSERT OR IGNORE INTO jobs (run_id, job_key, job_id, name, status, attempt) VALUES (?, ?, ?, ?, ?, ?)",
        (job.run_id, job.key, job.job_id, job.name, job.status, job.attempt),
    )


def _save_step(connection: sqlite3.Connection, job: JobView, step: StepView, *, log_path: str | None) -> None:
    """Write the step's row as the fold has it; a log path once set stays."""
    connection.execute(
        "INSERT INTO steps (run_id, job_key, attempt, idx, name, status, outcome, conclusion, outputs, started_at,"
        " finished_at, log_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, job_key, attempt, idx) DO UPDATE SET name = excluded.name, status = excluded.status,"
        " outcome = excluded.outcome, conclusion = excluded.conclusion, outputs = excluded.outputs,"
        " started_at = excluded.started_at, finished_at = excluded.finished_at,"
        " log_path = COALESCE(steps.log_path, excluded.log_path)",
        (
            job.run_id, job.key, job.attempt, step.index, step.name, step.status, step.outcome.value if step.outcome else None,
            step.conclusion.value if step.conclusion else None, json.dumps(step.outputs), step.started, step.finished,
            log_path,
        ),
    )  # fmt: skip


def beat(connection: sqlite3.Connection, run_ids: tuple[RunId, ...], at: float) -> None:
    """Record that these runs still live (their tasks run in this process)."""
    connection.executemany(
        "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status != ?", [(at, run_id, _COMPLETED) for run_id in run_ids]
    )
