"""Which process owns a run, and whether it still lives.

A run (and everything an executor creates for it) records its owner as
``<host>:<pid>:<boot id>:<start ticks>``, so a pid reused after a crash or a reboot is
not taken for the owner. Only this host's processes can be judged from here.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

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


def owner_token() -> str:
    """This process as an owner: ``<host>:<pid>:<start>``."""
    pid = os.getpid()
    return f"{host_name()}:{pid}:{process_start(pid) or ''}"


def is_owner_alive(token: str) -> bool:
    """Whether the owner named by :func:`owner_token` may still run (another host's: assumed so)."""
    host, _, rest = token.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != host_name():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    return is_process_alive(pid, started or None)
