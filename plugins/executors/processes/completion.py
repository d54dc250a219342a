"""Work that must finish even when the task awaiting it is cancelled (cleanup, resource creation)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
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


async def in_pool(pool: Executor, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread`` on an executor's own ``pool``: calls that block a thread for a
    step's whole life (an exec's stream) must not take the loop's shared default threads,
    which the store, the recorder and cancellation also need."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)
