"""Strings with embedded ``${{ }}`` expressions, as workflow values are written."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from runner.errors import ExpressionError
from runner.expr.evaluator import evaluate_tree
from runner.expr.expression import Expression, parse
from runner.expr.nodes import Interpolation
from runner.expr.scope import Function, HashFiles, Status
from runner.expr.values import Value, to_display_string

_OPEN = "${{"
# The inside of ${{ … }}: quoted strings (where "}}" does not close) or any other
# character, except the "}}" that closes.
_INSIDE = re.compile(r"(?:[^'}]+|'[^']*'|\}(?!\}))*")


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A string that may contain ``${{ }}`` parts."""

    source: str
    """The string as written."""
    parts: tuple[str | Expression, ...]
    """Literal text and expressions, in order."""
    expressions: tuple[Expression, ...]
    """The embedded expressions, in order."""
    references: frozenset[str]
    """Lower-cased names of the contexts any part reads."""
    whole: Expression | None
    """The expression when the source is exactly one ``${{ }}`` (whitespace around allowed)."""

    @property
    def is_literal(self) -> bool:
        """Whether the source has no ``${{ }}`` at all."""
        return not self.expressions

    @classmethod
    def parse(
        cls,
        source: str,
        *,
        names: Collection[str] | None = None,
        functions: Mapping[str, Function] | None = None,
    ) -> Template:
        """Split and parse ``source``; errors carry offsets into ``source``."""
        if _OPEN not in source:
            return cls(source=source, parts=(source,), expressions=(), references=frozenset(), whole=None)
        parts: list[str | Expression] = []
        expressions: list[Expression] = []
        position = 0
        start = source.find(_OPEN)
        while start >= 0:
            if start > position:
                parts.append(source[position:start])
            inside = _INSIDE.match(source, start + 3)
            assert inside is not None  # the pattern accepts the empty string
            end = inside.end()
            if not source.startswith("}}", end):
                message = "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found."
                raise ExpressionError(message, expression=source, offset=start)
            expression = _parse_part(source, start, end, names, functions)
            parts.append(expression)
            expressions.append(expression)
            position = end + 2
            start = source.find(_OPEN, position)
        if position < len(source):
            parts.append(source[position:])
        whole = None
        if len(expressions) == 1 and len(parts) <= 3 and not "".join(p for p in parts if isinstance(p, str)).strip():
            whole = expressions[0]
        if len(expressions) == 1:
            references = expressions[0].references
        else:
            references = frozenset().union(*(expression.references for expression in expressions))
        return cls(source=source, parts=tuple(parts), expressions=tuple(expressions), references=references, whole=whole)

    def to_expression(self) -> Expression:
        """One expression computing the same value: the whole one, or a string interpolation."""
        if self.whole is not None:
            return self.whole
        return Expression(
            text=self.source,
            references=self.references,
            paths=tuple(dict.fromkeys(path for expression in self.expressions for path in expression.paths)),
            has_status_function=any(expression.has_status_function for expression in self.expressions),
            root=Interpolation(
                parts=tuple(part if isinstance(part, str) else part.root for part in self.parts),
                offset=0,
            ),
        )

    def evaluate(
        self,
        contexts: Mapping[str, Value],
        *,
        status: Status | None = None,
        hash_files: HashFiles | None = None,
    ) -> Value:
        """A whole expression's value as is; otherwise the text with each value printed as GitHub does."""
        if self.whole is not None:
            return self.whole.evaluate(contexts, status=status, hash_files=hash_files)
        if not self.expressions:
            return self.source
        pieces = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                value = evaluate_tree(part.root, part.text, contexts, status=status, hash_files=hash_files)
                pieces.append(to_display_string(value))
        return "".join(pieces)


def _parse_part(
    source: str,
    start: int,
    end: int,
    names: Collection[str] | None,
    functions: Mapping[str, Function] | None,
) -> Expression:
    inner = source[start + 3 : end]
    text = inner.strip()
    offset = start + 3 + len(inner) - len(inner.lstrip())
    if not text:
        raise ExpressionError("An expression was expected.", expression=source, offset=start)
    try:
        return parse(text, names=names, functions=functions)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, expression=source, offset=offset + (exc.offset or 0)) from exc
