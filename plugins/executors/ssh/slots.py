"""Per-host capacity, counted across every run of this process: a job takes a slot of a
host whose labels it matches, or waits until one frees."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from plugins.executors.ssh.hosts import Host

_LOCK = threading.Lock()
_BUSY: dict[Host, int] = {}
_WAITERS: list[asyncio.Future[None]] = []


def try_take(candidates: Sequence[Host]) -> Host | None:
    """The least loaded of ``candidates`` with a free slot (now taken), or None."""
    with _LOCK:
        free = [host for host in candidates if _BUSY.get(host, 0) < host.capacity]
        if not free:
            return None
        host = min(free, key=lambda h: _BUSY.get(h, 0) / h.capacity)
        _BUSY[host] = _BUSY.get(host, 0) + 1
        return host


async def take(candidates: Sequence[Host]) -> Host:
    """A slot on one of ``candidates``, waiting (cancellably) while all are busy."""
    while True:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with _LOCK:
            _WAITERS.append(waiter)
        try:
            host = try_take(candidates)
            if host is not None:
                return host
            await waiter
        finally:
            with _LOCK:
                if waiter in _WAITERS:
                    _WAITERS.remove(waiter)


def give_back(host: Host) -> None:
    """Free a slot of ``host`` and wake every waiting job (from any loop or thread)."""
    with _LOCK:
        _BUSY[host] = _BUSY.get(host, 1) - 1
        waiters = list(_WAITERS)
    for waiter in waiters:
        try:
            waiter.get_loop().call_soon_threadsafe(_wake, waiter)
        except RuntimeError:  # its loop closed: nobody waits there any more
            pass


def busy(host: Host) -> int:
    """Slots of ``host`` in use now."""
    with _LOCK:
        return _BUSY.get(host, 0)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
