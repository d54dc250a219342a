"""How many jobs run at once: one pool owned by the process, shared by all its runs.

``baton run --jobs 1`` with two workflows runs one job at a time, and the watch service
bounds every run it holds with the same pool. Besides the process-wide limit, a pool
bounds keys a job names: ``host:build-1`` for an SSH host (its ``capacity``), so jobs
of every run of the process share each host's slots. A job takes all its slots at once
or none, so a job waiting for a busy host holds nothing another job could use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager


def host_key(name: str) -> str:
    """The key that bounds the jobs on host ``name``."""
    return f"host:{name}"


class Capacity:
    """Slots for jobs running at once; one per process, handed to every run it starts."""

    def __init__(self, jobs: int, *, limits: Mapping[str, int] | None = None) -> None:
        self.jobs = max(1, jobs)
        """Jobs running at once in the whole process."""
        self.limits = {key: max(1, n) for key, n in (limits or {}).items()}
        """Jobs running at once per key (``host:NAME``); keys not here are unbounded."""
        self._running = 0
        self._busy: dict[str, int] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._warming = 0

    def busy(self, key: str) -> int:
        """Slots of ``key`` held now."""
        return self._busy.get(key, 0)

    @asynccontextmanager
    async def slot(
        self, keys: Iterable[str] = (), *, any_of: Sequence[str] = (), on_wait: Callable[[str], None] | None = None
    ) -> AsyncIterator[str | None]:
        """Hold, for the block's duration, a slot of each bounded key in ``keys``, of one of
        ``any_of`` (the least loaded free one, which the block receives; None when
        ``any_of`` is empty) and of the process. While a bounded key keeps the job
        waiting, ``on_wait`` hears why (``waiting for a slot on build-1 (2/2 busy)``),
        once per change of reason."""
        wanted = sorted(set(keys))
        said = ""
        while True:
            is_free, chosen, reason = self._choose(wanted, any_of)
            if is_free:
                break
            if on_wait is not None and reason and reason != said:
                on_wait(reason)
                said = reason
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        held = [key for key in (*wanted, *([chosen] if chosen else [])) if key in self.limits]
        for key in held:
            self._busy[key] = self._busy.get(key, 0) + 1
        self._running += 1
        try:
            yield chosen
        finally:
            self._running -= 1
            for key in held:
                self._busy[key] -= 1
            for waiter in list(self._waiters):  # each checks again, in the order they came
                if not waiter.done():
                    waiter.set_result(None)

    def _choose(self, keys: Sequence[str], any_of: Sequence[str]) -> tuple[bool, str | None, str]:
        """Whether all is free, and then the key of ``any_of`` to take; else why not ("" when
        only the process-wide limit holds the job: every job waits so, it goes untold)."""
        full = [key for key in keys if self._is_full(key)]
        if full:
            return False, None, self._describe(full, "and")
        chosen: str | None = None
        if any_of:
            free = [key for key in any_of if not self._is_full(key)]
            if not free:
                return False, None, self._describe(any_of, "or")
            chosen = min(free, key=lambda key: self.busy(key) / self.limits.get(key, 1 << 30))
        return self._running < self.jobs, chosen, ""

    def _is_full(self, key: str) -> bool:
        limit = self.limits.get(key)
        return limit is not None and self.busy(key) >= limit

    def _describe(self, keys: Sequence[str], joint: str) -> str:
        """``waiting for a slot on build-1 (2/2 busy) or build-2 (1/1 busy)``."""
        names = [f"{key.partition(':')[2] if key.startswith('host:') else key} ({self.busy(key)}/{self.limits[key]} busy)"
                 for key in keys]
        return f"waiting for a slot on {f' {joint} '.join(names)}"

    def reserve_warm(self, count: int) -> bool:
        """Whether ``count`` more sessions may be opened ahead of their jobs (never more
        than the process runs at once); if so they are counted until :meth:`release_warm`."""
        if self._warming + count > self.jobs:
            return False
        self._warming += count
        return True

    def release_warm(self, count: int) -> None:
        """Sessions opened ahead, reserved with :meth:`reserve_warm`, are closed or in use."""
        self._warming -= count
