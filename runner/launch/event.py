"""The event a run is for, completed as GitHub would send it, and the inputs it carries.

Shared by ``baton run`` (an event simulated from flags) and the watch service (an event
seen on a repository): both give a name, a payload and the facts of the commit.
"""

from __future__ import annotations

from runner.errors import UsageError
from runner.expr import Value
from runner.source.repo import RepoFacts
from runner.workflow.model import Workflow
from runner.workflow.text import Text
from runner.workflow.triggers import Occurrence


def complete_event(event_name: str, payload: dict[str, Value], facts: RepoFacts) -> dict[str, Value]:
    """A payload with what GitHub always sends for this event, keeping what was given."""
    owner, _, name = facts.repository.partition("/")
    repository: dict[str, Value] = {
        "name": name,
        "full_name": facts.repository,
        "owner": {"login": owner, "name": owner},
        "default_branch": facts.default_branch,
    }
    base: dict[str, Value] = {"repository": repository, "sender": {"login": facts.actor}}
    if event_name == "push":
        base.update({"ref": facts.ref, "after": facts.sha, "before": "0" * 40, "head_commit": {"id": facts.sha}})
    merged = {**base, **payload}
    return merged


def occurrence_of(event_name: str, payload: dict[str, Value], facts: RepoFacts) -> Occurrence:
    """The occurrence the trigger filters see (for pull requests, the base branch)."""
    ref = facts.ref
    pull = payload.get("pull_request")
    if event_name.startswith("pull_request") and isinstance(pull, dict):
        base = pull.get("base")
        if isinstance(base, dict) and isinstance(base.get("ref"), str):
            ref = f"refs/heads/{base['ref']}"
    elif isinstance(payload.get("ref"), str):
        ref = str(payload["ref"])
    action = payload.get("action")
    return Occurrence(event=event_name, ref=ref, action=action if isinstance(action, str) else None)


def pull_request_refs(payload: dict[str, Value]) -> tuple[str, str]:
    """``github.head_ref`` and ``github.base_ref`` of a pull-request payload."""
    pull = payload.get("pull_request")
    if not isinstance(pull, dict):
        return "", ""
    refs = []
    for side in ("head", "base"):
        part = pull.get(side)
        refs.append(str(part.get("ref", "")) if isinstance(part, dict) else "")
    return refs[0], refs[1]


def workflow_inputs(workflow: Workflow, event_name: str, given: dict[str, str], payload: dict[str, Value]) -> dict[str, Value]:
    """The ``inputs`` context: declared defaults, then the payload's inputs, then ``--input``.

    Boolean and number inputs become booleans and numbers, as GitHub types them.
    """
    trigger = workflow.on.events.get(event_name)
    declared = trigger.inputs if trigger is not None else {}
    from_payload = payload.get("inputs")
    values: dict[str, Value] = {}
    for name, spec in declared.items():
        if isinstance(spec.default, Text):
            scope: dict[str, Value] = {"github": {"event_name": event_name, "event": payload}, "inputs": {}, "vars": {}}
            values[name] = spec.default.evaluate(scope)
        elif isinstance(spec.default, (str, bool, int, float)):
            values[name] = spec.default
    if isinstance(from_payload, dict):
        values.update(from_payload)
    values.update(given)
    for name, spec in declared.items():
        value = values.get(name)
        if spec.type == "boolean" and isinstance(value, str):
            values[name] = value.strip().lower() == "true"
        elif spec.type == "number" and isinstance(value, str):
            try:
                values[name] = float(value) if "." in value else int(value)
            except ValueError:
                raise UsageError(f"input '{name}' must be a number, not '{value}'") from None
    return values


def missing_inputs(workflow: Workflow, event_name: str, inputs: dict[str, Value]) -> list[str]:
    """Required inputs that were given no value (GitHub's form would refuse; a local run warns)."""
    trigger = workflow.on.events.get(event_name)
    declared = trigger.inputs if trigger is not None else {}
    return [name for name, spec in declared.items() if spec.is_required and inputs.get(name) in (None, "")]
