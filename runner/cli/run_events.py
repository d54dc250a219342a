"""Waiting until a run has news: woken by the watch service's event stream when the
service runs the run, by a short poll of the store otherwise.

``baton logs --follow`` reads what it prints from the store and the log files either
way (so nothing is shown twice or lost between the two); the stream only says when to
look again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

from runner.errors import BatonError
from runner.store.records import RunRecord
from runner.watch.client import ServiceClient

POLL_SECONDS = 0.2
"""How often to look when no service streams the run's events."""

STREAMED_POLL_SECONDS = 2.0
"""How often to look anyway while the stream is quiet. After news, the next look is
:data:`POLL_SECONDS` later at most: the store records an event a moment after it is
streamed."""


class RunNews:
    """Use as a context manager; :meth:`wait` returns when there may be something new."""

    def __init__(self, home: Path, run: RunRecord) -> None:
        self._home = home
        self._run = run
        self._news = threading.Event()
        self._client: ServiceClient | None = None
        self._had_news = False

    def __enter__(self) -> RunNews:
        try:
            client = ServiceClient.connect(self._home)
        except BatonError:
            client = None
        if client is not None and client.pid == self._run.pid:
            self._client = client
            threading.Thread(target=self._listen, name="baton-run-events", daemon=True).start()
        elif client is not None:
            client.close()
        return self

    def _listen(self) -> None:
        assert self._client is not None
        try:
            for _ in self._client.events(self._run.id):
                self._news.set()
        except (BatonError, OSError, ValueError):
            pass  # the service went away, or we hung up: back to polling
        self._client = None
        self._news.set()

    def wait(self) -> None:
        """Return at the next event of the run (or after a short while)."""
        if self._client is None:
            time.sleep(POLL_SECONDS)
            return
        self._had_news = self._news.wait(POLL_SECONDS if self._had_news else STREAMED_POLL_SECONDS)
        self._news.clear()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()
