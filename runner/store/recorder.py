"""The recorder: run events from the bus into the store, without slowing the event loop.

The bus calls the recorder on the event loop; the recorder only queues the event.
One writer thread drains the queue in batches: log lines go to buffered step files,
everything else to rows, one transaction per batch. A batch ends (files flushed, then
the transaction committed) at most :data:`FLUSH_SECONDS` after its first event, and
right after a step, job or run finishes, so a reader in another process sees new
lines within about a tenth of a second and never sees "completed" before the last
line is in the file.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from runner.errors import StoreError
from runner.events import Event, EventBus, LogLines
from runner.progress import Progress
from runner.status import RunId
from runner.store.changes import Process, apply, beat, is_boundary
from runner.store.db import connect, store_error
from runner.store.logfiles import StepLogs
from runner.store.paths import baton_home, database_path, ensure_home

FLUSH_SECONDS = 0.1
"""The longest a recorded event waits before readers can see it."""

NAP_SECONDS = 0.01
"""How long the writer sleeps when a batch's window is open and the queue is empty."""

_log = logging.getLogger("baton.store")


class _WindowClosed:
    """The batch's time window ended with the queue empty."""


@dataclass(frozen=True, slots=True)
class _Flush:
    """Asks the writer to commit what came before, then set ``done``."""

    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True, slots=True)
class _Beat:
    """Says these runs still live, at ``at``."""

    run_ids: tuple[RunId, ...]
    at: float


_Item = Event | _Flush | _Beat | None
"""What the queue carries; None stops the writer."""


