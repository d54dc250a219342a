"""A workflow that can be started by ``workflow_dispatch``, as a form shows it: its
repository, its file, and its typed inputs with their defaults.

The watch service makes these from the workflows of a repository's default branch; the
dashboard builds its dispatch form from them (both import this, neither the other).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.workflow.model import Workflow

EVENT = "workflow_dispatch"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormInput:
    """One input of the form."""

    name: str
    type: str = "string"
    """``string``, ``boolean``, ``number``, ``choice`` or ``environment``."""
    description: str = ""
    default: str = ""
    """The default as text (``true``/``false`` for a boolean); empty when none, or when
    it is an expression (the run works it out)."""
    is_required: bool = False
    options: tuple[str, ...] = ()
    """The choices of a ``choice`` input."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchForm:
    """One dispatchable workflow of one watched repository."""

    repo: str
    workflow: str
    """Its path in the repository (what ``baton dispatch REPO WORKFLOW`` takes)."""
    name: str
    """Its display name."""
    inputs: tuple[FormInput, ...] = ()


def dispatch_form(repo: str, workflow: Workflow) -> DispatchForm | None:
    """The form of ``workflow``, or None when it has no ``on: workflow_dispatch``."""
    trigger = workflow.on.events.get(EVENT)
    if trigger is None:
        return None
    inputs = tuple(
        FormInput(
            name=spec.name,
            type=spec.type,
            description=spec.description or "",
            default=_text(spec.default),
            is_required=spec.is_required,
            options=tuple(spec.options),
        )
        for spec in trigger.inputs.values()
    )
    return DispatchForm(repo=repo, workflow=workflow.path, name=workflow.display_name, inputs=inputs)


def _text(default: object) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    from runner.workflow.text import Text  # imported when a form is built: the dashboard needs no workflow code before

    if isinstance(default, Text):
        return default.source if default.is_literal else ""
    return "" if default is None else str(default)
