"""Sessions opened before their job may start, so a job's container is up the moment its
``needs`` finish (a container start is most of a short job's cost).

Only a job whose placement reads nothing of its needs can be prepared this way; if it
ends up not running (its ``if:`` is false, a need failed), the session is closed unused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from runner.api import Executor, JobSpec, Session


class WarmSession:
    """A session being opened (or held open) for a job that has not started yet."""

    def __init__(self, executor: Executor, spec: JobSpec) -> None:
        self.spec = spec
        self._ready: asyncio.Future[Session] = asyncio.get_running_loop().create_future()
        self._release = asyncio.Event()
        self._task = asyncio.create_task(self._hold(executor), name=f"prewarm {spec.job_key}")

    async def _hold(self, executor: Executor) -> None:
        try:
            async with executor.session(self.spec) as session:
                self._ready.set_result(session)
                await self._release.wait()
        except asyncio.CancelledError:
            self._ready.cancel()
            raise
        except Exception as exc:  # handed to the job that takes the session
            if not self._ready.done():
                self._ready.set_exception(exc)

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[Session]:
        """The session, for the job's steps; leaving the block closes it (as opening one would)."""
        try:
            yield await self._ready
        finally:
            await self.close()

    async def close(self) -> None:
        """Close the session (or stop opening it); safe to call more than once."""
        self._release.set()
        if not self._ready.done():
            self._task.cancel()
        await asyncio.wait({self._task})  # the task's own ending is not ours to raise
        if self._ready.done() and not self._ready.cancelled():
            self._ready.exception()  # retrieved: an unused failure is not an error
