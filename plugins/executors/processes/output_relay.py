"""Carrying output chunks from a worker thread to an :data:`OutputSink` on the event loop."""

from __future__ import annotations

import asyncio
import threading

from runner.api import OutputSink


BATCH_SECONDS = 0.02
"""How long chunks may gather before the sink gets them (invisible to a reader; a step
printing 200,000 lines then costs a few hundred callbacks, not ten thousand)."""
BATCH_BYTES = 1 << 20
"""A batch this large goes at once, whatever the time."""
HELD_BYTES = 4 << 20
"""Most output held for the loop: past it the pushing thread waits until the sink has
taken it, so a step that prints faster than baton shows is slowed, never buffered whole."""


class OutputRelay:
    """Batches chunks pushed by a worker thread into few event-loop callbacks.

    Chunks gather for up to ``BATCH_SECONDS`` (or ``BATCH_BYTES``) and reach the sink
    joined in one call, so a flood of small writes costs one callback per batch, not one
    per chunk. Order is kept, and memory bounded: a pushing thread waits while
    ``HELD_BYTES`` are queued.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, output: OutputSink) -> None:
        self._loop = loop
        self._output = output
        self._room = threading.Condition()
        self._pending: list[bytes] = []
        self._size = 0
        self._is_scheduled = False

    def push(self, chunk: bytes) -> None:
        """Queue ``chunk`` (from any thread); the sink gets it soon, on the loop."""
        if not chunk:
            return
        with self._room:
            while self._size >= HELD_BYTES and not self._loop.is_closed():
                self._room.wait(timeout=0.5)
            self._pending.append(chunk)
            self._size += len(chunk)
            is_full = self._size >= BATCH_BYTES
            if self._is_scheduled and not is_full:
                return
            self._is_scheduled = True
        try:
            if is_full:
                self._loop.call_soon_threadsafe(self.flush)
            else:
                self._loop.call_soon_threadsafe(self._loop.call_later, BATCH_SECONDS, self.flush)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    def flush(self) -> None:
        """Hand every queued chunk to the sink now; call on the loop (after the thread ends)."""
        with self._room:
            chunks, self._pending = self._pending, []
            self._size = 0
            self._is_scheduled = False
            self._room.notify_all()
        if chunks:
            self._output(chunks[0] if len(chunks) == 1 else b"".join(chunks))