class Recorder:
    """Records the events of an :class:`EventBus` into the store of one baton home."""

    def __init__(self, *, home: Path, connection: sqlite3.Connection) -> None:
        self.home = home
        """The baton home written to."""
        self._path = database_path(home)
        self._connection = connection
        self._logs = StepLogs(home)
        self._process = Process.current()
        self._progress = Progress()
        """The runs being recorded, folded: the rows are written from it (writer thread only)."""
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._detachers: list[Callable[[], None]] = []
        self._failure: StoreError | None = None
        self._is_closed = False
        self._thread = threading.Thread(target=self._write, name="baton-recorder", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, home: Path | None = None) -> Recorder:
        """Open the store in ``home`` (default: :func:`baton_home`) and start the writer thread."""
        home = baton_home() if home is None else ensure_home(home)
        return cls(home=home, connection=connect(database_path(home), is_shared_with_thread=True))

    def attach(self, bus: EventBus) -> None:
        """Record every event ``bus`` publishes from now on, until :meth:`close`."""
        if self._is_closed:
            raise StoreError("the recorder is closed", where=str(self._path))
        self._detachers.append(bus.subscribe(self.record))

    def record(self, event: Event) -> None:
        """Queue one event for writing; returns at once (this is the bus subscriber)."""
        self._queue.put(event)

    def beat(self, run_ids: Iterable[RunId]) -> None:
        """Record that ``run_ids`` still run (their tasks live in this process); returns at once.

        Recovery takes a run whose heartbeat stopped for :data:`~runner.store.recovery.STALE_SECONDS`
        as dead even while its process lives (a service holds many runs).
        """
        self._queue.put(_Beat(tuple(run_ids), time.time()))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything recorded so far is written and visible to readers.

        Raises :class:`StoreError` if a write failed or ``timeout`` seconds passed.
        """
        request = _Flush()
        self._queue.put(request)
        if not request.done.wait(timeout):
            raise StoreError(f"the recorder did not catch up within {timeout} s", where=str(self._path))
        self._raise_failure()

    def close(self) -> None:
        """Stop listening, write what is queued, close files and the database.

        Raises :class:`StoreError` if any write failed while recording.
        """
        if self._is_closed:
            return
        self._is_closed = True
        for detach in self._detachers:
            detach()
        self._detachers.clear()
        self._queue.put(None)
        self._thread.join()
        self._connection.close()
        self._raise_failure()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    # --- the writer thread -----------------------------------------------------------------

    def _write(self) -> None:
        """Drain the queue in batches until told to stop."""
        is_stopping = False
        while not is_stopping:
            item = self._queue.get()
            deadline = time.monotonic() + FLUSH_SECONDS
            waiters: list[_Flush] = []
            while True:
                if isinstance(item, LogLines):
                    self._append(item)
                elif item is None:
                    is_stopping = True
                    break
                elif isinstance(item, _Flush):
                    waiters.append(item)
                    break
                elif isinstance(item, _Beat):
                    self._beat(item)
                    break
                else:
                    self._apply(item)
                    if is_boundary(item):
                        break
                following = self._next(deadline)
                if isinstance(following, _WindowClosed):
                    break
                item = following
            self._commit()
            if is_stopping:
                self._close_logs()
            for waiter in waiters:
                waiter.done.set()

    def _next(self, deadline: float) -> _Item | _WindowClosed:
        """The next queued item of this batch, or the end of the batch's window.

        Waits in short naps rather than waking on every event: a thread woken per event
        would take the GIL from the event loop once per log line.
        """
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:  # also under a flood of events: readers must see lines in time
                return _WindowClosed()
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                time.sleep(min(remaining, NAP_SECONDS))

    def _append(self, event: LogLines) -> None:
        """The hot path: lines of a running step touch only its file, never the database."""
        try:
            if self._logs.append_if_open((event.run_id, event.job_key, event.index), event.lines):
                return
        except OSError as exc:
            self._fail(StoreError(f"cannot write a step log: {exc}", where=str(exc.filename or self.home)))
            return
        self._apply(event)  # the step's file is not open yet: its row learns the path

    def _apply(self, event: Event) -> None:
        """Apply one event inside the batch's transaction (begun on the first write)."""
        try:
            if not self._connection.in_transaction:
                self._connection.execute("BEGIN IMMEDIATE")
            apply(self._connection, self._logs, self._progress, event, self._process)
        except sqlite3.IntegrityError as exc:
            # Only this statement is undone; the batch goes on. An event about a run
            # this store never saw start is a caller's mistake, not a broken store.
            _log.warning("run store: dropped %s for run %s: %s", type(event).__name__, event.run_id, exc)
        except sqlite3.Error as exc:
            self._fail(store_error(exc, self._path))
            self._rollback()
        except OSError as exc:
            self._fail(StoreError(f"cannot write a step log: {exc}", where=str(exc.filename or self.home)))
        except Exception as exc:  # a malformed event must not kill the writer (flush() would hang)
            self._fail(StoreError(f"cannot record {type(event).__name__}: {exc!r}", where=str(self._path)))

    def _beat(self, item: _Beat) -> None:
        try:
            if not self._connection.in_transaction:
                self._connection.execute("BEGIN IMMEDIATE")
            beat(self._connection, item.run_ids, item.at)
        except sqlite3.Error as exc:
            self._fail(store_error(exc, self._path))
            self._rollback()

    def _commit(self) -> None:
        """Make the batch visible: log files first, so a finished step's log is complete when its row says so."""
        try:
            self._logs.flush()
        except OSError as exc:
            self._fail(StoreError(f"cannot write a step log: {exc}", where=str(exc.filename or self.home)))
        if self._connection.in_transaction:
            try:
                self._connection.execute("COMMIT")
            except sqlite3.Error as exc:
                self._fail(store_error(exc, self._path))
                self._rollback()

    def _rollback(self) -> None:
        try:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the first failure is what gets reported

    def _close_logs(self) -> None:
        try:
            self._logs.close_all()
        except OSError as exc:
            self._fail(StoreError(f"cannot write a step log: {exc}", where=str(exc.filename or self.home)))

    def _fail(self, error: StoreError) -> None:
        _log.error("run store: %s", error)
        if self._failure is None:
            self._failure = error
