"""Runs whose process died: found on start, recorded as ``interrupted``.

A run records the pid and host of the process that runs it (and, on Linux, that
process's boot id and start time, so a pid reused after a crash or a reboot is not
taken for the run's process). Only runs of this host are judged: another host's
processes cannot be seen from here.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from runner.status import Conclusion, RunId, Status
from runner.store.db import Store, translated

_PROC = Path("/proc")


def host_name() -> str:
    """This machine's name, as recorded in ``runs.host``."""
    return socket.gethostname()


def process_start(pid: int) -> str | None:
    """``"<boot id>:<start ticks>"`` of a live process, or None where /proc cannot tell (or it is gone)."""
    try:
        boot_id = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return f"{boot_id}:{fields[19]}" if len(fields) > 19 else None


def is_process_alive(pid: int | None, started: str | None = None) -> bool:
    """Whether ``pid`` is a live (not zombie) process on this host, the same one that had ``started``."""
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc here: the signal test is all we have
    if stat[stat.rfind(")") + 2 :].startswith(("Z", "X")):
        return False  # killed, waiting for its parent to reap it
    return started is None or process_start(pid) in (started, None)


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
