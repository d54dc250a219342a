"""What each run event changes: rows in the database and lines in step log files.

Used by the recorder's writer thread, inside the transaction of the current batch.
Events may arrive for a job the store has not seen queued (a matrix expanded late, a
set-up step): the job row is then created from what the event says.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from runner.events import (
    Annotation,
    Event,
    JobFinished,
    JobQueued,
    JobStarted,
    LogLines,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.status import RunId
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


def is_boundary(event: Event) -> bool:
    """Whether the batch should be committed right after ``event`` (something finished)."""
    return isinstance(event, StepFinished | JobFinished | RunFinished)


def apply(connection: sqlite3.Connection, logs: StepLogs, event: Event, process: Process) -> None:
    """Make the changes ``event`` stands for; log lines go to files, the rest to rows."""
    if isinstance(event, LogLines):
        key = (event.run_id, event.job_key, event.index)
        if not logs.is_open(key):
            name = logs.open(key)
            connection.execute(
                "UPDATE steps SET log_path = ? WHERE run_id = ? AND job_key = ? AND idx = ? AND log_path IS NULL",
                (name, *key),
            )
        logs.append(key, event.lines)
    elif isinstance(event, RunStarted):
        connection.execute(
            "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status,"
            " started_at, pid, host, process_start)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM runs), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.run_id, event.workflow, event.workflow_path, event.event, event.ref, event.sha,
                event.repository, _RUNNING, event.at, process.pid, process.host, process.started,
            ),
        )  # fmt: skip
    elif isinstance(event, JobQueued):
        connection.execute(
            "INSERT INTO jobs (run_id, job_key, job_id, name, needs, matrix, status) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, job_key) DO UPDATE SET job_id = excluded.job_id, name = excluded.name,"
            " needs = excluded.needs, matrix = excluded.matrix",
            (
                event.run_id, event.job_key, event.job_id, event.name,
                json.dumps(list(event.needs)), json.dumps(event.matrix), "queued",
            ),
        )  # fmt: skip
    elif isinstance(event, JobStarted):
        _ensure_job(connection, event.run_id, event.job_key)
        connection.execute(
            "UPDATE jobs SET status = ?, executor = ?, started_at = ? WHERE run_id = ? AND job_key = ?",
            (_RUNNING, event.executor, event.at, event.run_id, event.job_key),
        )
    elif isinstance(event, StepStarted):
        _ensure_job(connection, event.run_id, event.job_key)
        name = logs.open((event.run_id, event.job_key, event.index))
        connection.execute(
            "INSERT INTO steps (run_id, job_key, idx, name, status, started_at, log_path) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, job_key, idx) DO UPDATE SET name = excluded.name, status = excluded.status,"
            " started_at = excluded.started_at, log_path = COALESCE(steps.log_path, excluded.log_path)",
            (event.run_id, event.job_key, event.index, event.name, _RUNNING, event.at, name),
        )
    elif isinstance(event, Annotation):
        _ensure_job(connection, event.run_id, event.job_key)
        connection.execute(
            "INSERT INTO annotations (run_id, job_key, idx, level, message, file, line) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.run_id, event.job_key, event.index, event.level, event.message, event.file, event.line),
        )
    elif isinstance(event, StepFinished):
        _ensure_job(connection, event.run_id, event.job_key)
        logs.close_step((event.run_id, event.job_key, event.index))
        connection.execute(
            "INSERT INTO steps (run_id, job_key, idx, name, status, outcome, conclusion, outputs, started_at,"
            " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, job_key, idx) DO UPDATE SET name = excluded.name, status = excluded.status,"
            " outcome = excluded.outcome, conclusion = excluded.conclusion, outputs = excluded.outputs,"
            " started_at = COALESCE(steps.started_at, excluded.started_at), finished_at = excluded.finished_at",
            (
                event.run_id, event.job_key, event.index, event.name, _COMPLETED, event.outcome.value,
                event.conclusion.value, json.dumps(event.outputs), event.started, event.at,
            ),
        )  # fmt: skip
    elif isinstance(event, JobFinished):
        _ensure_job(connection, event.run_id, event.job_key)
        logs.close_job(event.run_id, event.job_key)
        connection.execute(
            "UPDATE jobs SET status = ?, conclusion = ?, outputs = ?, summary = ?, reason = ?, finished_at = ?"
            " WHERE run_id = ? AND job_key = ?",
            (
                _COMPLETED, event.conclusion.value, json.dumps(event.outputs), event.summary, event.reason,
                event.at, event.run_id, event.job_key,
            ),
        )  # fmt: skip
    elif isinstance(event, RunFinished):
        logs.close_run(event.run_id)
        connection.execute(
            "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ?",
            (_COMPLETED, event.conclusion.value, event.at, event.run_id),
        )


def _ensure_job(connection: sqlite3.Connection, run_id: RunId, job_key: str) -> None:
    """Create the job's row if it was never queued (its id is the key up to the leg number)."""
    connection.execute(
        "INSERT OR IGNORE INTO jobs (run_id, job_key, job_id, name, status) VALUES (?, ?, ?, ?, ?)",
        (run_id, job_key, job_key.partition(".")[0], job_key, _RUNNING),
    )
