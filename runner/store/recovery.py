"""Runs that died: found on start, recorded as ``interrupted``.

A run records the pid and host of the process that runs it (and, on Linux, that
process's boot id and start time, so a pid reused after a crash or a reboot is not
taken for the run's process). Only runs of this host are judged: another host's
processes cannot be seen from here.

Alive means the run, not only its process: a service holds many runs, and one can end
(its task gone, its store writes lost) while the process lives on. The process running a
run writes its heartbeat every :data:`HEARTBEAT_SECONDS`; a run whose heartbeat is older
than :data:`STALE_SECONDS` is dead whatever its process does. Runs of an older baton
have no heartbeat, and then the process alone decides.
"""

from __future__ import annotations

import time
from sqlite3 import Row

from runner.process import host_name, is_process_alive
from runner.status import Conclusion, RunId, Status
from runner.store.db import Store, translated

HEARTBEAT_SECONDS = 5.0
"""How often the process running a run records that it still lives."""

STALE_SECONDS = 60.0
"""A run whose heartbeat is older than this is dead (a dozen missed beats: a busy machine
delays beats, it does not stop them)."""


def _is_alive(row: Row, host: str, now: float, stale_after: float) -> bool:
    """Whether an unfinished run may still be running (another host's: assumed so)."""
    if row["host"] not in (host, None):
        return True
    if row["heartbeat_at"] is not None and row["heartbeat_at"] < now - stale_after:
        return False
    return is_process_alive(row["pid"], row["process_start"])


def recover(store: Store, *, stale_after: float = STALE_SECONDS) -> tuple[RunId, ...]:
    """Mark this host's unfinished runs that died (process gone, or heartbeat older than
    ``stale_after`` seconds) as ``interrupted``; returns their ids.

    Their unfinished jobs and steps become ``interrupted`` too. Call it on every start
    of baton, then clean up what those runs left behind (containers, workspaces).
    """
    host, now = host_name(), time.time()
    dead = [RunId(row["id"]) for row in _unfinished(store) if not _is_alive(row, host, now, stale_after)]
    if not dead:
        return ()
    done, word = Status.COMPLETED.value, Conclusion.INTERRUPTED.value
    with store.transaction() as connection:
        for run_id in dead:
            # The status test repeats under the write lock: a run may have ended since.
            connection.execute(
                "UPDATE runs SET status = ?, conclusion = ?, finished_at = ? WHERE id = ? AND status != ?",
                (done, word, now, run_id, done),
            )
            connection.execute(
                "UPDATE jobs SET status = ?, conclusion = ?, finished_at = ? WHERE run_id = ? AND status != ?",
                (done, word, now, run_id, done),
            )
            connection.execute(
                "UPDATE job_attempts SET status = ?, conclusion = ?, finished_at = ? WHERE run_id = ? AND status != ?",
                (done, word, now, run_id, done),
            )
            connection.execute(
                "UPDATE steps SET status = ?, outcome = COALESCE(outcome, ?), conclusion = ?, finished_at = ?"
                " WHERE run_id = ? AND status != ?",
                (done, word, word, now, run_id, done),
            )
    return tuple(dead)


def active_run_ids(store: Store, *, stale_after: float = STALE_SECONDS) -> frozenset[RunId]:
    """Unfinished runs that may still be running: this host's with a live process and a
    fresh heartbeat (or none yet), and every other host's.

    What belongs to a run not in this set may be garbage-collected.
    """
    host, now = host_name(), time.time()
    return frozenset(RunId(row["id"]) for row in _unfinished(store) if _is_alive(row, host, now, stale_after))


def _unfinished(store: Store) -> list[Row]:
    with translated(store.path):
        return store.connection.execute(
            "SELECT id, pid, host, process_start, heartbeat_at FROM runs WHERE status != 'completed'"
        ).fetchall()
