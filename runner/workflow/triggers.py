"""``on:``: which events start a workflow, and whether a given occurrence does.

The branch, tag and path filters themselves live in :mod:`runner.workflow.filters`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.errors import Mark
from runner.workflow.filters import RefFilter
from runner.workflow.text import Text, Tree

INPUT_TYPES = ("string", "boolean", "number", "choice", "environment")
"""Types a ``workflow_dispatch`` / ``workflow_call`` input may declare."""

DEFAULT_TYPES: dict[str, tuple[str, ...]] = {
    "pull_request": ("opened", "synchronize", "reopened"),
    "pull_request_target": ("opened", "synchronize", "reopened"),
}
"""Activity types an event triggers on when ``types:`` is not given (others: all)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """One input of ``workflow_dispatch`` or ``workflow_call``."""

    name: str
    type: str = "string"
    description: str | None = None
    is_required: bool = False
    default: Tree = None
    options: tuple[str, ...] = ()
    """The choices of a ``choice`` input."""
    mark: Mark


@dataclass(frozen=True, slots=True, kw_only=True)
class Cron:
    """One ``on.schedule`` entry."""

    line: str
    """Five cron fields."""
    timezone: str | None = None
    """An IANA zone the fields are read in; None means UTC."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventTrigger:
    """One event under ``on:`` with its configuration."""

    event: str
    mark: Mark
    types: tuple[str, ...] | None = None
    filter: RefFilter | None = None
    """Branch/tag/path filters of ``push``, ``pull_request``, ``pull_request_target``, ``workflow_run``."""
    crons: tuple[Cron, ...] = ()
    """``schedule`` entries."""
    inputs: dict[str, Input] = field(default_factory=dict)
    outputs: dict[str, Text] = field(default_factory=dict)
    """``workflow_call`` outputs (name → value expression)."""
    secrets: dict[str, bool] = field(default_factory=dict)
    """``workflow_call`` secrets (name → is required)."""
    workflows: tuple[str, ...] = ()
    """``workflow_run``: names of the workflows whose runs trigger this one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Occurrence:
    """Something that happened in a repository, as far as triggers care."""

    event: str
    """The event name, e.g. ``push``."""
    ref: str | None = None
    """``refs/heads/x`` or ``refs/tags/x``; for pull requests, the base branch ref."""
    action: str | None = None
    """The activity type (``opened``, ``completed``, …), for events that have one."""
    changed_paths: tuple[str, ...] | None = None
    """Files changed, for path filters; None when unknown."""
    workflow: str | None = None
    """For ``workflow_run``: the name of the workflow that ran."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Triggers:
    """All events of ``on:``, by name, in file order."""

    events: dict[str, EventTrigger]

    def matches(self, occurrence: Occurrence) -> bool:
        """Whether ``occurrence`` starts the workflow."""
        trigger = self.events.get(occurrence.event)
        if trigger is None:
            return False
        types = trigger.types if trigger.types is not None else DEFAULT_TYPES.get(trigger.event)
        if types is not None and occurrence.action is not None and occurrence.action not in types:
            return False
        if trigger.event == "workflow_run" and trigger.workflows and occurrence.workflow not in trigger.workflows:
            return False
        if trigger.filter is None or occurrence.ref is None:
            return True
        return trigger.filter.matches(event=trigger.event, ref=occurrence.ref, changed_paths=occurrence.changed_paths)
