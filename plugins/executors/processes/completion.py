"""Work that must finish even when the task awaiting it is cancelled (cleanup, resource creation)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def to_completion(work: Coroutine[Any, Any, T]) -> T:
    """Await ``work`` to its end; a cancellation meanwhile is re-raised afterwards, not lost."""
    task = asyncio.ensure_future(work)
    is_cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise
            is_cancelled = True
    if is_cancelled:
        task.exception()  # retrieved: a cancelled caller cannot act on it, the cancel wins
        raise asyncio.CancelledError
    return task.result()


async def thread_to_completion(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call in a worker thread; if cancelled, wait until the call returns.

    For calls that create things (a container, a network): a cancellation must not
    leave a creation in flight that the cleanup, running right after, would miss.
    """
    return await to_completion(asyncio.to_thread(function, *args, **kwargs))
