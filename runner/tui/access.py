"""How screens reach the data and the actions: one object handed down by the app.

The store feed lives in one worker thread (an SQLite connection belongs to its thread);
:meth:`Access.ask` runs a blocking call there and awaits it, so no screen blocks the
event loop or touches a connection itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from runner.tui.control import Control
from runner.tui.feed import StoreFeed

T = TypeVar("T")


class Access:
    """The feed and the control, and the thread they are used from."""

    def __init__(self, feed: StoreFeed, control: Control, *, clock: Callable[[], float] = time.time) -> None:
        self.feed = feed
        self.control = control
        self.clock = clock
        """What "now" is for durations and ages (fixed in snapshot tests)."""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-ui-store")

    async def ask(self, call: Callable[..., T], *args: object) -> T:
        """Run ``call(*args)`` in the feed's thread and return its result."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, lambda: call(*args))

    def close(self) -> None:
        """Close the feed in its thread, then the thread."""
        self._thread.submit(self.feed.close).result()
        self._thread.shutdown(wait=False)
