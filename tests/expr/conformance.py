"""Load the expression conformance cases and run one through ``runner.expr``.

The cases live in ``conformance/expressions/cases.jsonl`` of the shared data (see
``tests/shared.py``; ``BATON_SHARED`` points elsewhere). A case's id is its ``source``
plus its occurrence number among cases of that source, e.g. ``…case.json#case [3]``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import ExpressionError
from runner.expr import Status, evaluate, evaluate_condition, parse
from tests.shared import EXPRESSIONS

KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures.txt")


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One conformance case."""

    id: str
    data: dict[str, Any]


def load_cases() -> list[Case]:
    """Every case of ``cases.jsonl``, in file order."""
    seen: Counter[str] = Counter()
    cases = []
    with (EXPRESSIONS / "cases.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            data = json.loads(line)
            seen[data["source"]] += 1
            cases.append(Case(id=f"{data['source']} [{seen[data['source']]}]", data=data))
    return cases


def load_known_failures() -> dict[str, str]:
    """Case id -> reason, from ``known_failures.txt`` (``<id> :: <reason>`` lines, ``#`` comments)."""
    known = {}
    for line in KNOWN_FAILURES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            case_id, _, reason = line.partition(" :: ")
            known[case_id.strip()] = reason.strip()
    return known


def _contexts(data: dict[str, Any]) -> dict[str, Any]:
    contexts: dict[str, Any] = data["context"]
    workspace = data.get("workspace")
    if workspace:
        github = dict(contexts.get("github", {}))
        github["workspace"] = str(EXPRESSIONS / workspace)
        contexts = {**contexts, "github": github}
    return contexts


def _status(data: dict[str, Any]) -> Status:
    composite = None
    if "composite_action_status" in data:
        composite = data["composite_action_status"] or "success"  # unset reads as success
    return Status(job=data.get("job_status") or "success", composite=composite)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict) and set(expected) == {"$number"}:
        wanted = float(expected["$number"])
        is_number = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        return is_number and (math.isnan(actual) if math.isnan(wanted) else actual == wanted)
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and not isinstance(actual, bool) and actual == expected
    if isinstance(expected, str):
        return isinstance(actual, str) and actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return (
        isinstance(actual, dict)
        and set(actual) == set(expected)
        and all(_same(actual[key], expected[key]) for key in expected)
    )


def run_case(case: Case) -> str | None:
    """None when ``runner.expr`` gives the expected result; else what went wrong."""
    data = case.data
    contexts = _contexts(data)
    expected = data["expected"]
    is_error = isinstance(expected, dict) and expected.get("error") is True
    if is_error and data.get("error_kind") in ("lexing", "parsing"):
        try:
            parse(data["expr"], names=contexts.keys())
        except ExpressionError as exc:
            return None if exc.offset is not None else f"parse error without an offset: {exc}"
        return "parsed, but GitHub rejects it when parsing"
    try:
        if data.get("mode") == "if":
            actual: Any = evaluate_condition(data["expr"], contexts, status=_status(data))
        else:
            actual = evaluate(data["expr"], contexts, status=_status(data))
    except ExpressionError as exc:
        return None if is_error else f"raised {exc.message!r}"
    if is_error:
        return f"gave {actual!r}, expected an error"
    return None if _same(actual, expected) else f"gave {actual!r}, expected {expected!r}"
