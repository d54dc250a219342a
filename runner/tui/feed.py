"""What the dashboard reads: runs, jobs and steps from the store, opened read-only.

The feed is the dashboard's only way to the database: screens ask it for frozen
records and never open a connection themselves. It opens the SQLite file with
``mode=ro`` (the dashboard never writes, and never creates or migrates a store), reads
pages rather than whole tables, and tells cheaply whether anything changed since the
last look (``PRAGMA data_version`` moves whenever another connection commits).

A feed belongs to one thread: the app keeps it in a single worker thread.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from runner.status import Conclusion, RunId, Status
from runner.store.paths import database_path
from runner.store.records import (
    AnnotationRecord,
    JobRecord,
    RunRecord,
    StepRecord,
    annotation_from_row,
    job_from_row,
    run_from_row,
    step_from_row,
)

PAGE = 200
"""Runs read per page of the runs list."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFilter:
    """Which runs the list shows; empty fields match everything."""

    repository: str = ""
    workflow: str = ""
    ref: str = ""
    """A branch or tag name, or a full ref."""
    status: str = ""
    """A conclusion word (``failure``) or ``running``/``queued``."""
    text: str = ""
    """Free text searched in workflow, ref, sha, repository and event (``/``)."""

    @property
    def is_empty(self) -> bool:
        """Whether the filter lets every run through."""
        return not (self.repository or self.workflow or self.ref or self.status or self.text)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDetail:
    """One run as the run view shows it."""

    run: RunRecord
    jobs: tuple[JobRecord, ...]
    steps: dict[str, tuple[StepRecord, ...]] = field(default_factory=dict)
    """Steps of each job, by job key, in step order."""
    annotations: tuple[AnnotationRecord, ...] = ()


class StoreFeed:
    """Read-only queries over the store of one baton home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        """The baton home; step log paths are relative to it."""
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None

    @property
    def path(self) -> Path:
        """The SQLite file (it may not exist yet)."""
        return database_path(self.home)

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def has_changed(self) -> bool:
        """Whether another process committed since the last call (True the first time)."""
        connection = self._connect()
        if connection is None:
            return False
        try:
            version = int(connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self.close()
            return True
        changed = version != self._version
        self._version = version
        return changed

    def runs(self, wanted: RunFilter = RunFilter(), *, limit: int = PAGE, before: int | None = None) -> tuple[RunRecord, ...]:
        """Runs matching ``wanted``, newest first; ``before`` pages on from a run number."""
        clauses: list[str] = []
        values: list[object] = []
        if before is not None:
            clauses.append("number < ?")
            values.append(before)
        if wanted.repository:
            clauses.append("instr(lower(repository), ?) > 0")
            values.append(wanted.repository.lower())
        if wanted.workflow:
            clauses.append("(instr(lower(workflow), ?) > 0 OR instr(lower(workflow_path), ?) > 0)")
            values += [wanted.workflow.lower()] * 2
        if wanted.ref:
            clauses.append("(ref = ? OR ref = ? OR ref = ?)")
            values += [wanted.ref, f"refs/heads/{wanted.ref}", f"refs/tags/{wanted.ref}"]
        if wanted.status:
            word = wanted.status.lower()
            if word in (Status.RUNNING.value, Status.QUEUED.value):
                clauses.append("status = ?")
            else:
                clauses.append("conclusion = ?")
            values.append(word)
        if wanted.text:
            needle = wanted.text.lower()
            clauses.append(
                "(instr(lower(workflow), ?) > 0 OR instr(lower(ref), ?) > 0 OR instr(sha, ?) > 0"
                " OR instr(lower(repository), ?) > 0 OR instr(lower(event), ?) > 0 OR id = ?)"
            )
            values += [needle] * 5 + [wanted.text]
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(f"SELECT * FROM runs {where} ORDER BY number DESC LIMIT ?", (*values, limit))
        return tuple(run_from_row(row) for row in rows)

    def run(self, run_id: RunId) -> RunDetail | None:
        """A run with its jobs, steps and annotations; None if the store has no such run."""
        rows = self._rows("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        jobs = tuple(job_from_row(row) for row in self._rows("SELECT * FROM jobs WHERE run_id = ? ORDER BY id", (run_id,)))
        steps: dict[str, list[StepRecord]] = {job.job_key: [] for job in jobs}
        latest = "JOIN jobs USING (run_id, job_key) WHERE {0}.run_id = ? AND {0}.attempt = jobs.attempt"  # jobs' latest attempts
        for row in self._rows(f"SELECT steps.* FROM steps {latest.format('steps')} ORDER BY job_key, idx", (run_id,)):
            steps.setdefault(row["job_key"], []).append(step_from_row(row))
        notes = self._rows(f"SELECT annotations.* FROM annotations {latest.format('annotations')} ORDER BY annotations.id",
                           (run_id,))
        return RunDetail(
            run=run_from_row(rows[0]),
            jobs=jobs,
            steps={key: tuple(found) for key, found in steps.items()},
            annotations=tuple(annotation_from_row(row) for row in notes),
        )

    def log_file(self, step: StepRecord) -> Path | None:
        """The step's log file, when it printed anything."""
        return self.home / step.log_path if step.log_path else None

    def _rows(self, sql: str, values: tuple[object, ...]) -> list[sqlite3.Row]:
        connection = self._connect()
        if connection is None:
            return []
        try:
            return connection.execute(sql, values).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # a store being created right now
                return []
            raise

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None:
            if not self.path.exists():
                return None
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            connection.row_factory = sqlite3.Row
            self._connection = connection
        return self._connection


def is_live(run: RunRecord) -> bool:
    """Whether a run has not completed yet."""
    return run.status is not Status.COMPLETED


def outcome_word(status: Status, conclusion: Conclusion | None) -> str:
    """One word for a state: the conclusion when completed, else the status."""
    return conclusion.value if conclusion is not None else status.value
