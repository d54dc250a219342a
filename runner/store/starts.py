"""Runs recorded before they start, with the ref moves that started them, in one transaction.

The watch service writes a ref's new position and the runs its move starts together, so
a crash at any point neither loses a push (the ref is not yet moved: it is seen again)
nor doubles one (the ref is moved and its runs exist, ``interrupted`` if cut off).
``baton run`` records its runs the same way, without moves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runner.status import Conclusion, RunId, Status
from runner.store.changes import Process
from runner.store.db import Store
from runner.store.watched import RefMove, Tick, move_refs, record_ticks

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


def begin_runs(store: Store, runs: Sequence[NewRun], moves: Iterable[RefMove] = (), ticks: Iterable[Tick] = ()) -> None:
    """Record ``runs`` as queued (owned by this process), apply the ref ``moves`` and
    record the schedule ``ticks`` that started them, all in one transaction. A run
    already recorded is left as it is, unless this is a later attempt of it (a re-run):
    then it is queued again, by this process, with that attempt."""
    process = Process.current()
    with store.transaction() as connection:
        move_refs(connection, moves)
        record_ticks(connection, ticks)
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
