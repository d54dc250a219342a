"""Coercions: truthiness, strings to numbers, values to text (.NET 'G15' numbers), JSON."""

from __future__ import annotations

import math

import pytest

from runner.expr import Value, is_truthy, to_display_string, to_json
from runner.expr.values import MAX_JSON_DEPTH, compare_strings, format_number, from_json, loose_compare, loose_equals, parse_number


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (None, False),
        (False, False),
        (True, True),
        (0, False),
        (-0.0, False),
        (math.nan, False),
        (0.5, True),
        (-1, True),
        (math.inf, True),
        ("", False),
        (" ", True),
        ("false", True),
        ("0", True),
        ([], True),
        ({}, True),
    ],
)
def test_is_truthy(value: Value, truthy: bool) -> None:
    assert is_truthy(value) is truthy


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("", 0.0),
        ("   ", 0.0),
        (" 42 ", 42.0),
        ("+1.5", 1.5),
        ("-1e3", -1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("0x1F", 31.0),
        ("0o17", 15.0),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("1_000", math.nan),
        ("inf", math.nan),
        ("nan", math.nan),
        ("-0x10", math.nan),
        ("12abc", math.nan),
        ("1e", math.nan),
    ],
)
def test_parse_number(text: str, number: float) -> None:
    result = parse_number(text)
    assert result == number or (math.isnan(number) and math.isnan(result))


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-2.0, "-2"),
        (0.5, "0.5"),
        (123456.789, "123456.789"),
        (0.84551240822557006, "0.84551240822557"),
        (1234567890.0, "1234567890"),
        (999999999999999.0, "999999999999999"),
        (1e15, "1E+15"),
        (12345678901234567890.0, "1.23456789012346E+19"),
        (0.0001, "0.0001"),
        (0.00001, "1E-05"),
        (1.5e-10, "1.5E-10"),
        (0.1 + 0.2, "0.3"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
    ],
)
def test_format_number(number: float, text: str) -> None:
    assert format_number(number) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (False, "false"), (3, "3"), (2.5, "2.5"), ("s", "s"), ([1], "Array"), ({}, "Object")],
)
def test_to_display_string(value: Value, text: str) -> None:
    assert to_display_string(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (-0.0, "0"),
        (42, "42"),
        (1234.5, "1234.5"),
        (1e-05, "1E-05"),
        (1e20, "1E+20"),
        (math.nan, '"NaN"'),
        ("a\"b\\c\n\t\u0001", '"a\\"b\\\\c\\n\\t\\u0001"'),
        ("é😊\u2028", '"é😊\\u2028"'),
        ([], "[]"),
        ({}, "{}"),
        ([1, [2, {}], {"k": None}], '[\n  1,\n  [\n    2,\n    {}\n  ],\n  {\n    "k": null\n  }\n]'),
    ],
)
def test_to_json(value: Value, text: str) -> None:
    assert to_json(value) == text


def test_from_json_numbers_are_doubles() -> None:
    assert from_json('{"a": [1, 2.5, -0]}') == {"a": [1.0, 2.5, 0.0]}
    assert all(isinstance(item, float) for item in from_json("[1, 2]"))  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        from_json("{")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 1200, "line 1, position 65"),
        ('{"a":' * 65 + "1" + "}" * 65, "line 1, position 321"),
        ("[\n" * 70, "line 65, position 1"),
    ],
)
def test_from_json_refuses_nesting_deeper_than_the_limit_saying_where(text: str, where: str) -> None:
    with pytest.raises(ValueError, match=f"MaxDepth of {MAX_JSON_DEPTH} has been exceeded. {where}"):
        from_json(text)


def test_from_json_reads_the_limit_and_brackets_inside_strings() -> None:
    assert from_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    assert from_json(f'["{"[" * 2000}", "\\"{"{" * 100}"]') == ["[" * 2000, '"' + "{" * 100]


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("abc", "ABC", 0),
        ("a", "B", -1),
        ("ς", "Σ", 0),
        ("ü", "Ü", 0),
        ("i", "İ", -1),
        ("ı", "I", 1),
        ("\uffff", "😊", 1),  # UTF-16 code unit order, as .NET compares
    ],
)
def test_compare_strings_ignores_case_ordinally(left: str, right: str, order: int) -> None:
    assert compare_strings(left, right) == order


def test_loose_equality_and_order() -> None:
    same: list[Value] = []
    assert loose_equals(same, same)
    assert not loose_equals([], [])
    assert loose_equals(None, 0) and loose_equals(True, "1") and loose_equals("0x10", 16)
    assert not loose_equals(math.nan, math.nan)
    assert loose_compare("b", "A") == 1
    assert loose_compare(True, False) == 1
    assert loose_compare({}, 1) is None
    assert loose_compare("abc", 1) is None
