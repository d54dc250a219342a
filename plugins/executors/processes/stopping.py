"""Stopping what a step or a job left running: SIGTERM, the grace period, then SIGKILL.

Each executor says *what* it stops as a :class:`Target` (how to signal what is left of
it, how to wait for it to be gone); :func:`stop` is the one TERM → wait → KILL sequence
they all share, with the executor's ``grace_seconds``
(:class:`~plugins.executors.settings.ExecutorSettings`) as the wait. The targets that need
nothing but this machine's process table live here: a process group
(:class:`ProcessGroup`) and the processes a search finds (:class:`FoundProcesses`, a job's
tracked processes); the Docker executor adds an exec's process tree and ``kill -1``
inside a container.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from typing import Protocol

from plugins.executors.processes import process_tree
from plugins.executors.processes.process_tree import ProcessInfo

POLL_SECONDS = 0.02
"""How often a target without an event to wait for is looked at again."""


class Target(Protocol):
    """Something :func:`stop` stops."""

    async def signal(self, signo: signal.Signals) -> bool:
        """Send ``signo`` to what is left; False when nothing was left to signal."""
        ...

    async def wait_gone(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for all of it to end; whether it did."""
        ...


async def stop(target: Target, grace_seconds: float) -> bool:
    """SIGTERM ``target``, SIGKILL what is left of it after ``grace_seconds``.

    Returns whether SIGKILL was sent: nothing was left to signal, or everything ended
    within the grace period, is False.
    """
    if not await target.signal(signal.SIGTERM):
        return False
    if await target.wait_gone(grace_seconds):
        return False
    await target.signal(signal.SIGKILL)
    return True


async def poll_until(is_gone: Callable[[], bool], timeout: float, *, in_thread: bool = False) -> bool:
    """Ask ``is_gone`` every :data:`POLL_SECONDS` until it says yes or ``timeout`` passed
    (in a worker thread when ``in_thread``: it reads the whole process table)."""
    deadline = time.monotonic() + timeout
    while True:
        gone = await asyncio.to_thread(is_gone) if in_thread else is_gone()
        if gone:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_SECONDS)


class ProcessGroup:
    """Every process of one process group (a host step's session)."""

    def __init__(self, group: int) -> None:
        self._group = group

    async def signal(self, signo: signal.Signals) -> bool:
        return signal_group(self._group, signo)

    async def wait_gone(self, timeout: float) -> bool:
        return await poll_until(lambda: not is_group_alive(self._group), timeout)


class FoundProcesses:
    """The processes ``find`` names each time it is asked (a job's tracked processes)."""

    def __init__(self, find: Callable[[], list[ProcessInfo]]) -> None:
        self._find = find

    async def signal(self, signo: signal.Signals) -> bool:
        found = await asyncio.to_thread(self._find)
        process_tree.send(found, signo)
        return bool(found)

    async def wait_gone(self, timeout: float) -> bool:
        return await poll_until(lambda: not self._find(), timeout, in_thread=True)


def signal_group(group: int, signo: signal.Signals) -> bool:
    """Send ``signo`` to process group ``group``; False when it is gone (or not ours)."""
    try:
        os.killpg(group, signo)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def is_group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies waiting for a slow PID 1 do not count)."""
    if process_tree.has_proc():
        return bool(process_tree.group_members(group))
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
