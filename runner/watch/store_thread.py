"""The service's one connection to the store, used from one thread of its own (SQLite
connections belong to the thread that opened them; the event loop never waits on a write)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from runner.store import Store

T = TypeVar("T")


class StoreThread:
    """Runs ``work(store, *args)`` calls one after another on one connection."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._store: Store | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-watch-store")

    async def call(self, work: Callable[..., T], *args: object) -> T:
        """``work(store, *args)``, in the store's thread (the store opened on first use)."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._call, work, args)

    async def close(self) -> None:
        """Close the connection and end the thread."""
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        self._thread.shutdown()

    def _call(self, work: Callable[..., T], args: tuple[object, ...]) -> T:
        if self._store is None:
            self._store = Store.open(self.home)
        return work(self._store, *args)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
