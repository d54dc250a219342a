"""Workflow ``concurrency`` groups as GitHub keeps them: at most one run running and one
pending per group; a newer pending run replaces the older; with ``cancel-in-progress``
the running one is cancelled (and the newcomer starts when it has ended)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from runner.engine.contexts import github_context
from runner.errors import BatonError
from runner.expr import Value, to_display_string
from runner.launch import PlannedRun
from runner.status import RunId
from runner.workflow.model import Concurrency
from runner.workflow.resolve import resolve_flag
from runner.workflow.text import Text

Waiting = TypeVar("Waiting")


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupOf:
    """The group a run belongs to."""

    name: str
    is_cancelling: bool
    """``cancel-in-progress``: the newcomer cancels the running run."""


def group_of(run: PlannedRun, variables: Mapping[str, Value]) -> GroupOf | None:
    """The workflow-level group of ``run`` (its expression evaluated), or None.

    Raises :class:`~runner.errors.BatonError` when the expression fails."""
    setting = run.workflow.concurrency
    if setting is None:
        return None
    contexts: dict[str, Value] = {
        "github": github_context(run.info, job="", workspace=""),
        "inputs": run.inputs,
        "vars": dict(variables),
    }
    if isinstance(setting, Text):
        return GroupOf(name=_name(setting, contexts), is_cancelling=False)
    assert isinstance(setting, Concurrency)
    cancelling = resolve_flag(setting.cancel_in_progress, contexts, "concurrency.cancel-in-progress")
    return GroupOf(name=_name(setting.group, contexts), is_cancelling=cancelling)


def _name(text: Text, contexts: Mapping[str, Value]) -> str:
    name = to_display_string(text.evaluate(contexts))
    if not name:
        raise BatonError("the concurrency group is empty", where=str(text.mark) if text.mark else None)
    return name


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
