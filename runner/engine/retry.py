"""Retries of what the infrastructure broke: how many, and how long to wait between them.

A job whose session failed because the infrastructure broke (an
:class:`~runner.errors.ExecutorError` with ``is_infrastructure``: a lost connection, an
engine that failed, a host that cannot be reached) runs again as a new attempt, after
``delay`` seconds, doubling each time up to ``max_delay``. A step's own failure (its exit
code) and an error of what the job asked for are never retried.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RETRIES = 1
"""``[run] retry`` when not set."""

DEFAULT_DELAY = 1.0
"""``[run] retry_delay`` when not set: seconds before the first retry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often a job is retried after the infrastructure broke under it."""

    retries: int = DEFAULT_RETRIES
    """Retries after the first attempt (0: none); a job has ``retries + 1`` attempts at most."""
    delay: float = DEFAULT_DELAY
    """Seconds before the first retry; each later one waits twice as long as the one before."""
    max_delay: float = 60.0
    """The longest wait between two attempts."""

    @classmethod
    def configured(cls, retries: int | None, delay: float | None) -> RetryPolicy:
        """The policy of ``[run] retry`` and ``retry_delay`` (None: not set, the default)."""
        return cls(retries=DEFAULT_RETRIES if retries is None else retries, delay=DEFAULT_DELAY if delay is None else delay)

    @property
    def attempts(self) -> int:
        """Attempts a job may have in all."""
        return self.retries + 1

    def wait_before(self, retry: int) -> float:
        """Seconds to wait before the ``retry``-th retry (from 1): 1, 2, 4 … × ``delay``, capped."""
        return min(self.delay * float(2 ** max(retry - 1, 0)), self.max_delay)
