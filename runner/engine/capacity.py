"""How many jobs run at once: one pool owned by the process, shared by all its runs.

``baton run --jobs 1`` with two workflows runs one job at a time, and the watch service
bounds every run it holds with the same pool. Besides the process-wide limit, a pool may
bound keys a job names (``host:build-1`` for an SSH host, ``label:gpu``): a job holds one
slot of each key it names, then one of the process-wide pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager


class Capacity:
    """Slots for jobs running at once; one per process, handed to every run it starts."""

    def __init__(self, jobs: int, *, limits: Mapping[str, int] | None = None) -> None:
        self.jobs = max(1, jobs)
        """Jobs running at once in the whole process."""
        self.limits = {key: max(1, n) for key, n in (limits or {}).items()}
        """Jobs running at once per key (``host:NAME``, ``label:NAME``); keys not here are unbounded."""
        self._total = asyncio.Semaphore(self.jobs)
        self._keyed = {key: asyncio.Semaphore(n) for key, n in self.limits.items()}
        self._warming = 0

    @asynccontextmanager
    async def slot(self, keys: Iterable[str] = ()) -> AsyncIterator[None]:
        """Hold a slot of each bounded key in ``keys``, then one of the process, for the
        block's duration. Keys are taken in sorted order, the process-wide slot last, so
        jobs never wait on each other in a circle and a job waiting for a busy host does
        not hold a slot another job could use elsewhere."""
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                semaphore = self._keyed.get(key)
                if semaphore is not None:
                    await stack.enter_async_context(semaphore)
            await stack.enter_async_context(self._total)
            yield

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
