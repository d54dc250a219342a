"""What the planner produces and the scheduler consumes: frozen, nothing left to parse."""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.expr import Value
from runner.workflow.model import Job, Workflow


@dataclass(frozen=True, slots=True, kw_only=True)
class Leg:
    """One runnable instance of a job: the job itself, or one combination of its matrix."""

    job: Job
    name: str
    """The display name: ``build``, ``build (3.12, ubuntu-latest)``, or the evaluated ``name:``."""
    matrix: dict[str, Value] = field(default_factory=dict)
    index: int = 0
    """``strategy.job-index``."""
    total: int = 1
    """``strategy.job-total``."""
    caller: str = ""
    """For a job of a called (reusable) workflow: the key of the calling job."""
    fail_fast: bool = True
    """``strategy.fail-fast`` as the run evaluated it."""
    max_parallel: int | None = None
    """``strategy.max-parallel`` as the run evaluated it (None: no limit)."""

    @property
    def key(self) -> str:
        """Identity inside a run: the job id, plus the leg number for matrix jobs, under
        the calling job's key for jobs of a reusable workflow (``call/build.2``)."""
        own = self.job.id if not self.matrix and self.total == 1 else f"{self.job.id}.{self.index + 1}"
        return f"{self.caller}/{own}" if self.caller else own


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedJob:
    """A job of the workflow with its legs, or with its matrix still to expand."""

    job: Job
    legs: tuple[Leg, ...] | None
    """None when the matrix reads ``needs``: it expands once those jobs finish."""

    @property
    def matrix_size(self) -> int | None:
        """How many legs run, when known before the run starts."""
        return None if self.legs is None else len(self.legs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A workflow made ready to run for one event."""

    workflow: Workflow
    jobs: dict[str, PlannedJob]
    """Jobs by id, in a deterministic topological order (file order among equals)."""
