"""Workflow ``concurrency`` groups as GitHub keeps them: at most one run running and one
pending per group; a newer pending run replaces the older; with ``cancel-in-progress``
the running one is cancelled (and the newcomer starts when it has ended). Job-level
groups are the engine's (:mod:`runner.engine.job_groups`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from runner.engine.contexts import github_context
from runner.engine.job_groups import Group, resolve_group
from runner.expr import Value
from runner.launch import PlannedRun
from runner.status import RunId

Waiting = TypeVar("Waiting")


def group_of(run: PlannedRun, variables: Mapping[str, Value]) -> Group | None:
    """The workflow-level group of ``run`` (its expression evaluated), or None.

    Raises :class:`~runner.errors.BatonError` when the expression fails."""
    contexts: dict[str, Value] = {
        "github": github_context(run.info, job="", workspace=""),
        "inputs": run.inputs,
        "vars": dict(variables),
    }
    return resolve_group(run.workflow.concurrency, contexts)


@dataclass(slots=True)
class _Group(Generic[Waiting]):
    running: RunId | None = None
    pending: tuple[RunId, Waiting] | None = None


@dataclass(slots=True)
class Groups(Generic[Waiting]):
    """The groups of the runs of one service; the caller starts and cancels runs as told."""

    _groups: dict[str, _Group[Waiting]] = field(default_factory=dict)

    def arrive(self, group: str, run_id: RunId, waiting: Waiting) -> tuple[bool, RunId | None, RunId | None]:
        """A run of ``group`` is ready: ``(start it now, the pending run it replaced, the
        running run)``. When it does not start now it is the group's pending run."""
        state = self._groups.setdefault(group, _Group())
        if state.running is None:
            state.running = run_id
            return True, None, None
        replaced = state.pending[0] if state.pending is not None else None
        state.pending = (run_id, waiting)
        return False, replaced, state.running

    def leave(self, group: str, run_id: RunId) -> tuple[RunId, Waiting] | None:
        """``run_id`` of ``group`` ended: the pending run, now the running one, to start."""
        state = self._groups.get(group)
        if state is None or state.running != run_id:
            return None
        state.running = None
        if state.pending is None:
            del self._groups[group]
            return None
        state.running, waiting = state.pending
        state.pending = None
        return state.running, waiting

    def withdraw(self, run_id: RunId) -> bool:
        """Take ``run_id`` out of its group if it is pending there; whether it was."""
        for state in self._groups.values():
            if state.pending is not None and state.pending[0] == run_id:
                state.pending = None
                return True
        return False

    def pending(self) -> list[RunId]:
        """Every pending run."""
        return [state.pending[0] for state in self._groups.values() if state.pending is not None]
