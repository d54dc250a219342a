"""Templates: splitting text around ``${{ }}``, whole-value expressions, printing values
into text, and error offsets relative to the whole string."""

from __future__ import annotations

import pytest

from runner.errors import ExpressionError
from runner.expr import Expression, Template, Value

CONTEXTS: dict[str, Value] = {
    "github": {"ref": "refs/heads/main", "run_number": 42, "event": {"labels": [{"name": "bug"}]}},
    "matrix": {"os": "ubuntu", "version": 3.10, "flags": ["-x", "-y"], "include": {"a": 1}},
    "env": {"EMPTY": "", "NOTHING": None},
}


@pytest.mark.parametrize(
    ("source", "texts"),
    [
        ("plain text", []),
        ("${{ matrix.os }}", ["matrix.os"]),
        ("a-${{matrix.os}}-b", ["matrix.os"]),
        ("${{ '}}' }}", ["'}}'"]),
        ("${{ '${{' }} and ${{ 'it''s }}' }}", ["'${{'", "'it''s }}'"]),
        ("${{ format('{{0}}', 1) }}", ["format('{{0}}', 1)"]),
        ("x ${{ fromJSON('{\"a\":{}}').a }} y", ["fromJSON('{\"a\":{}}').a"]),
        ("${{ 1 }}${{ 2 }}", ["1", "2"]),
        ("}} ${{ 1 }} }}", ["1"]),
        ("$ {{ not }} $${{ 1 }}", ["1"]),
    ],
)
def test_splitting(source: str, texts: list[str]) -> None:
    template = Template.parse(source)
    assert [expression.text for expression in template.expressions] == texts
    assert template.is_literal is (not texts)
    assert all(isinstance(part, (str, Expression)) for part in template.parts)
    rebuilt = "".join(part if isinstance(part, str) else "${{ " + part.text + " }}" for part in template.parts)
    assert rebuilt.replace(" ", "").replace("$${{", "${{") == source.replace(" ", "").replace("$${{", "${{")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("plain text", "plain text"),
        ("${{ matrix.flags }}", ["-x", "-y"]),
        ("  ${{ matrix.include }}\n", {"a": 1}),
        ("${{ github.run_number }}", 42),
        ("${{ env.NOTHING }}", None),
        ("${{ '}}' }}", "}}"),
        ("run ${{ github.run_number }}", "run 42"),
        ("v${{ matrix.version }}", "v3.1"),
        ("[${{ env.NOTHING }}][${{ env.EMPTY }}]", "[][]"),
        ("${{ matrix.flags }} ${{ matrix.include }}", "Array Object"),
        ("${{ true }}-${{ 1 == 2 }}", "true-false"),
        ("${{ github.event.labels.*.name }}", ["bug"]),
        ("${{ matrix.os }}${{ matrix.os }}", "ubuntuubuntu"),
    ],
)
def test_evaluation(source: str, value: Value) -> None:
    assert Template.parse(source).evaluate(CONTEXTS) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("${{ 1e20 }}!", "1E+20!"),
        ("${{ 0.1 }}!", "0.1!"),
        ("${{ 123456789.123 }}!", "123456789.123!"),
        ("${{ -0 }}!", "0!"),
        ("${{ 0.84551240822557006 }}!", "0.84551240822557!"),
        ("${{ fromJSON('1e-5') }}!", "1E-05!"),
        ("${{ NaN }} ${{ Infinity }} ${{ -Infinity }}", "NaN Infinity -Infinity"),
    ],
)
def test_numbers_print_as_dotnet_g15(source: str, value: str) -> None:
    assert Template.parse(source).evaluate({}) == value


def test_references_and_whole() -> None:
    template = Template.parse("${{ github.ref }}-${{ matrix.os }}-${{ MATRIX.x }}", names=("github", "matrix"))
    assert template.references == {"github", "matrix"}
    assert template.whole is None
    whole = Template.parse(" ${{ github.ref }} ")
    assert whole.whole is not None and whole.whole.text == "github.ref"
    assert Template.parse("x").references == frozenset()


@pytest.mark.parametrize(
    ("source", "offset", "message"),
    [
        ("echo ${{ github.ref", 5, "The expression is not closed"),
        ("echo ${{ 'abc }}", 5, "The expression is not closed"),
        ("a ${{ 1 }} b ${{ 2", 13, "The expression is not closed"),
        ("echo ${{ }}", 5, "An expression was expected"),
        ("echo ${{ github.nope( }}", 20, "Unexpected symbol: '('"),
        ("echo ${{ contains( }}", 17, "Unexpected end of expression: '('"),
        ("echo ${{ 1 }} ${{   secrets.x }}", 20, "Unrecognized named-value: 'secrets'"),
        ("${{ 1 == = }}", 9, "Unexpected symbol: '='"),
    ],
)
def test_parse_errors_are_relative_to_the_source(source: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        Template.parse(source, names=("github",))
    assert caught.value.offset == offset
    assert caught.value.expression == source
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("source", "offset"),
    [
        ("x ${{ format('{0') }}", 6),
        ("${{ fromJSON('nope') }}", 4),
        ("  ${{ case(1, 2, 3) }}  ", 6),
    ],
)
def test_evaluation_errors_are_relative_to_the_source(source: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        Template.parse(source).evaluate({})
    assert caught.value.offset == offset
    assert caught.value.expression == source
