"""Finding and signalling the live processes of a group or tree, from ``/proc``.

Zombies are left out: an exited process that its parent (or a slow PID 1) has not
reaped yet needs no signal, and waiting for it to vanish would only waste the grace
period. A process is known by its pid and start time, so a pid reused meanwhile by
another program is never signalled.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessInfo:
    """The few fields of ``/proc/<pid>/stat`` we use."""

    pid: int
    parent: int
    group: int
    session: int
    started: int
    """Start time in clock ticks since boot: with ``pid``, names the process for good."""
    is_zombie: bool


def has_proc() -> bool:
    """Whether this machine has a Linux ``/proc`` to walk."""
    return (PROC / "self" / "stat").exists()


def read_info(pid: int) -> ProcessInfo | None:
    """One process's info, or ``None`` when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces and parentheses.
    fields = text[text.rfind(")") + 2:].split()
    return ProcessInfo(pid=pid, parent=int(fields[1]), group=int(fields[2]), session=int(fields[3]),
                       started=int(fields[19]),
                       is_zombie=fields[0] in {"Z", "X"})


def all_processes() -> list[ProcessInfo]:
    """Every live (non-zombie) process visible here."""
    found: list[ProcessInfo] = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            info = read_info(int(entry.name))
            if info is not None and not info.is_zombie:
                found.append(info)
    return found


def group_members(group: int) -> list[ProcessInfo]:
    """Live processes of process group ``group``."""
    return [info for info in all_processes() if info.group == group]


def tree(root: int) -> list[ProcessInfo]:
    """``root`` (when alive) and all its live descendants."""
    processes = all_processes()
    children: dict[int, list[ProcessInfo]] = {}
    by_pid: dict[int, ProcessInfo] = {}
    for info in processes:
        children.setdefault(info.parent, []).append(info)
        by_pid[info.pid] = info
    found: list[ProcessInfo] = [by_pid[root]] if root in by_pid else []
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), ()):
            found.append(child)
            pending.append(child.pid)
    return found


def has_variable(pid: int, entry: bytes) -> bool:
    """Whether process ``pid``'s environment holds ``entry`` (``NAME=value``) exactly.

    False when it is gone or not ours to read (another user's, or a set-uid program's).
    """
    try:
        environ = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return environ.startswith(entry + b"\0") or b"\0" + entry + b"\0" in environ


def variable_value(pid: int, prefix: bytes) -> str | None:
    """The rest of the entry of process ``pid``'s environment that starts with ``prefix``
    (``NAME=`` and the start of a value), or None: none, gone, or not ours to read."""
    try:
        environ = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    if environ.startswith(prefix):
        start = 0
    else:
        start = environ.find(b"\0" + prefix) + 1
        if start == 0:
            return None
    end = environ.find(b"\0", start)
    entry = environ[start : end if end >= 0 else len(environ)]
    return entry.partition(b"=")[2].decode(errors="replace")


def alive(processes: Iterable[ProcessInfo]) -> list[ProcessInfo]:
    """Those of ``processes`` that still run (same pid, same start time, not a zombie)."""
    living: list[ProcessInfo] = []
    for info in processes:
        now = read_info(info.pid)
        if now is not None and not now.is_zombie and now.started == info.started:
            living.append(info)
    return living


def send(processes: Iterable[ProcessInfo], signo: signal.Signals) -> None:
    """Signal each of ``processes`` that still runs; one that is gone is fine."""
    for info in alive(processes):
        try:
            os.kill(info.pid, signo)
        except (ProcessLookupError, PermissionError):
            pass
