"""Split expression text into tokens, as GitHub's lexer does.

One regular expression match per token. A word after ``.`` is a property name; a
``.`` where a value cannot end is the start of a number (``.5``); a number is read up
to the next separator and must then be a valid literal, so ``1.2.3`` and ``0xZ`` fail
whole, as they do on GitHub.
"""

from __future__ import annotations

import math
import re
from typing import Final, NamedTuple

from runner.errors import ExpressionError
from runner.expr.values import Value, parse_number

NUMBER: Final = "number"
STRING: Final = "string"
LITERAL: Final = "literal"
"""``true``, ``false``, ``null``, ``NaN`` or ``Infinity``."""
WORD: Final = "word"
"""A context or function name."""
PROPERTY: Final = "property"
"""A word right after ``.``."""
END: Final = "end"
# Operators and punctuation use their own text as their kind: "==", "(", ".", "*", …

_SEPARATORS = r"\s()\[\],.!<>=&|"
_NUMBER_CHARS = r"[^\s()\[\],!<>=&|]"  # a number reads through dots
_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],*])"
    r"|(?P<string>'(?:[^']|'')*')"
    rf"|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*)(?![^{_SEPARATORS}])"
    rf"|(?P<number>[0-9+\-]{_NUMBER_CHARS}*)"
    r"|(?P<dot>\.)"
    r"|(?P<end>$)"
    rf"|(?P<bad>[=&|]?[^{_SEPARATORS}]*)"
    r")"
)
_DOT_NUMBER = re.compile(rf"\.{_NUMBER_CHARS}*")
_NUMBER_LITERAL = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)|0[xX][0-9a-fA-F]+|0[oO][0-7]+")
_KEYWORDS: Final[dict[str, Value]] = {"true": True, "false": False, "null": None, "NaN": math.nan, "Infinity": math.inf}
# Kinds after which a value has ended, so that a following "." dereferences it.
_VALUE_ENDS = frozenset({NUMBER, STRING, LITERAL, WORD, PROPERTY, ")", "]", "*"})


class Token(NamedTuple):
    """One token: its kind, its text as written, where it starts, and a literal's value."""

    kind: str
    text: str
    offset: int
    value: Value = None


def unexpected(expression: str, text: str, offset: int, *, at_end: bool = False) -> ExpressionError:
    """The error for a token that cannot appear where it does (or an expression that stops short)."""
    what = "Unexpected end of expression" if at_end else "Unexpected symbol"
    message = f"{what}: '{text}'. Located at position {offset + 1} within expression: {expression}"
    return ExpressionError(message, expression=expression, offset=offset)


def tokenize(expression: str) -> list[Token]:
    """Tokenize ``expression``; the list ends with an ``END`` token. Raises ``ExpressionError``."""
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN.match
    position = 0
    previous = ""
    while True:
        found = match(expression, position)
        assert found is not None  # the "bad" alternative matches anything else
        kind = found.lastgroup or "bad"
        start = found.start(kind)
        position = found.end()
        text = found.group(kind)
        if kind == "op":
            append(Token(text, text, start))
            previous = text
            continue
        if kind == "word":
            if previous == ".":
                append(Token(PROPERTY, text, start))
                previous = PROPERTY
            elif text in _KEYWORDS:
                append(Token(LITERAL, text, start, _KEYWORDS[text]))
                previous = LITERAL
            else:
                append(Token(WORD, text, start))
                previous = WORD
            continue
        if kind == "string":
            append(Token(STRING, text, start, text[1:-1].replace("''", "'")))
            previous = STRING
            continue
        if kind == "dot":
            if previous in _VALUE_ENDS:
                append(Token(".", ".", start))
                previous = "."
                continue
            dotted = _DOT_NUMBER.match(expression, start)
            assert dotted is not None
            text = dotted.group()
            position = dotted.end()
            kind = "number"
        if kind == "number":
            if not _NUMBER_LITERAL.fullmatch(text):
                raise unexpected(expression, text, start)
            append(Token(NUMBER, text, start, _number_value(text)))
            previous = NUMBER
            continue
        if kind == "end":
            append(Token(END, "", start))
            return tokens
        raise unexpected(expression, text, start)


def _number_value(text: str) -> float:
    if text.startswith(("0x", "0X", "0o", "0O")):
        return parse_number(text)
    return float(text)
