"""One task per watched repository: open it, poll its refs on its interval (or when
poked), hand each change to the service, and back off while it is unwell.

A problem (a path that is gone, a remote that refuses) is one line naming the repository
and the cause, said once when it starts and once when it heals; the other repositories
never wait for this one.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from runner.errors import BatonError, internal_failure
from runner.watch.refs import RefChange, census, classify
from runner.watch.repository import RefHead, Repository
from runner.watch.service_api import RepoState
from runner.watch.settings import RepoSettings
from runner.watch.workflows import WorkflowCache

MAX_BACKOFF = 300.0
"""The longest wait between two attempts on an unwell repository."""

Say = Callable[[str], None]
"""Receives one line for the service's log."""


class RepoWatch:
    """The state of one watched repository, and its polling loop (:meth:`run`)."""

    def __init__(self, settings: RepoSettings, *, mirrors: Path, say: Say) -> None:
        self.settings = settings
        self.mirrors = mirrors
        """baton's folder of mirrors of remotes."""
        self.say = say
        self.repository: Repository | None = None
        self.workflows = WorkflowCache(settings.workflows)
        self.known: dict[str, str] | None = None
        """Every ref as last recorded (ref → object); None until read from the store."""
        self.refs: dict[str, RefHead] = {}
        """Every ref as last polled."""
        self.problem = ""
        self.failures = 0
        self.attempts = 0
        """Polls done (or failed) so far."""
        self.last_poll_at: float | None = None
        self.next_poll_at: float | None = None
        self._wake = asyncio.Event()

    @property
    def name(self) -> str:
        """The repository's name."""
        return self.settings.name

    @property
    def root(self) -> Path:
        """The git folder runs snapshot from: the path, or baton's mirror of the remote."""
        return self.settings.path if self.settings.path is not None else self.mirrors / f"{self.name}.git"

    def state(self) -> RepoState:
        """How it is doing, for ``baton watch --status``."""
        return RepoState(
            name=self.name,
            location=self.repository.location if self.repository else self.settings.location,
            is_healthy=not self.problem,
            problem=self.problem,
            last_poll_at=self.last_poll_at,
            next_poll_at=self.next_poll_at,
            refs=len(self.refs),
        )

    def poke(self) -> None:
        """Poll now."""
        self._wake.set()

    async def run(
        self,
        load_known: Callable[[str], Awaitable[dict[str, str] | None]],
        on_first_sight: Callable[[RepoWatch, dict[str, str]], Awaitable[None]],
        on_change: Callable[[RepoWatch, RefChange], Awaitable[None]],
        after_poll: Callable[[RepoWatch], Awaitable[float | None]],
    ) -> None:
        """Poll until cancelled. ``on_change`` records the ref's move (with the runs it
        starts) before the next change is looked at; ``after_poll`` (schedules) may ask
        for an earlier wake-up (a Unix time)."""
        while True:
            wake_at: float | None = None
            try:
                await self._poll(load_known, on_first_sight, on_change)
                wake_at = await after_poll(self)
                self._healthy()
            except BatonError as exc:
                self._unwell(str(exc))
            except Exception as exc:  # a bug in baton: this repository backs off, the others go on
                self._unwell(internal_failure(exc))
            self.attempts += 1
            delay = self._delay()
            if wake_at is not None:
                delay = max(0.0, min(delay, wake_at - time.time()))
            self.next_poll_at = time.time() + delay
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass
            self._wake.clear()

    def close(self) -> None:
        """Close the repository (its ``cat-file`` processes end)."""
        if self.repository is not None:
            self.repository.close()
            self.repository = None

    async def _poll(
        self,
        load_known: Callable[[str], Awaitable[dict[str, str] | None]],
        on_first_sight: Callable[[RepoWatch, dict[str, str]], Awaitable[None]],
        on_change: Callable[[RepoWatch, RefChange], Awaitable[None]],
    ) -> None:
        repository = self.repository
        if repository is None:
            repository = self.repository = await asyncio.to_thread(self._open)
        await asyncio.to_thread(repository.fetch)
        self.refs = await asyncio.to_thread(repository.refs)
        self.last_poll_at = time.time()
        current = {ref: head.sha for ref, head in self.refs.items()}
        if self.known is None:
            self.known = await load_known(self.name)
            if self.known is None:
                await on_first_sight(self, current)
                self.known = dict(current)
                self.say(f"watching {self.name}: {census(current)}")
                return
            self.say(f"watching {self.name} again: {census(current)}")
        changes = await asyncio.to_thread(classify, self.known, current, repository.is_ancestor)
        for change in changes:
            await on_change(self, change)
            if change.after is None:
                self.known.pop(change.ref, None)
            else:
                self.known[change.ref] = change.after

    def _open(self) -> Repository:
        if self.settings.path is not None:
            return Repository.open_path(self.settings.path)
        assert self.settings.url is not None
        return Repository.open_mirror(self.settings.url, self.root)

    def _healthy(self) -> None:
        if self.problem:
            self.say(f"{self.name}: healthy again")
        self.problem, self.failures = "", 0

    def _unwell(self, problem: str) -> None:
        if problem != self.problem:
            self.say(f"{self.name}: {problem} (retrying with backoff)")
        self.problem = problem
        self.failures += 1
        if self.repository is not None and self.failures > 1:
            self.close()  # opened again on the next attempt: the path may have been replaced

    def _delay(self) -> float:
        base = self.settings.interval
        if self.failures:
            base = min(MAX_BACKOFF, base * 2 ** min(self.failures, 16))
        return base * random.uniform(0.9, 1.1)

