"""Split expression text into tokens, as GitHub's lexer does.

One regular expression scans the whole text (``findall``: no per-token Python call
into ``re``). A word after ``.`` is a property name; a ``.`` where a value cannot end
starts a number (``.5``); a number is read up to the next separator and must then be a
valid literal, so ``1.2.3`` and ``0xZ`` fail whole, as they do on GitHub.
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
# Groups: leading space, word, operator, string, number, anything else. Every
# character is consumed by some group, so consecutive matches touch.
_TOKENS = re.compile(
    r"(\s*)(?:"
    rf"([A-Za-z_][A-Za-z0-9_\-]*)(?![^{_SEPARATORS}])"
    r"|(==|!=|<=|>=|&&|\|\||[!<>()\[\],*.])"
    r"|('[^']*(?:''[^']*)*')"
    rf"|([0-9+\-]{_NUMBER_CHARS}*)"
    rf"|([=&|][^{_SEPARATORS}]*|[^{_SEPARATORS}]+)"
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
    position = 0
    while position >= 0:
        position = _scan(expression, position, tokens)
    tokens.append(Token(END, "", len(expression)))
    return tokens


def _scan(expression: str, start: int, tokens: list[Token]) -> int:
    """Append the tokens from ``start``; return where to resume after a ``.5``-like number, or -1."""
    append = tokens.append
    new = tuple.__new__  # builds a Token without NamedTuple's slower Python-level __new__
    offset = start
    previous = tokens[-1].kind if tokens else ""
    for space, word, op, string, number, bad in _TOKENS.findall(expression, start):
        offset += len(space)
        if word:
            if previous == ".":
                previous = PROPERTY
                append(new(Token, (PROPERTY, word, offset, None)))
            elif word in _KEYWORDS:
                previous = LITERAL
                append(new(Token, (LITERAL, word, offset, _KEYWORDS[word])))
            else:
                previous = WORD
                append(new(Token, (WORD, word, offset, None)))
            offset += len(word)
        elif op:
            if op == "." and previous not in _VALUE_ENDS:
                # A number such as ".5", which may run on over what the scan split.
                dotted = _DOT_NUMBER.match(expression, offset)
                assert dotted is not None
                append(_number(expression, dotted.group(), offset))
                return dotted.end()
            previous = op
            append(new(Token, (op, op, offset, None)))
            offset += len(op)
        elif string:
            previous = STRING
            append(new(Token, (STRING, string, offset, string[1:-1].replace("''", "'"))))
            offset += len(string)
        elif number:
            previous = NUMBER
            append(_number(expression, number, offset))
            offset += len(number)
        elif bad:
            raise unexpected(expression, bad, offset)
    return -1


def _number(expression: str, text: str, offset: int) -> Token:
    if not _NUMBER_LITERAL.fullmatch(text):
        raise unexpected(expression, text, offset)
    if text.startswith(("0x", "0X", "0o", "0O")):
        return Token(NUMBER, text, offset, parse_number(text))
    return Token(NUMBER, text, offset, float(text))
