"""``workflow_dispatch`` asked of the service: which workflow, and its inputs checked
against ``on.workflow_dispatch.inputs`` as GitHub's form checks them."""

from __future__ import annotations

from collections.abc import Mapping

from runner.errors import UsageError
from runner.expr import Value
from runner.watch.workflows import CommitWorkflows
from runner.workflow.model import Workflow

EVENT = "workflow_dispatch"


def find_workflow(found: CommitWorkflows, name: str, repo: str) -> Workflow:
    """The workflow named by its file name (``ci.yml``), its path, or its display name."""
    wanted = name.removeprefix("./")
    for matches in (
        [w for w in found.workflows if w.path == wanted],
        [w for w in found.workflows if w.path.rpartition("/")[2] in (wanted, f"{wanted}.yml", f"{wanted}.yaml")],
        [w for w in found.workflows if w.display_name == name],
    ):
        if len(matches) == 1:
            return matches[0]
    broken = next((b for b in found.broken if b.path == wanted or b.path.rpartition("/")[2] == wanted), None)
    if broken is not None:
        raise UsageError(f"{broken.path} of {repo} does not load: {broken.diagnostics[0]}")
    known = ", ".join(w.path.rpartition("/")[2] for w in found.workflows) or "none"
    raise UsageError(f"{repo} has no workflow {name!r} (its workflows: {known})")


def dispatch_payload(workflow: Workflow, given: Mapping[str, str], *, ref: str) -> tuple[dict[str, Value], dict[str, str]]:
    """The event payload and the inputs, checked: each is declared, a required one is
    given (or has a default), a choice is one of its options, a boolean is ``true`` or
    ``false``, a number is a number. Raises :class:`UsageError` naming the input."""
    trigger = workflow.on.events.get(EVENT)
    if trigger is None:
        raise UsageError(f"{workflow.path} cannot be dispatched: it has no 'on: workflow_dispatch'")
    declared = trigger.inputs
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise UsageError(f"{workflow.path} has no input '{unknown[0]}' (its inputs: {known})")
    for name, spec in declared.items():
        value = given.get(name)
        if value is None:
            if spec.is_required and spec.default is None:
                raise UsageError(f"input '{name}' of {workflow.path} is required (--input {name}=VALUE)")
            continue
        if spec.type == "boolean" and value.strip().lower() not in ("true", "false"):
            raise UsageError(f"input '{name}' of {workflow.path} must be true or false, not {value!r}")
        if spec.type == "number" and not _is_number(value):
            raise UsageError(f"input '{name}' of {workflow.path} must be a number, not {value!r}")
        if spec.type == "choice" and spec.options and value not in spec.options:
            raise UsageError(f"input '{name}' of {workflow.path} must be one of {', '.join(spec.options)}, not {value!r}")
    # The planner completes ``inputs`` with the defaults, as strings, as GitHub sends them.
    payload: dict[str, Value] = {"inputs": dict(given), "ref": ref, "workflow": workflow.path}
    return payload, dict(given)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True

