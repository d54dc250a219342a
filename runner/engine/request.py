"""What a run is asked to do, and what each job ends with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runner.api import Executor, NativeAction, Pull
from runner.engine.capacity import Capacity
from runner.engine.job_groups import JobGroups
from runner.engine.contexts import RunInfo
from runner.engine.fetcher import ActionFetcher
from runner.engine.placement import Placement
from runner.engine.retry import RetryPolicy
from runner.expr import Value
from runner.plan import Plan
from runner.status import Conclusion, RunId


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequest:
    """Everything the engine needs for one run; nothing in it changes during the run.

    ``executors`` and ``capacity`` are the process's, shared with its other runs.
    """

    run_id: RunId
    plan: Plan
    info: RunInfo
    inputs: dict[str, Value] = field(default_factory=dict)
    vars: dict[str, Value] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    """Extra variables for every step (``--env-file``), under the workflow's own ``env``."""
    source: Path | None = None
    """The repository snapshot on this machine: what ``actions/checkout`` copies."""
    placement: Placement = Placement()
    executors: dict[str, Executor] = field(default_factory=dict)
    """Executors by name, ready to open sessions."""
    actions: dict[str, NativeAction] = field(default_factory=dict)
    """Native actions by ``owner/repo[/path]`` (lower case)."""
    home: Path | None = None
    """The baton home, where native actions keep artifacts and caches (None: nowhere)."""
    action_settings: dict[str, Value] = field(default_factory=dict)
    """The ``[actions]`` table of baton.toml, as native actions read it."""
    capacity: Capacity
    """The process's pool of job slots, shared by every run it holds (not the run's own)."""
    job_groups: JobGroups | None = None
    """The process's job-level ``concurrency`` groups, shared by every run it holds
    (None: job ``concurrency`` is not applied)."""
    only_jobs: frozenset[str] | None = None
    """Run only these job ids (``-j``); None runs all."""
    matrix_filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Run only matrix legs whose values match (``--matrix key:value``)."""
    pull: Pull = "missing"
    fetcher: ActionFetcher | None = None
    """Where remote actions and workflows come from; None: this run cannot use any."""
    node: Path | None = None
    """baton's own ``node`` binary for JavaScript actions, where a job's environment has none."""
    retry: RetryPolicy = RetryPolicy()
    """How jobs are retried when the infrastructure breaks under them."""
    first_attempts: dict[str, int] = field(default_factory=dict)
    """The attempt number each job key starts at (a re-run's next); 1 when not here."""
    kept: dict[str, KeptJob] = field(default_factory=dict)
    """Jobs (by id) not run again but taken as they ended in an earlier run: a re-run of
    failed jobs keeps the others, their outputs feeding ``needs`` as before."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeptLeg:
    """One recorded leg of a kept job, as it ended."""

    key: str
    name: str
    matrix: dict[str, Value] = field(default_factory=dict)
    conclusion: Conclusion
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeptJob:
    """A job of an earlier run that a re-run keeps: its legs are recorded again, as they ended."""

    from_run: RunId
    legs: tuple[KeptLeg, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobResult:
    """How a job (all its legs) ended, as ``needs.<id>`` shows it."""

    conclusion: Conclusion
    outputs: dict[str, str] = field(default_factory=dict)

    def as_context(self) -> dict[str, Value]:
        """``{result, outputs}`` for the ``needs`` context."""
        return {"result": self.conclusion.value, "outputs": dict(self.outputs)}
