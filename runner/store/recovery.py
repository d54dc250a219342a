"""Runs whose process died: found on start, recorded as ``interrupted``.

A run records the pid and host of the process that runs it (and, on Linux, that
process's boot id and start time, so a pid reused after a crash or a reboot is not
taken for the run's process). Only runs of this host are judged: another host's
processes cannot be seen from here.
"""

from __future__ import annotations

import time

from runner.process import host_name, is_process_alive
from runner.status import Conclusion, RunId, Status
from runner.store.db import Store, translated

def recover(store: Store) -> tuple[RunId, ...]:
    """Mark this host's unfinished runs whose process is gone as ``interrupted``; returns their ids.

    Their unfinished jobs and steps become ``interrupted`` too. Call it on every start
    of baton, then clean up what those runs left behind (containers, workspaces).
    """
    host = host_name()
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT id, pid, host, process_start FROM runs WHERE status != 'completed'"
        ).fetchall()
    dead = [
        RunId(row["id"])
        for row in rows
        if row["host"] in (host, None) and not is_process_alive(row["pid"], row["process_start"])
    ]
    if not dead:
        return ()
    now = time.time()
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
                "UPDATE steps SET status = ?, outcome = COALESCE(outcome, ?), conclusion = ?, finished_at = ?"
                " WHERE run_id = ? AND status != ?",
                (done, word, word, now, run_id, done),
            )
    return tuple(dead)


def active_run_ids(store: Store) -> frozenset[RunId]:
    """Unfinished runs that may still be running: this host's with a live process, and every other host's.

    What belongs to a run not in this set may be garbage-collected.
    """
    host = host_name()
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT id, pid, host, process_start FROM runs WHERE status != 'completed'"
        ).fetchall()
    return frozenset(
        RunId(row["id"])
        for row in rows
        if row["host"] not in (host, None) or is_process_alive(row["pid"], row["process_start"])
    )
