"""What an evaluation can see besides its contexts: run status, files, extension functions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from runner.expr.values import Value

HashFiles = Callable[[Sequence[str]], str]
"""Hashes the files matching glob patterns (``hashFiles``' arguments) to a hex digest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """The inputs of the status functions ``success()``, ``failure()``, ``cancelled()``."""

    job: str = "success"
    """'success', 'failure' or 'cancelled': the job's status so far (for a job-level ``if``, its needs')."""
    is_cancelled: bool = False
    """Whether the run was cancelled."""
    composite: str | None = None
    """Inside a composite action: the status of the composite's own steps so far."""

    def success(self) -> bool:
        """Whether ``success()`` holds."""
        return not self.cancelled() and (self.composite or self.job) == "success"

    def failure(self) -> bool:
        """Whether ``failure()`` holds."""
        return not self.cancelled() and (self.composite or self.job) == "failure"

    def cancelled(self) -> bool:
        """Whether ``cancelled()`` holds."""
        return self.is_cancelled or self.job == "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What a function call sees of the evaluation it runs in."""

    contexts: Mapping[str, Value]
    """The named contexts, as passed to ``evaluate``."""
    status: Status
    """The status functions' inputs."""
    hash_files: HashFiles | None = None
    """Overrides how ``hashFiles`` finds and hashes files (default: under ``github.workspace``)."""


class Function(Protocol):
    """An extension function callable from expressions; names ignore case."""

    @property
    def name(self) -> str:
        """The name expressions call it by."""

    @property
    def min_args(self) -> int:
        """The fewest arguments a call may pass (checked when parsing)."""

    @property
    def max_args(self) -> int:
        """The most arguments a call may pass (checked when parsing)."""

    def __call__(self, args: list[Value], scope: Scope) -> Value:
        """Compute the result from evaluated arguments; raise ``ExpressionError`` to fail."""
