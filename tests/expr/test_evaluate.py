"""Evaluation beyond the conformance suite: status functions, filters, identity,
error offsets, the memory bound, and what contexts may hold."""

from __future__ import annotations

import pytest

from runner.errors import ExpressionError
from runner.expr import Status, Value, evaluate, parse

CONTEXTS: dict[str, Value] = {
    "github": {"event": {"commits": [{"id": "a", "files": ["x", "y"]}, {"id": "b", "files": []}, {"sha": "c"}]}},
    "needs": {"build": {"result": "success", "outputs": {"v": "1"}}, "test": {"result": "failure", "outputs": {}}},
    "env": {"Mixed_Case": "yes", "n": 3},
}


@pytest.mark.parametrize(
    ("status", "results"),
    [
        (Status(), (True, False, False)),
        (Status(job="failure"), (False, True, False)),
        (Status(job="cancelled"), (False, False, True)),
        (Status(is_cancelled=True), (False, False, True)),
        (Status(job="failure", is_cancelled=True), (False, False, True)),
        (Status(job="failure", composite="success"), (True, False, False)),
        (Status(job="success", composite="failure"), (False, True, False)),
    ],
)
def test_status_functions(status: Status, results: tuple[bool, bool, bool]) -> None:
    actual = tuple(evaluate(f"{name}()", {}, status=status) for name in ("success", "failure", "cancelled"))
    assert actual == results
    assert evaluate("always()", {}, status=status) is True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("github.event.commits.*.id", ["a", "b"]),
        ("github.event.commits.*.files.*", ["x", "y"]),
        ("github.event.commits[*].files[1]", ["y"]),
        ("(github.event.commits.*.id)[0]", []),
        ("toJSON(needs.*.result)", '[\n  "success",\n  "failure"\n]'),
        ("contains(needs.*.result, 'FAILURE')", True),
        ("needs.build.outputs.v == 1", True),
        ("env.mixed_case", "yes"),
        ("ENV['MIXED_CASE']", "yes"),
        ("env.n > 2.5", True),
        ("env.missing.deeper", None),
        ("env == env", True),
        ("needs.build != needs.build", False),
        ("fromJSON('{}') == fromJSON('{}')", False),
        ("github.event.commits[1.9].id", "b"),
        ("github.event.commits['1'].id", "b"),
        ("case(env.n == 3, 'three', fromJSON('not json'))", "three"),
        ("false && fromJSON('not json')", False),
        ("env.n || fromJSON('not json')", 3),
    ],
)
def test_evaluation(text: str, value: Value) -> None:
    assert evaluate(text, CONTEXTS) == value


def test_a_filter_is_returned_as_a_plain_list() -> None:
    result = evaluate("github.event.commits.*.id", CONTEXTS)
    assert type(result) is list


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("1 == 1 && format('{0')", 10, "The following format string is invalid: {0"),
        ("format('{1}', 1)", 0, "The following format string references more arguments"),
        ("  fromJSON('{')", 2, "Error parsing fromJson"),
        ("case(env.n, 1, 2)", 0, "case predicate must evaluate to a boolean value"),
    ],
)
def test_evaluation_errors_carry_the_offset(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, CONTEXTS)
    assert caught.value.offset == offset
    assert caught.value.expression == text
    assert caught.value.message.startswith(message)


def test_memory_is_bounded() -> None:
    contexts: dict[str, Value] = {"big": "x" * 300_000}
    assert len(str(evaluate("format('{0}', big)", contexts))) == 300_000
    with pytest.raises(ExpressionError, match="maximum allowed memory"):
        evaluate("format('{0}{0}', big)", contexts)
    with pytest.raises(ExpressionError, match="maximum allowed memory"):
        evaluate("startsWith(format('{0}', big), format('{0}', big))", contexts)


def test_contexts_may_hold_ints_and_nested_mappings() -> None:
    expression = parse("matrix.node >= 18 && matrix.node")
    assert expression.evaluate({"matrix": {"node": 20}}) == 20
    assert expression.evaluate({"matrix": {"node": "16"}}) is False


def test_one_expression_evaluates_against_many_contexts() -> None:
    expression = parse("startsWith(github.ref, 'refs/tags/')", names=["github"])
    assert expression.evaluate({"github": {"ref": "refs/tags/v1"}}) is True
    assert expression.evaluate({"github": {"ref": "refs/heads/main"}}) is False
    assert expression.evaluate({}) is False
