"""What the watch service remembers between its lives: where each ref of each watched
repository was last seen, and the last tick of each schedule.

A ref's new position and the runs its move starts are written together
(:func:`begin_watched_runs`), so a crash at any point neither loses a push (the ref is not
yet moved: it is seen again) nor doubles one (the ref is moved and its runs exist,
``interrupted`` if cut off). ``baton run`` never imports this module.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner.store.db import Store, translated
from runner.store.starts import NewRun, insert_runs


@dataclass(frozen=True, slots=True, kw_only=True)
class RefMove:
    """A ref of a watched repository seen at a new position."""

    repo: str
    """The watched repository's name."""
    ref: str
    """``refs/heads/main``, ``refs/tags/v1``."""
    sha: str | None
    """Where it points now; None when it was deleted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    """The last tick of one schedule of one workflow that was run (or passed over)."""

    repo: str
    workflow_path: str
    cron: str
    at: float
    """Unix time of the tick."""


def begin_watched_runs(store: Store, runs: Sequence[NewRun], moves: Iterable[RefMove] = (),
                       ticks: Iterable[Tick] = ()) -> None:  # fmt: skip
    """Record ``runs`` as queued (as :func:`runner.store.starts.begin_runs` does), apply the
    ref ``moves`` and record the schedule ``ticks`` that started them, all in one transaction."""
    with store.transaction() as connection:
        move_refs(connection, moves)
        record_ticks(connection, ticks)
        insert_runs(connection, runs)


def watched_refs(store: Store, repo: str) -> dict[str, str] | None:
    """Every ref of ``repo`` as last seen (ref → sha); None when it was never seen."""
    with translated(store.path):
        rows = store.connection.execute("SELECT ref, sha FROM watched_refs WHERE repo = ?", (repo,)).fetchall()
        if not rows and not _was_seen(store.connection, repo):
            return None
    return {row["ref"]: row["sha"] for row in rows}


def move_refs(connection: sqlite3.Connection, moves: Iterable[RefMove]) -> None:
    """Apply ``moves`` inside the caller's transaction."""
    for move in moves:
        if move.sha is None:
            connection.execute("DELETE FROM watched_refs WHERE repo = ? AND ref = ?", (move.repo, move.ref))
        else:
            connection.execute(
                "INSERT INTO watched_refs (repo, ref, sha) VALUES (?, ?, ?)"
                " ON CONFLICT (repo, ref) DO UPDATE SET sha = excluded.sha",
                (move.repo, move.ref, move.sha),
            )


def first_sight(store: Store, repo: str, refs: Mapping[str, str]) -> None:
    """Record every ref of a repository seen for the first time (nothing runs for them)."""
    with store.transaction() as connection:
        connection.execute("DELETE FROM watched_refs WHERE repo = ?", (repo,))
        move_refs(connection, (RefMove(repo=repo, ref=ref, sha=sha) for ref, sha in refs.items()))
        connection.execute("INSERT OR REPLACE INTO watched_repos (repo, seen_at) VALUES (?, ?)", (repo, time.time()))


def _was_seen(connection: sqlite3.Connection, repo: str) -> bool:
    return connection.execute("SELECT 1 FROM watched_repos WHERE repo = ?", (repo,)).fetchone() is not None


def schedule_ticks(store: Store, repo: str) -> dict[tuple[str, str], float]:
    """The last tick of each schedule of ``repo``: (workflow path, cron) → Unix time."""
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT workflow_path, cron, tick_at FROM schedule_ticks WHERE repo = ?", (repo,)
        ).fetchall()
    return {(row["workflow_path"], row["cron"]): row["tick_at"] for row in rows}


def record_ticks(connection: sqlite3.Connection, ticks: Iterable[Tick]) -> None:
    """Record schedule ticks inside the caller's transaction."""
    connection.executemany(
        "INSERT INTO schedule_ticks (repo, workflow_path, cron, tick_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (repo, workflow_path, cron) DO UPDATE SET tick_at = excluded.tick_at",
        [(tick.repo, tick.workflow_path, tick.cron, tick.at) for tick in ticks],
    )
