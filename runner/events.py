"""What happens during a run, as frozen events, and the bus that fans them out.

The engine publishes; the recorder (store), the CLI printer and the dashboard subscribe.
Every state change and every batch of log lines is an event, so a second process
reading the store, or a live view, sees exactly what the engine saw. Log lines are
already masked when they are published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from runner.expr import Value
from runner.status import Conclusion, RunId


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted:
    """A run of one workflow began."""

    run_id: RunId
    workflow: str
    """The workflow's display name."""
    workflow_path: str
    event: str
    ref: str
    sha: str
    repository: str
    """The repository folder (or remote) the run is about."""
    at: float
    """Unix time."""
    attempt: int = 1
    """The run's attempt (``github.run_attempt``): a re-run of the run makes the next."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobQueued:
    """A job (one matrix leg) is known and waits for its needs or for capacity."""

    run_id: RunId
    job_key: str
    job_id: str
    name: str
    needs: tuple[str, ...]
    matrix: dict[str, Value] = field(default_factory=dict)
    waiting_for: str = ""
    """Why a job whose needs are done still waits (``waiting for a slot on build-1 (2/2
    busy)``): published again each time that changes; empty while needs are pending."""
    attempt: int = 1
    """Which attempt of the job this is, from 1 (a retry or a re-run makes the next)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStarted:
    """A job got a session and begins its steps."""

    run_id: RunId
    job_key: str
    executor: str
    """Where it runs: ``docker (ubuntu:24.04)``, ``local``, ``ssh build-1``."""
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted:
    """A step began (its ``if:`` was true)."""

    run_id: RunId
    job_key: str
    index: int
    """Position in the job, from 0 (set-up and post steps use their own numbers)."""
    name: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LogLines:
    """Output lines of a step, masked, in order; batched to keep per-line cost low."""

    run_id: RunId
    job_key: str
    index: int
    lines: tuple[str, ...]
    is_runner: bool = False
    """Whether baton wrote these lines (its messages, ``##[…]`` directives from workflow
    commands) rather than the step printing them: a terminal shows them apart, and step
    text that looks like them stays plain text."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation:
    """An ``::error``, ``::warning`` or ``::notice`` workflow command."""

    run_id: RunId
    job_key: str
    index: int
    level: str
    message: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFinished:
    """A step ended, or was skipped (then it has no StepStarted)."""

    run_id: RunId
    job_key: str
    index: int
    name: str
    outcome: Conclusion
    """The result before ``continue-on-error``."""
    conclusion: Conclusion
    """The result after ``continue-on-error``."""
    outputs: dict[str, str]
    started: float | None
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFinished:
    """A job ended (or was skipped or cancelled before starting)."""

    run_id: RunId
    job_key: str
    conclusion: Conclusion
    outputs: dict[str, str]
    at: float
    summary: str = ""
    """The job's ``GITHUB_STEP_SUMMARY`` markdown."""
    reason: str = ""
    """Why it failed or was skipped, when that is not a step's doing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRetrying:
    """An attempt of a job failed because the infrastructure broke under it: the job runs
    again, as attempt ``attempt + 1``, after ``delay`` seconds (its steps and logs start
    afresh; the failed attempt's are kept)."""

    run_id: RunId
    job_key: str
    attempt: int
    """The attempt that failed."""
    attempts: int
    """How many attempts the job may have in all."""
    reason: str
    """What broke (the executor's message)."""
    delay: float
    """Seconds until the next attempt begins."""
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished:
    """The run ended."""

    run_id: RunId
    conclusion: Conclusion
    at: float


Event = (
    RunStarted | JobQueued | JobStarted | StepStarted | LogLines | Annotation | StepFinished | JobRetrying | JobFinished
    | RunFinished
)
"""Any run event."""

Subscriber = Callable[[Event], None]
"""Receives every event, synchronously, on the event loop: it must be quick (queue work)."""

_log = logging.getLogger("baton.events")


class EventBus:
    """Fans events out to subscribers in publication order.

    A subscriber that raises is a broken view (a printer whose pipe closed, a client
    gone), not a broken run: it is logged once, removed, and the others and the run go on.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it (safe to call twice)."""
        self._subscribers.append(subscriber)
        return lambda: self._remove(subscriber)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber; never raises for a subscriber's failure."""
        for subscriber in tuple(self._subscribers):
            try:
                subscriber(event)
            except Exception as exc:
                self._remove(subscriber)
                _log.error("baton: stopped sending run events to %s, which failed: %r", _name(subscriber), exc)

    def _remove(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)


def _name(subscriber: Subscriber) -> str:
    """A subscriber as a log line names it: its object's class, or the function."""
    owner = getattr(subscriber, "__self__", subscriber)
    return getattr(owner, "__qualname__", None) or type(owner).__qualname__
