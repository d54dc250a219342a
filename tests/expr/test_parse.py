"""Parsing: errors and their offsets, allowed names and functions, what an expression
reads, the depth bound, and ``parse_condition``'s wrapping."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runner.errors import ExpressionError
from runner.expr import Scope, Status, Value, evaluate, evaluate_condition, parse, parse_condition

NAMES = ("github", "env", "matrix", "needs", "steps")


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("1 <", 2, "Unexpected end of expression: '<'"),
        ("1 < )", 4, "Unexpected symbol: ')'"),
        ("> 1", 0, "Unexpected symbol: '>'"),
        ("foo.b@r", 4, "Unexpected symbol: 'b@r'"),
        ("foo.1", 4, "Unexpected symbol: '1'"),
        ("github.()", 7, "Unexpected symbol: '('"),
        ("(1,", 2, "Unexpected symbol: ','"),
        ("foo 2", 4, "Unexpected symbol: '2'"),
        (" true ||( false && false", 19, "Unexpected end of expression: 'false'"),
        ("'foo", 0, "Unexpected symbol: ''foo'"),
        ('"hello"', 0, "Unexpected symbol"),
        ("1 = 2", 2, "Unexpected symbol: '='"),
        ("-0xFF", 0, "Unexpected symbol: '-0xFF'"),
        ("0x01p2", 0, "Unexpected symbol: '0x01p2'"),
        ("github/workflow.md", 0, "Unexpected symbol: 'github/workflow'"),
        ("a == ..b", 5, "Unexpected symbol: '..b'"),
        ("foo[*", 4, "Unexpected end of expression: '*'"),
        ("*", 0, "Unexpected symbol: '*'"),
    ],
)
def test_syntax_errors_carry_the_offset(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.offset == offset
    assert caught.value.message.startswith(message)
    assert caught.value.expression == text


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("nosuch.foo", 0, "Unrecognized named-value: 'nosuch'"),
        ("github.ref == 'x' && secrets.token", 21, "Unrecognized named-value: 'secrets'"),
        ("github.event_name == 'push'\n && !contains(env.X, vars.y)", 49, "Unrecognized named-value: 'vars'"),
        ("nope(1)", 0, "Unrecognized function: 'nope'"),
        ("false && nope()", 9, "Unrecognized function: 'nope'"),
        ("join()", 0, "Too few parameters supplied: 'join'"),
        ("startsWith('a', 'b', 'c')", 0, "Too many parameters supplied: 'startsWith'"),
        ("success(1)", 0, "Too many parameters supplied: 'success'"),
        ("case(true, 1)", 0, "Too few parameters supplied: 'case'"),
        ("case(true, 1, false, 2)", 0, "Even number of parameters supplied"),
        ("1 && hashFiles()", 5, "Too few parameters supplied: 'hashFiles'"),
        # Literals are lower case only (github/docs#8719: 'True' is an unknown name on GitHub).
        ("True", 0, "Unrecognized named-value: 'True'"),
        ("NULL || x", 0, "Unrecognized named-value: 'NULL'"),
    ],
)
def test_name_and_function_errors_carry_the_offset(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text, names=NAMES)
    assert caught.value.offset == offset
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(("text", "references"), [
    ("GitHub.ref", {"github"}), ("ENV.foo", {"env"}), ("Matrix['os']", {"matrix"}), ("toJson(Needs)", {"needs"}),
    ("FROMJSON('1')", set()),
])
def test_names_and_functions_ignore_case(text: str, references: set[str]) -> None:
    assert parse(text, names=NAMES).references == references


def test_any_name_is_a_context_without_names() -> None:
    expression = parse("whatever.x || Other")
    assert expression.references == {"whatever", "other"}
    assert expression.evaluate({"OTHER": "o"}) == "o"


@pytest.mark.parametrize(
    ("text", "references", "paths"),
    [
        ("github.event.pull_request.head.sha", {"github"}, [("github", "event", "pull_request", "head", "sha")]),
        (
            "needs.Build.outputs['x'] == steps.a.outputs.y",
            {"needs", "steps"},
            [("needs", "build", "outputs", "x"), ("steps", "a", "outputs", "y")],
        ),
        ("needs.*.result", {"needs"}, [("needs",)]),
        ("github.event.commits[0].id", {"github"}, [("github", "event", "commits")]),
        ("matrix[format('{0}', env.key)].x", {"matrix", "env"}, [("env", "key"), ("matrix",)]),
        ("toJSON(GitHub)", {"github"}, [("github",)]),
        ("github.ref || github.ref", {"github"}, [("github", "ref")]),
        ("fromJSON('{}').x", set(), []),
        ("1 == 1", set(), []),
    ],
)
def test_references_and_paths(text: str, references: set[str], paths: list[tuple[str, ...]]) -> None:
    expression = parse(text)
    assert expression.references == references
    assert sorted(expression.paths) == sorted(paths)


@pytest.mark.parametrize(
    ("text", "has_status"),
    [("always()", True), ("github.ref && FAILURE()", True), ("!cancelled()", True), ("success", False), ("1", False)],
)
def test_has_status_function(text: str, has_status: bool) -> None:
    assert parse(text).has_status_function is has_status


def test_depth_is_bounded_as_on_github() -> None:
    parse("!" * 49 + "true")
    with pytest.raises(ExpressionError, match="Exceeded max expression depth 50"):
        parse("!" * 50 + "true")
    parse("foo" + ".x" * 49)
    with pytest.raises(ExpressionError, match="depth"):
        parse("foo" + ".x" * 50)
    # Long chains of && or || are one node, however long.
    assert parse(" || ".join(["false"] * 500) + " || 7").evaluate({}) == 7


@pytest.mark.parametrize("text", ["(" * 5000 + "1" + ")" * 5000, "!" * 100000 + "1", "a" + "[0]" * 5000])
def test_pathological_nesting_fails_cleanly(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.", 0.0),
        ("1.e1", 10.0),
        ("0123", 123.0),
        ("0x0123", 291.0),
        ("1e01", 10.0),
        (".5", 0.5),
        ("-.5", -0.5),
        ("+1", 1.0),
        ("-2.99e-2", -0.0299),
        ("0o17", 15.0),
        ("0xfF", 255.0),
        ("-Infinity", float("-inf")),
        ("1 == .5 || .25", 0.25),
    ],
)
def test_number_literals(text: str, value: float) -> None:
    assert parse(text).evaluate({}) == value


@dataclass(frozen=True, slots=True, kw_only=True)
class _Twice:
    name: str = "twice"
    min_args: int = 1
    max_args: int = 1

    def __call__(self, args: list[Value], scope: Scope) -> Value:
        return [args[0], args[0]]


def test_extension_functions() -> None:
    functions = {"Twice": _Twice()}
    assert evaluate("twice(env.a)", {"env": {"a": 1}}, functions=functions) == [1, 1]
    with pytest.raises(ExpressionError, match="Too many parameters supplied: 'TWICE'"):
        parse("TWICE(1, 2)", functions=functions)
    with pytest.raises(ExpressionError, match="Unrecognized function"):
        parse("twice(1)")


@pytest.mark.parametrize(
    ("text", "compiled"),
    [
        ("", "success()"),
        ("   ", "success()"),
        ("github.ref == 'x'", "success() && (github.ref == 'x')"),
        ("${{ github.ref == 'x' }}", "success() && (github.ref == 'x')"),
        ("  ${{ always() }}  ", "always()"),
        ("failure() || github.ref", "failure() || github.ref"),
        ("!cancelled()", "!cancelled()"),
        ("${{ github.ref }} == 'x'", "${{ github.ref }} == 'x'"),
    ],
)
def test_parse_condition_wraps_as_github(text: str, compiled: str) -> None:
    expression = parse_condition(text, names=NAMES)
    assert expression.text == compiled
    assert expression.has_status_function


@pytest.mark.parametrize(
    ("text", "job", "expected"),
    [
        ("", "success", True),
        ("", "failure", False),
        ("github.ref == 'refs/heads/main'", "success", True),
        ("github.ref == 'refs/heads/main'", "failure", False),
        ("${{ github.ref == 'refs/heads/main' }}", "failure", False),
        ("${{ failure() }}", "failure", True),
        ("always()", "cancelled", True),
        ("cancelled()", "cancelled", True),
        ("!cancelled()", "failure", True),
        ("github.nothing", "success", False),
        # A condition mixing ${{ }} with text is a non-empty string: true, as on GitHub.
        ("${{ github.ref }} == 'nope'", "success", True),
        ("${{ github.ref }} == 'nope'", "failure", False),
    ],
)
def test_evaluate_condition(text: str, job: str, expected: bool) -> None:
    contexts: dict[str, Value] = {"github": {"ref": "refs/heads/main"}}
    assert evaluate_condition(text, contexts, status=Status(job=job)) is expected


def test_condition_error_offsets_are_relative_to_the_text() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_condition("  ${{ github.ref == }}", names=NAMES)
    assert caught.value.offset == 17
    with pytest.raises(ExpressionError) as caught:
        parse_condition("github.ref && nope.x", names=NAMES)
    assert caught.value.offset == 14


@pytest.mark.parametrize("text", ["format('{0')", "${{ format('{0') }}", "  ${{ format('{0') }}  "])
def test_condition_evaluation_errors_index_the_compiled_text(text: str) -> None:
    condition = parse_condition(text)
    with pytest.raises(ExpressionError) as caught:
        condition.evaluate({}, status=Status())
    assert caught.value.expression == condition.text == "success() && (format('{0'))"
    assert caught.value.offset is not None
    assert caught.value.expression[caught.value.offset :].startswith("format(")
