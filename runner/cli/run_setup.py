"""Turning ``baton run``'s flags and the repository into what the engine needs."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from runner.cli.dotenv import parse_assignments, read_dotenv
from runner.errors import UsageError
from runner.expr import Value
from runner.watch.repo import RepoFacts
from runner.workflow.model import Workflow
from runner.workflow.text import Text
from runner.workflow.triggers import Occurrence


@dataclass(frozen=True, slots=True, kw_only=True)
class Values:
    """Secrets, variables, env and inputs given on the command line or in files."""

    secrets: dict[str, str]
    vars: dict[str, Value]
    env: dict[str, str]
    inputs: dict[str, str]


def read_values(args: object) -> Values:
    """Collect ``-s``, ``--secret-file``, ``--var``, ``--var-file``, ``--env``, ``--env-file``, ``--input``."""
    environ = dict(os.environ)
    secrets: dict[str, str] = {}
    for path in getattr(args, "secret_file", None) or []:
        secrets.update(read_dotenv(path))
    secrets.update(parse_assignments(getattr(args, "secret", None) or [], "secret", environ=environ))
    variables: dict[str, Value] = {}
    for path in getattr(args, "var_file", None) or []:
        variables.update(read_dotenv(path))
    variables.update(parse_assignments(getattr(args, "var", None) or [], "variable"))
    env: dict[str, str] = {}
    for path in getattr(args, "env_file", None) or []:
        env.update(read_dotenv(path))
    env.update(parse_assignments(getattr(args, "env", None) or [], "env"))
    inputs = parse_assignments(getattr(args, "input", None) or [], "input")
    return Values(secrets=secrets, vars=variables, env=env, inputs=inputs)


def read_event(path: str | None) -> dict[str, Value]:
    """The event payload of ``-e FILE`` (a JSON object), or an empty one."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the event payload: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the event payload must be a JSON object")
    return data


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
