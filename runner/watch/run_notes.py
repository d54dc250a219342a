"""Warnings the service has for a run's own log (a secret the workflow reads that nobody
configured), written at the top of each of its jobs, as GitHub's runner warns there."""

from __future__ import annotations

import asyncio

from runner.events import Event, EventBus, LogLines, RunFinished, StepStarted
from runner.status import RunId


class RunNotes:
    """A bus subscriber that adds lines to the first step's log of each job of some runs."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._notes: dict[RunId, tuple[str, ...]] = {}
        self._told: set[tuple[RunId, str]] = set()
        self._detach = bus.subscribe(self._see)

    def add(self, run_id: RunId, lines: tuple[str, ...]) -> None:
        """Show ``lines`` (runner lines: ``##[warning]…``) in each job of ``run_id``."""
        if lines:
            self._notes[run_id] = lines

    def close(self) -> None:
        """Stop listening."""
        self._detach()

    def _see(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self._notes.pop(event.run_id, None)
            self._told = {told for told in self._told if told[0] != event.run_id}
            return
        if not isinstance(event, StepStarted) or event.run_id not in self._notes:
            return
        if (event.run_id, event.job_key) in self._told:
            return
        self._told.add((event.run_id, event.job_key))
        lines = LogLines(run_id=event.run_id, job_key=event.job_key, index=event.index, lines=self._notes[event.run_id], is_runner=True)
        # After every subscriber has seen the step start: a log line never comes before its step.
        asyncio.get_running_loop().call_soon(self._bus.publish, lines)
