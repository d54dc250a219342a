"""``concurrency`` as GitHub keeps it: per group, at most one holder running and one
waiting; a newer waiter replaces the older (which is cancelled before it starts); with
``cancel-in-progress`` the holder is cancelled. The engine holds job-level groups for
every run of a process (:class:`JobGroups`); the watch service keeps workflow-level ones
by the same rule, with the group named by :func:`resolve_group`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from runner.errors import BatonError
from runner.expr import Value, to_display_string
from runner.workflow.model import Concurrency
from runner.workflow.resolve import resolve_flag
from runner.workflow.text import Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A concurrency group, its expression evaluated."""

    name: str
    is_cancelling: bool
    """``cancel-in-progress``: a newcomer cancels the holder."""


def resolve_group(setting: Concurrency | Text | None, contexts: Mapping[str, Value]) -> Group | None:
    """The group a ``concurrency`` setting names in ``contexts`` (None when not set).

    Raises :class:`~runner.errors.BatonError` when an expression fails or gives nothing."""
    if setting is None:
        return None
    text = setting if isinstance(setting, Text) else setting.group
    name = to_display_string(text.evaluate(contexts))
    if not name:
        raise BatonError("the concurrency group is empty", where=str(text.mark) if text.mark else None)
    if isinstance(setting, Text):
        return Group(name=name, is_cancelling=False)
    return Group(name=name, is_cancelling=resolve_flag(setting.cancel_in_progress, contexts, "concurrency.cancel-in-progress"))


class Replaced(Exception):
    """A waiter was replaced by a newer one of its group."""


@dataclass(slots=True)
class _State:
    holder: asyncio.Task[object] | None = None
    waiter: tuple[asyncio.Task[object], asyncio.Future[None]] | None = None


class JobGroups:
    """The job-level groups of one process, shared by all its runs."""

    def __init__(self) -> None:
        self._groups: dict[str, _State] = {}

    @asynccontextmanager
    async def hold(self, group: Group) -> AsyncIterator[None]:
        """Hold ``group`` for the block, waiting for the holder to leave; raises
        :class:`Replaced` when a newer waiter comes first."""
        task = asyncio.current_task()
        assert task is not None
        state = self._groups.setdefault(group.name, _State())
        if state.holder is None:
            state.holder = task
        else:
            if state.waiter is not None and not state.waiter[1].done():
                state.waiter[1].set_exception(Replaced(f"replaced by a newer job of concurrency group '{group.name}'"))
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            state.waiter = (task, turn)
            if group.is_cancelling:
                state.holder.cancel()
            try:
                await turn  # the leaving holder hands the group over before waking this task
            except BaseException:
                if state.waiter is not None and state.waiter[0] is task:
                    state.waiter = None
                if state.holder is task:  # handed over, then cancelled before it could start
                    self._leave(group.name, state)
                raise
        try:
            yield
        finally:
            self._leave(group.name, state)

    def _leave(self, name: str, state: _State) -> None:
        """The holder leaves: the waiter (if any) holds the group now."""
        state.holder = None
        if state.waiter is not None:
            task, turn = state.waiter
            state.waiter = None
            state.holder = task
            turn.set_result(None)
        elif self._groups.get(name) is state:
            del self._groups[name]
