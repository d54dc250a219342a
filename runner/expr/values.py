"""Expression values and GitHub's coercions between them.

A value is JSON-like: null, boolean, number, string, array or object. Numbers are
doubles (a Python ``int`` is accepted on input and treated as its double). This module
owns every conversion the language performs: truthiness, the number a string stands
for, the string a value prints as (numbers in .NET's 15-digit general format), the
case-insensitive string order, and JSON in and out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TypeAlias

Value: TypeAlias = None | bool | float | int | str | list["Value"] | dict[str, "Value"]
"""A JSON-like expression value; numbers are doubles semantically."""

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Infinity")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_OCTAL = re.compile(r"0[oO][0-7]+")

# .NET's ordinal case-insensitive comparison leaves the dotted and dotless i alone
# (they only pair up under Turkish rules), and never expands a character.
_FOLD_EXCEPTIONS = frozenset("\u0130\u0131")


def is_truthy(value: Value) -> bool:
    """Whether ``value`` counts as true in a condition (``false``, 0, NaN, '' and null do not)."""
    if value is None:
        return False
    if isinstance(value, (bool, str)):
        return bool(value)
    if isinstance(value, (list, dict)):
        return True
    return not (value == 0 or math.isnan(value))


def parse_number(text: str) -> float:
    """The number a string stands for: trimmed, '' is 0, decimal, hex ``0x``, octal ``0o``; else NaN."""
    text = text.strip()
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text)
    if _HEX.fullmatch(text):
        return _big_float(int(text[2:], 16))
    if _OCTAL.fullmatch(text):
        return _big_float(int(text[2:], 8))
    return math.nan


def _big_float(number: int) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf


def to_number(value: Value) -> float:
    """Convert ``value`` to a number as a comparison between different kinds does."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return parse_number(value)
    return math.nan


def format_number(number: float) -> str:
    """Print a number as .NET's ``G15`` format does (``1.23456789012346E+19``, ``-0`` as ``0``)."""
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return ("%.15g" % number).replace("e", "E")


def to_display_string(value: Value) -> str:
    """Convert ``value`` to the string GitHub prints for it (null is '', arrays 'Array', objects 'Object')."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(float(value))
    if isinstance(value, list):
        return "Array"
    return "Object"


def is_primitive(value: Value) -> bool:
    """Whether ``value`` is null, a boolean, a number or a string (not an array or object)."""
    return not isinstance(value, (list, dict))


def fold(text: str) -> str:
    """Upper-case ``text`` character by character, as .NET's ordinal ignore-case comparison does."""
    if text.isascii():
        return text.upper()
    out = []
    for char in text:
        upper = char.upper()
        out.append(upper if len(upper) == 1 and char not in _FOLD_EXCEPTIONS else char)
    return "".join(out)


def compare_strings(left: str, right: str) -> int:
    """Compare two strings ignoring case: negative, zero or positive."""
    left, right = fold(left), fold(right)
    if left == right:
        return 0
    if not (left.isascii() and right.isascii()):
        # .NET orders by UTF-16 code unit, unlike Python's code point order.
        left_units = left.encode("utf-16-be", "surrogatepass")
        right_units = right.encode("utf-16-be", "surrogatepass")
        return -1 if left_units < right_units else 1
    return -1 if left < right else 1


def _kind(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return 2
    if isinstance(value, str):
        return 3
    return 4 if isinstance(value, list) else 5


def loose_equals(left: Value, right: Value) -> bool:
    """``==``: same kinds compare directly (strings ignoring case, arrays and objects by identity); else as numbers."""
    left_kind, right_kind = _kind(left), _kind(right)
    if left_kind != right_kind:
        return to_number(left) == to_number(right)
    if left_kind == 3:
        return fold(left) == fold(right)  # type: ignore[arg-type]
    if left_kind >= 4:
        return left is right
    if left_kind == 2:
        return float(left) == float(right)  # type: ignore[arg-type]
    return left == right


def loose_compare(left: Value, right: Value) -> int | None:
    """Order two values for ``<``/``>``: strings ignoring case, anything else as numbers; None if unordered (NaN)."""
    if isinstance(left, str) and isinstance(right, str):
        return compare_strings(left, right)
    left_number, right_number = to_number(left), to_number(right)
    if left_number != left_number or right_number != right_number:
        return None
    return (left_number > right_number) - (left_number < right_number)


def lookup(mapping: Mapping[str, Value], key: str) -> tuple[bool, Value]:
    """Find ``key`` in an object ignoring case: (found, value)."""
    if key in mapping:
        return True, mapping[key]
    folded = fold(key)
    for name, item in mapping.items():
        if fold(name) == folded:
            return True, item
    return False, None


def _json_number(number: float) -> str:
    if number != number or number in (math.inf, -math.inf):
        return '"' + format_number(number) + '"'
    if number.is_integer() and abs(number) < 2.0**63:
        return str(int(number))
    text = repr(number).replace("e", "E")
    return text


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    if "\u0085" in encoded or "\u2028" in encoded or "\u2029" in encoded:
        encoded = encoded.replace("\u0085", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return encoded


def _write_json(value: Value, indent: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_json_string(value))
    elif value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, (int, float)):
        out.append(_json_number(float(value)))
    elif isinstance(value, list):
        _write_items(value, "[", "]", indent, out)
    else:
        _write_items(value, "{", "}", indent, out)


def _write_items(value: Sequence[Value] | Mapping[str, Value], open_: str, close: str, indent: str, out: list[str]) -> None:
    if not value:
        out.append(open_ + close)
        return
    inner = indent + "  "
    out.append(open_)
    first = True
    if isinstance(value, Mapping):
        for key, item in value.items():
            out.append("\n" + inner if first else ",\n" + inner)
            out.append(_json_string(key) + ": ")
            _write_json(item, inner, out)
            first = False
    else:
        for item in value:
            out.append("\n" + inner if first else ",\n" + inner)
            _write_json(item, inner, out)
            first = False
    out.append("\n" + indent + close)


def to_json(value: Value) -> str:
    """Serialise ``value`` as ``toJSON`` does: two-space indentation, integral numbers without a fraction."""
    out: list[str] = []
    _write_json(value, "", out)
    return "".join(out)


MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects ``fromJSON`` reads (the ``MaxDepth`` of the
JSON reader GitHub's runner uses); deeper text is an error, never a ``RecursionError``."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def from_json(text: str) -> Value:
    """Parse JSON text into a value (all numbers become doubles); raises ``ValueError`` when
    invalid or nested deeper than :data:`MAX_JSON_DEPTH`."""
    _check_depth(text)
    result: Value = json.loads(text, parse_int=float, strict=False)
    return result


def _check_depth(text: str) -> None:
    """Refuse text nested deeper than the limit, saying where (before the recursive parser sees it)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    # Brackets inside strings do not nest: each string is blanked out, keeping offsets.
    blanked = _JSON_STRING.sub(lambda match: " " * len(match.group()), text)
    for match in _JSON_BRACKET.finditer(blanked):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                at = match.start()
                line = text.count("\n", 0, at) + 1
                column = at - (text.rfind("\n", 0, at) + 1) + 1
                raise ValueError(f"The reader's MaxDepth of {MAX_JSON_DEPTH} has been exceeded. line {line}, position {column}.")
        else:
            depth -= 1
