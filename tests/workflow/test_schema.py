"""The reader against GitHub's own workflow schema (``tests/data/reference``).

The schema is walked from its root: every place a workflow can hold a value, with the
definition there and the contexts an expression there may read (a definition's
``context`` list, added to those of the places around it). For each place a small
workflow is written and validated:

- the place with a minimal valid value is accepted (every key the schema knows is);
- a mapping with a key the schema does not know is rejected;
- where the place has contexts, one ``${{ }}`` reading each of them is accepted in place
  of the whole value (mapping, sequence or scalar), and one reading a context it lacks
  is rejected;
- where the place has no contexts and takes only a mapping or sequence, one ``${{ }}``
  is rejected, as GitHub reads it as a string there;
- a boolean or number place rejects a plain string; a string place takes a number.

Where baton knowingly differs, the case is in ``DIFFERENCES`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import yaml

from runner.workflow import check
from runner.workflow.loader import load_text
from tests.shared import REFERENCE

SCHEMA: dict[str, dict[str, Any]] = {
    # the schema's built-in definitions
    "null": {"null": {}},
    "boolean": {"boolean": {}},
    "number": {"number": {}},
    "string": {"string": {}},
    "sequence": {"sequence": {"item-type": "any"}},
    "mapping": {"mapping": {"loose-key-type": "string", "loose-value-type": "any"}},
    "any": {"one-of": ["null", "boolean", "number", "string", "sequence", "mapping"]},
    **json.loads((REFERENCE / "workflow-v1.0.json").read_text())["definitions"],
}
ROOT = "workflow-root-strict"
CONTEXTS = ("github", "inputs", "vars", "needs", "strategy", "matrix", "secrets", "steps", "job", "jobs", "runner", "env")
"""Every context a workflow expression can name."""
SAMPLE_KEY = "k1"
"""The key written where a mapping takes any key (job ids, env names, inputs)."""
MINIMAL: dict[tuple[str, str], Any] = {
    # (definition holding the key, key) -> a value GitHub accepts where the schema only
    # says "a string" (its parser checks the rest), or where the schema leaves out a key
    # that GitHub requires later (steps, a container's image: "Container image cannot be empty")
    ("workflow-job", "uses"): "./.github/workflows/called.yml",
    ("job-factory", "steps"): [{"run": "true"}],
    ("job-factory", "needs"): "k0",
    ("workflow-job", "needs"): "k0",
    ("container-mapping", "image"): "alpine",
    ("service-container-mapping", "image"): "alpine",
    ("cron-mapping", "cron"): "0 0 * * *",
}
MINIMAL_AT: dict[str, Any] = {
    # place -> a valid value where the definition's own smallest one is not (its parser checks more)
    "jobs.k1.needs.[0]": "k0",
    "jobs.k1.uses": "./.github/workflows/called.yml",
    "jobs.k1.strategy.matrix": {"x": [1]},  # "Matrix must define at least one vector"
    "on.schedule.[0].cron": "0 0 * * *",
    "on.schedule.[0].timezone": "UTC",
}
MINIMAL_OF: dict[str, Any] = {
    # definition -> its smallest valid value, where "x" is not one
    "step-uses": "actions/checkout@v4",
    "job-if": "true",
    "step-if": "true",
    "snapshot-if": "true",
    "needs": "k0",
    "sequence-of-non-empty-string": ["x"],
}

PARSED = ("cron", "timezone", "needs", "needs.[0]", "id", "uses", "wait", "wait.[0]", "cancel")
"""Places (by their last part) whose strings GitHub parses further: a number is no valid value there."""

DIFFERENCES: dict[tuple[str, str], str] = {
    # (check, place, or "*" for every place) -> why baton differs from the schema there
    ("functions", "*"): "baton offers hashFiles and the status functions everywhere; the schema only to step values and to 'if'",
    ("functions", "jobs.k1.steps.[0].if"): "",  # a step's if is offered every function: no difference
    ("functions", "jobs.k1.steps.[0].parallel.[0].if"): "",
}


@dataclass(frozen=True, slots=True)
class Place:
    """One place in a workflow, reached from the root through mapping keys and sequence items."""

    path: tuple[tuple[str | int, str], ...]
    """(key or item index, the concrete definition of the node holding it), from the root."""
    definition: str
    contexts: frozenset[str]
    """Lower-cased context names an expression here may read."""
    functions: frozenset[str]
    """Lower-cased names of the functions only some places offer (``hashFiles``, ``success``, …)."""

    @property
    def name(self) -> str:
        """``jobs.k1.container.env`` and the like."""
        return ".".join(str(key) if isinstance(key, str) else "[0]" for key, _ in self.path) or "<root>"


def variants(name: str) -> list[str]:
    """The concrete definitions a (possibly one-of) definition stands for."""
    body = SCHEMA[name]
    if "one-of" not in body:
        return [name]
    return [v for alternative in body["one-of"] for v in variants(alternative)]


def _contexts(name: str) -> set[str]:
    return {c.lower() for c in SCHEMA[name].get("context", ())}


def walk(name: str, path: tuple[tuple[str | int, str], ...] = (), inherited: frozenset[str] = frozenset()) -> Iterator[Place]:
    """Every place under definition ``name`` (each definition once along a path)."""
    here = inherited | _contexts(name)
    names = frozenset(c for c in here if "(" not in c)
    yield Place(path, name, names, frozenset(c.partition("(")[0] for c in here if "(" in c))
    if name == "any":
        return
    seen = {definition for _, definition in path}
    for variant in variants(name):
        if variant in seen:
            continue
        body, inner = SCHEMA[variant], frozenset(here | _contexts(variant))
        mapping = body.get("mapping", {})
        for key, spec in mapping.get("properties", {}).items():
            child = spec if isinstance(spec, str) else spec["type"]
            yield from walk(child, (*path, (key, variant)), inner)
        if mapping.get("loose-value-type") not in (None, "any"):
            yield from walk(mapping["loose-value-type"], (*path, (SAMPLE_KEY, variant)), inner)
        if "sequence" in body:
            yield from walk(body["sequence"]["item-type"], (*path, (0, variant)), inner)


@cache
def minimal(name: str) -> Any:
    """The smallest value GitHub accepts for definition ``name``."""
    body = SCHEMA[name]
    if name in MINIMAL_OF:
        return MINIMAL_OF[name]
    if "one-of" in body:
        return minimal(body["one-of"][0])
    if "mapping" in body:
        if name == "jobs":  # k0 for the others to need
            return {"k0": minimal("job-factory") | {"needs": []}, SAMPLE_KEY: minimal("job-factory")}
        out: dict[str, Any] = {}
        for key, spec in body["mapping"].get("properties", {}).items():
            if (name, key) in MINIMAL:
                out[key] = MINIMAL[(name, key)]
            elif isinstance(spec, dict) and spec.get("required"):
                out[key] = minimal(spec["type"])
        return out
    if "sequence" in body:
        return [minimal(body["sequence"]["item-type"])]
    if "allowed-values" in body:
        return body["allowed-values"][0]
    if "boolean" in body:
        return True
    if "number" in body:
        return 1
    if "null" in body:
        return None
    return body.get("string", {}).get("constant", "x")


def build(place: Place, value: Any) -> str:
    """A workflow holding ``value`` at ``place`` (minimal everywhere else), as YAML."""

    def inside(steps: tuple[tuple[str | int, str], ...]) -> Any:
        (key, holder), rest = steps[0], steps[1:]
        inner = inside(rest) if rest else value
        if isinstance(key, int):
            return [inner]
        node = dict(minimal(holder))
        node[key] = inner
        return node

    document = inside(place.path) if place.path else value
    return yaml.safe_dump(document, sort_keys=False)


def errors(text: str) -> list[str]:
    """The errors baton reports for a workflow text."""
    _, found = check(load_text(text, "w.yml"), "w.yml")
    return [str(d) for d in found if d.severity == "error"]


BY_NAME: dict[str, Place] = {}
for _place in walk(ROOT):
    if _place.path:
        BY_NAME.setdefault(_place.name, _place)  # the first way to each place is enough
CONTEXT_PLACES = [p for p in BY_NAME.values() if p.contexts]


def _kinds(name: str) -> set[str]:
    """What a definition takes: mapping, sequence, string (any), constant (fixed strings),
    boolean, number, null."""
    kinds = set()
    for v in variants(name):
        body = SCHEMA[v]
        kinds |= {kind for kind in ("mapping", "sequence", "boolean", "number", "null") if kind in body}
        if "allowed-values" in body or "constant" in body.get("string", {}):
            kinds.add("constant")
        elif "string" in body:
            kinds.add("string")
    return kinds


def _case(check_name: str, place: Place) -> Any:
    reason = DIFFERENCES.get((check_name, place.name), DIFFERENCES.get((check_name, "*")))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(place, id=place.name, marks=marks)


def test_the_walk_reaches_the_places_that_matter() -> None:
    names = set(BY_NAME)
    for expected in ("jobs.k1.container.env", "jobs.k1.services.k1", "jobs.k1.steps.[0].with", "jobs.k1.strategy.matrix", "env"):
        assert expected in names


@pytest.mark.parametrize("place", [_case("minimal", p) for p in BY_NAME.values()])
def test_a_minimal_value_is_accepted(place: Place) -> None:
    text = build(place, MINIMAL_AT.get(place.name, minimal(place.definition)))
    assert errors(text) == [], text


@pytest.mark.parametrize(
    "place", [_case("unknown-key", p) for p in BY_NAME.values() if "properties" in SCHEMA[variants(p.definition)[-1]].get("mapping", {})]
)
def test_an_unknown_key_is_rejected(place: Place) -> None:
    mapping = next(v for v in variants(place.definition) if "properties" in SCHEMA[v].get("mapping", {}))
    value = {**minimal(mapping), "not-a-key": "x"}
    text = build(place, value)
    found = errors(text)
    warned = "not-a-key" in str(check(load_text(text, "w.yml"), "w.yml")[1])
    assert found or (warned and place.name.startswith("on.")), text


@pytest.mark.parametrize("place", [_case("contexts", p) for p in CONTEXT_PLACES])
def test_one_expression_takes_the_whole_value_with_exactly_the_schemas_contexts(place: Place) -> None:
    wrong: list[str] = []
    for context in CONTEXTS:
        text = build(place, f"${{{{ toJSON({context}) }}}}")
        is_accepted = not errors(text)
        if is_accepted != (context in place.contexts):
            wrong.append(f"{context}: {'accepted' if is_accepted else 'rejected'}")
    assert not wrong, f"allowed: {sorted(place.contexts)}; baton: {wrong}"


@pytest.mark.parametrize("place", [_case("functions", p) for p in CONTEXT_PLACES])
def test_functions_only_where_the_schema_offers_them(place: Place) -> None:
    wrong: list[str] = []
    for function in ("hashFiles('x')", "success()", "always()", "failure()", "cancelled()"):
        is_accepted = not errors(build(place, f"${{{{ {function} }}}}"))
        if is_accepted != (function.partition("(")[0].lower() in place.functions):
            wrong.append(f"{function}: {'accepted' if is_accepted else 'rejected'}")
    assert not wrong, f"allowed: {sorted(place.functions)}; baton: {wrong}"


@pytest.mark.parametrize(
    "place",
    [_case("no-expression", p) for p in BY_NAME.values() if not p.contexts and _kinds(p.definition) <= {"mapping", "sequence", "null"}],
)
def test_no_expression_where_the_schema_gives_no_contexts(place: Place) -> None:
    assert errors(build(place, "${{ github.event_name }}"))


@pytest.mark.parametrize(
    "place",
    [
        _case("scalar-type", p)
        for p in BY_NAME.values()
        if _kinds(p.definition) & {"boolean", "number", "string"} and not p.name.endswith(PARSED)
    ],
)
def test_scalar_types(place: Place) -> None:
    kinds = _kinds(place.definition)
    if "string" in kinds:
        number = errors(build(place, 3))
        assert not number, "a number is read as a string where a string is expected"
    else:
        assert errors(build(place, "not-a-value")), f"{sorted(kinds)} must reject a plain string"
