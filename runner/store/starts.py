"""Runs recorded before they start.

``baton run`` records its runs with :func:`begin_runs`; the watch service records them
with the ref moves and schedule ticks that started them, in one transaction
(:func:`runner.store.watched.begin_watched_runs`, through :func:`insert_runs`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runner.status import Conclusion, RunId, Status
from runner.store.changes import Process
from runner.store.db import Store

if TYPE_CHECKING:
    from runner.expr import Value


@dataclass(frozen=True, slots=True, kw_only=True)
class NewRun:
    """A run about to start (or to wait for its concurrency group)."""

    run_id: RunId
    workflow: str
    workflow_path: str
    event: str
    ref: str
    sha: str
    repository: str
    repo: str | None = None
    """The watched repository's name; None for ``baton run``."""
    title: str = ""
    """The commit's first line."""
    trigger: Mapping[str, Value] = field(default_factory=dict)
    """``payload`` and ``inputs``: what a re-run needs. Never secrets."""
    attempt: int = 1
    """The run's attempt: more than 1 for a re-run, whose earlier attempts are recorded."""


def begin_runs(store: Store, runs: Sequence[NewRun]) -> None:
    """Record ``runs`` as queued (owned by this process), in one transaction (see
    :func:`insert_runs`)."""
    with store.transaction() as connection:
        insert_runs(connection, runs)


def insert_runs(connection: sqlite3.Connection, runs: Sequence[NewRun]) -> None:
    """Record ``runs`` as queued (owned by this process) inside the caller's transaction.
    A run already recorded is left as it is, unless this is a later attempt of it (a
    re-run): then it is queued again, by this process, with that attempt."""
    process = Process.current()
    for run in runs:
        connection.execute(
            "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status,"
            " pid, host, process_start, repo, title, \"trigger\", attempt)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM runs), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, conclusion = NULL, finished_at = NULL,"
            " pid = excluded.pid, host = excluded.host, process_start = excluded.process_start,"
            " attempt = excluded.attempt WHERE excluded.attempt > runs.attempt",
            (
                run.run_id, run.workflow, run.workflow_path, run.event, run.ref, run.sha, run.repository,
                Status.QUEUED.value, process.pid, process.host, process.started, run.repo, run.title,
                json.dumps(dict(run.trigger), sort_keys=True), run.attempt,
            ),
        )  # fmt: skip


def finish_unstarted(store: Store, run_ids: Iterable[RunId], conclusion: Conclusion) -> None:
    """Conclude runs that never started (a pending run replaced in its concurrency group,
    a service stopping): they end with ``conclusion`` and no start time."""
    now = time.time()
    with store.transaction() as connection:
        connection.executemany(
            "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ? AND status = ?",
            [(Status.COMPLETED.value, conclusion.value, now, run_id, Status.QUEUED.value) for run_id in run_ids],
        )
