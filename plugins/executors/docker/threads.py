"""The docker executor's own worker threads: every blocking SDK call runs here.

A running step holds a thread for as long as it runs (its exec's output stream), so
with the loop's default pool (a few threads on a small machine) a handful of steps
would starve everything else that needs a thread, their own cancellation included.
Idle threads cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from plugins.executors.processes.completion import in_pool, to_completion

T = TypeVar("T")

POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="baton-docker")
"""Shared by every docker executor of the process."""


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call on the docker executor's threads."""
    return await in_pool(POOL, function, *args, **kwargs)


async def thread_to_completion(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """:func:`in_thread`, waited for to its end even when the caller is cancelled (for
    calls that create things, so the cleanup right after sees what they made)."""
    return await to_completion(in_thread(function, *args, **kwargs))
