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
from runner.expr.values import Value

_OPEN = "${{"
# The inside of ${{ … }}: quoted strings (in which "}}" does not close) and any other
# character, up to the "}}" that closes.
_INSIDE = re.compile(r"(?:[^'}]+|'[^']*'|\}(?!\}))*")
_NOT_CLOSED = "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found."


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A string that may contain ``${{ }}`` parts."""

    source: str
    """The string as written."""
    parts: tuple[str | Expression, ...]
    """Literal text and expressions, in order."""
    starts: tuple[int, ...]
    """Where each expression's text starts in ``source``."""
    whole: Expression | None
    """The expression when the source is exactly one ``${{ }}`` (whitespace around allowed)."""

    @property
    def expressions(self) -> tuple[Expression, ...]:
        """The embedded expressions, in order."""
        return tuple(part for part in self.parts if isinstance(part, Expression))

    @property
    def is_literal(self) -> bool:
        """Whether the source has no ``${{ }}`` at all."""
        return not self.starts

    @property
    def references(self) -> frozenset[str]:
        """Lower-cased names of the contexts any expression reads."""
        return frozenset().union(*(expression.references for expression in self.expressions))

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
            return cls(source=source, parts=(source,), starts=(), whole=None)
        parts: list[str | Expression] = []
        starts: list[int] = []
        position = 0
        start = source.find(_OPEN)
        while start >= 0:
            if start > position:
                parts.append(source[position:start])
            inside = _INSIDE.match(source, start + 3)
            assert inside is not None  # the pattern accepts the empty string
            end = inside.end()
            if not source.startswith("}}", end):
                raise ExpressionError(_NOT_CLOSED, expression=source, offset=start)
            inner = source[start + 3 : end]
            text = inner.strip()
            if not text:
                raise ExpressionError("An expression was expected.", expression=source, offset=start)
            text_start = start + 3 + len(inner) - len(inner.lstrip())
            try:
                parts.append(parse(text, names=names, functions=functions))
            except ExpressionError as exc:
                raise ExpressionError(exc.message, expression=source, offset=text_start + (exc.offset or 0)) from exc
            starts.append(text_start)
            position = end + 2
            start = source.find(_OPEN, position)
        if position < len(source):
            parts.append(source[position:])
        whole = None
        if len(starts) == 1 and all(isinstance(part, Expression) or part.isspace() for part in parts):
            whole = next(part for part in parts if isinstance(part, Expression))
        return cls(source=source, parts=tuple(parts), starts=tuple(starts), whole=whole)

    def to_expression(self) -> Expression:
        """One expression computing the same value: the whole one, or else the interpolated string."""
        if self.whole is not None:
            return self.whole
        return Expression(
            text=self.source,
            references=self.references,
            paths=tuple(dict.fromkeys(path for expression in self.expressions for path in expression.paths)),
            has_status_function=any(expression.has_status_function for expression in self.expressions),
            root=self._interpolation(),
        )

    def _interpolation(self) -> Interpolation:
        parts = tuple(part if isinstance(part, str) else part.root for part in self.parts)
        return Interpolation(parts=parts, starts=self.starts, offset=0)

    def evaluate(
        self,
        contexts: Mapping[str, Value],
        *,
        status: Status | None = None,
        hash_files: HashFiles | None = None,
    ) -> Value:
        """A whole expression's value as is; otherwise the text with each value printed as GitHub does.

        Errors carry offsets into ``source``.
        """
        if self.whole is None:
            if not self.starts:
                return self.source
            return evaluate_tree(self._interpolation(), self.source, contexts, status=status, hash_files=hash_files)
        try:
            return self.whole.evaluate(contexts, status=status, hash_files=hash_files)
        except ExpressionError as exc:
            offset = None if exc.offset is None else self.starts[0] + exc.offset
            raise ExpressionError(exc.message, expression=self.source, offset=offset) from exc
