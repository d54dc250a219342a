"""Every expression conformance case (GitHub's cross-language suite and more) must give
GitHub's result. Cases baton still gets wrong are listed, with a reason, in
``known_failures.txt``; that list must stay honest both ways."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from runner.expr import evaluate
from tests.expr.conformance import Case, load_cases, load_known_failures, run_case
from tests.shared import EXPRESSIONS

CASES = load_cases()
KNOWN_FAILURES = load_known_failures()
MIN_PASS_RATE = 0.99


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case.id in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[case.id], strict=True))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def test_all_cases_are_there() -> None:
    assert len(CASES) == 1548


@pytest.mark.parametrize("case", _params())
def test_case(case: Case) -> None:
    problem = run_case(case)
    assert problem is None, f"{case.data['expr']!r}: {problem}"


def test_pass_rate_and_known_failures_are_honest() -> None:
    failing = {case.id for case in CASES if run_case(case) is not None}
    passed = len(CASES) - len(failing)
    assert passed / len(CASES) >= MIN_PASS_RATE, f"{passed}/{len(CASES)} pass"
    assert failing <= set(KNOWN_FAILURES), f"failing but not listed: {sorted(failing - set(KNOWN_FAILURES))}"
    assert set(KNOWN_FAILURES) <= failing, f"listed but passing: {sorted(set(KNOWN_FAILURES) - failing)}"


def _divergent() -> list[dict[str, Any]]:
    lines = (EXPRESSIONS / "divergent.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("data", _divergent(), ids=lambda data: str(data["source"]))
def test_divergent_cases_follow_github(data: dict[str, Any]) -> None:
    """Where act or actionlint disagree with GitHub, baton gives GitHub's result."""
    reference = data["reference_result"]
    actual = evaluate(data["expr"], data["context"])
    kind = {bool: "Boolean", float: "Number", str: "String", list: "Array", dict: "Object"}.get(type(actual), "Null")
    assert kind == reference["kind"]
    assert actual == reference["value"]
    if kind == "Number":
        assert isinstance(actual, float)
        assert (math.copysign(1.0, actual) < 0) == reference["negzero"]
