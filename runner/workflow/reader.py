"""Typed reading of the located tree, collecting every finding of a file.

A :class:`Reader` walks one file: each accessor checks a node's type, parses the
expressions inside it with the contexts its place allows, and records a located
diagnostic for whatever is wrong, so one pass reports all errors of the file.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import lru_cache
from collections.abc import Collection, Mapping

from runner.errors import Diagnostic, ExpressionError, Mark
from runner.expr import Function, Template, parse_condition
from runner.workflow.suggest import closest
from runner.workflow.text import Condition, Text, Tree, is_insert
from runner.workflow.tree import Map, Node, Scalar, Seq, kind_name


@lru_cache(maxsize=4096)
def _literal(source: str) -> Template:
    """The template of a string without expressions (shared: the same strings recur a lot)."""
    return Template.parse(source)


class Reader:
    """The state of reading one workflow file: its text and its findings so far."""

    def __init__(self, file: str, text: str, *, is_evaluated: bool = False) -> None:
        self.file = file
        self.source = text
        """The file's text, for mapping offsets inside scalars back to columns."""
        self.is_evaluated = is_evaluated
        """Whether the tree is an expression's value (see :mod:`runner.workflow.resolve`):
        its strings are data, never parsed for ``${{ }}`` again."""
        self.diagnostics: list[Diagnostic] = []
        self._line_starts: list[int] | None = None

    # findings -------------------------------------------------------------------

    def error(self, at: Node | Mark, message: str) -> None:
        """Record an error at a node or position."""
        self.diagnostics.append(Diagnostic(at if isinstance(at, Mark) else at.mark, message))

    def warning(self, at: Node | Mark, message: str) -> None:
        """Record a warning (the file stays valid)."""
        self.diagnostics.append(Diagnostic(at if isinstance(at, Mark) else at.mark, message, "warning"))

    @property
    def has_errors(self) -> bool:
        """Whether any error (not warning) was recorded."""
        return any(d.severity == "error" for d in self.diagnostics)

    # structure ------------------------------------------------------------------

    def mapping(self, node: Node, where: str) -> Map | None:
        """``node`` as a mapping, or None after an error (null reads as an empty mapping)."""
        if isinstance(node, Map):
            return node
        if isinstance(node, Scalar) and node.value is None:
            return Map((), node.file, node.line, node.col, {})
        self.error(node, f"'{where}' must be a mapping, not {kind_name(node)}")
        return None

    def check_keys(self, node: Map, allowed: Collection[str], where: str, *, is_lenient: bool = False) -> None:
        """Report keys of ``node`` that ``where`` does not know, with a did-you-mean.

        ``is_lenient``: GitHub ignores unknown keys here (event configurations), so
        they are warnings, not errors.
        """
        for key, _ in node.pairs:
            name = key.text
            if name in allowed:
                continue
            if name == "<<":
                self.error(key, "YAML merge keys (<<) are not supported by GitHub Actions; an alias (*name) copies a whole value")
                continue
            close = closest(name, allowed)
            if close is not None:
                hint = f"; did you mean '{close}'?"
            else:
                hint = f"; expected one of: {', '.join(sorted(allowed))}" if allowed else f"; {where} takes no settings"
            if is_lenient:
                self.warning(key, f"unknown key '{name}' in {where} has no effect (GitHub ignores it){hint}")
            else:
                self.error(key, f"unknown key '{name}' in {where}{hint}")

    def require(self, node: Map, key: str, where: str) -> Node | None:
        """The value under ``key``, reporting its absence."""
        value = node.get(key)
        if value is None:
            self.error(node, f"{where} is missing required key '{key}'")
        return value

    # scalars ------------------------------------------------------------------

    def string(self, node: Node, where: str) -> str | None:
        """A scalar read as a plain string (numbers and booleans as GitHub prints them)."""
        if isinstance(node, Scalar) and node.value is not None:
            return node.text
        self.error(node, f"'{where}' must be a string, not {kind_name(node)}")
        return None

    def strings(self, node: Node, where: str) -> tuple[str, ...] | None:
        """A string or a sequence of strings."""
        if isinstance(node, Scalar) and node.value is not None:
            return (node.text,)
        if isinstance(node, Seq):
            out: list[str] = []
            for item in node.items:
                value = self.string(item, where)
                if value is not None:
                    out.append(value)
            return tuple(out)
        self.error(node, f"'{where}' must be a string or a sequence of strings, not {kind_name(node)}")
        return None

    def boolean(self, node: Node, where: str) -> bool | None:
        """A literal boolean (no expression allowed)."""
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        self.error(node, f"'{where}' must be true or false, not {kind_name(node)}")
        return None

    def text(self, node: Node, names: Collection[str], where: str) -> Text | None:
        """A scalar read as a string that may hold expressions reading ``names``."""
        if not isinstance(node, Scalar) or node.value is None:
            self.error(node, f"'{where}' must be a string, not {kind_name(node)}")
            return None
        return self.scalar_text(node, names)

    def optional_text(self, node: Node | None, names: Collection[str], where: str) -> Text | None:
        """A string setting that may be absent or left empty (``name:`` with no value)."""
        if node is None or isinstance(node, Scalar) and node.value is None:
            return None
        return self.text(node, names, where)

    def scalar_text(self, node: Scalar, names: Collection[str]) -> Text | None:
        """Any scalar (numbers, booleans, null too) as :class:`Text`."""
        source = node.text
        if self.is_evaluated:
            return self.verbatim(node)
        if "${{" not in source:
            return Text(_literal(source), node.mark)
        try:
            template = Template.parse(source, names=names)
        except ExpressionError as exc:
            self.error(self.mark_in(node, exc.offset or 0), f"expression: {exc.message}")
            return None
        return Text(template, node.mark)

    def verbatim(self, node: Scalar) -> Text:
        """A scalar as :class:`Text` that is never evaluated, ``${{`` and all."""
        return Text(Template(source=node.text, parts=(node.text,), starts=(), whole=None), node.mark)

    def is_expression(self, node: Node) -> bool:
        """Whether ``node`` is a string holding ``${{ }}`` in the file (not in a value read
        back from an expression): where GitHub's schema gives the place contexts, such a
        string may stand for a whole mapping or sequence, checked once evaluated."""
        return not self.is_evaluated and isinstance(node, Scalar) and isinstance(node.value, str) and "${{" in node.value

    def env(self, node: Node, whole: Collection[str], names: Collection[str], where: str) -> dict[str, Text] | Text:
        """A mapping of names to strings, or one expression (reading ``whole``) that gives it."""
        if self.is_expression(node):
            assert isinstance(node, Scalar)
            return self.scalar_text(node, whole) or {}
        return self.texts(node, names, where)

    def texts(self, node: Node, names: Collection[str], where: str) -> dict[str, Text]:
        """A mapping of names to strings (``env``, ``with``, ``outputs``)."""
        mapping = self.mapping(node, where)
        out: dict[str, Text] = {}
        if mapping is None:
            return out
        for key, value in mapping.pairs:
            if not isinstance(value, Scalar):
                self.error(value, f"'{where}.{key.text}' must be a string, not {kind_name(value)}")
                continue
            text = self.scalar_text(value, names)
            if text is not None:
                out[key.text] = text
        return out

    def condition(
        self, node: Node, names: Collection[str], where: str, *, functions: Mapping[str, Function] | None = None
    ) -> Condition | None:
        """An ``if:`` value (with or without ``${{ }}``); ``functions``: those of this place
        that differ from the built-ins (a job's ``success('build')``)."""
        if not isinstance(node, Scalar):
            self.error(node, f"'{where}' must be a string or boolean, not {kind_name(node)}")
            return None
        source = node.text
        try:
            expression = parse_condition(source, names=names, functions=functions)
        except ExpressionError as exc:
            self.error(self.mark_in(node, exc.offset or 0), f"expression: {exc.message}")
            return None
        return Condition(expression, source, node.mark)

    def flag(self, node: Node | None, names: Collection[str], where: str, *, default: bool) -> Tree:
        """A boolean, or an expression that gives one at run time."""
        if node is None:
            return default
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        if self.is_expression(node):
            assert isinstance(node, Scalar)
            return self.scalar_text(node, names)
        self.error(node, f"'{where}' must be true, false or an expression, not {kind_name(node)}")
        return default

    def minutes(self, node: Node | None, names: Collection[str], where: str, *, unit: str = "number of minutes") -> Tree:
        """A positive number (of minutes, unless ``unit`` says), or an expression that gives one."""
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if node.value <= 0:
                self.error(node, f"'{where}' must be a positive {unit}")
            return node.value
        if self.is_expression(node):
            assert isinstance(node, Scalar)
            return self.scalar_text(node, names)
        self.error(node, f"'{where}' must be a {unit} or an expression, not {kind_name(node)}")
        return None

    def timeout(self, node: Node | None, names: Collection[str], where: str) -> Tree:
        """``timeout-minutes``: a number of minutes, or an expression that gives one.

        GitHub's parser takes any number here (its own tests read ``-999…`` as -Infinity);
        a timeout of zero or less, or an infinite one, sets none, as the runner does
        (``if (timeoutMinutes > 0)``): None.
        """
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value if 0 < node.value < math.inf else None
        return self.minutes(node, names, where)

    def tree(self, node: Node, names: Collection[str]) -> Tree:
        """A free-form value, its strings parsed as :class:`Text`."""
        if isinstance(node, Scalar):
            if isinstance(node.value, str):
                return self.scalar_text(node, names)
            return node.value
        if isinstance(node, Seq):
            return [self.tree(item, names) for item in node.items]
        for key, _ in node.pairs:
            if "${{" in key.text and not is_insert(key.text):
                self.scalar_text(key, names)  # a key that is an expression: checked now, evaluated later
        return {key.text: self.tree(value, names) for key, value in node.pairs}

    # positions ------------------------------------------------------------------

    def mark_in(self, node: Scalar, offset: int) -> Mark:
        """The file position of character ``offset`` of a scalar's value.

        Exact for plain and quoted one-line scalars; inside block scalars the expression
        is found again in the source, which is exact unless escapes precede it.
        """
        value = node.text
        start, end = node.span
        raw = self.source[start:end]
        opening = value.rfind("${{", 0, offset + 1)
        if opening >= 0:
            nth = value.count("${{", 0, opening)
            index = -1
            for _ in range(nth + 1):
                index = raw.find("${{", index + 1)
                if index < 0:
                    return node.mark
            return self._mark_of(start + index + (offset - opening))
        if node.style in ("'", '"'):
            return self._mark_of(start + 1 + offset)
        if node.style == "":
            return self._mark_of(start + offset)
        return node.mark

    def _mark_of(self, index: int) -> Mark:
        if self._line_starts is None:
            starts = [0]
            find = self.source.find
            pos = find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        line = bisect_right(self._line_starts, index)
        return Mark(self.file, line, index - self._line_starts[line - 1] + 1)
