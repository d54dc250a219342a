"""A compiled expression: parse once, evaluate against many sets of contexts."""

from __future__ import annotations

import functools

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from runner.expr.evaluator import evaluate_tree
from runner.expr.nodes import Node
from runner.expr.parser import parse_syntax
from runner.expr.scope import Function, HashFiles, Status
from runner.expr.values import Value


@dataclass(frozen=True, slots=True, kw_only=True)
class Expression:
    """A parsed ``${{ }}`` expression (its text without the braces)."""

    text: str
    """The expression as written (or as wrapped, for a condition)."""
    references: frozenset[str]
    """Lower-cased names of the contexts it reads."""
    paths: tuple[tuple[str, ...], ...]
    """Lower-cased context paths it reads, as far as literal ``.x`` / ``['x']`` go, e.g. ``("needs", "build", "outputs")``."""
    has_status_function: bool
    """Whether it calls ``success()``, ``failure()``, ``cancelled()`` or ``always()``."""
    root: Node
    """The syntax tree."""

    def evaluate(
        self,
        contexts: Mapping[str, Value],
        *,
        status: Status | None = None,
        hash_files: HashFiles | None = None,
    ) -> Value:
        """The expression's value given ``contexts`` (names ignore case); raises ``ExpressionError``."""
        return evaluate_tree(self.root, self.text, contexts, status=status, hash_files=hash_files)


def parse(
    text: str,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Function] | None = None,
) -> Expression:
    """Parse an expression written without ``${{ }}``.

    ``names`` are the contexts it may read (ignoring case; None allows any name) and
    ``functions`` adds extension functions to the built-in ones. Unknown names, unknown
    functions and wrong argument counts raise ``ExpressionError`` with an offset.
    """
    names_key = None if names is None else frozenset(names)
    functions_key = tuple(functions.items()) if functions else None
    try:
        return _parse_cached(text, names_key, functions_key)
    except TypeError:  # an unhashable extension function: parse without the cache
        return _parse(text, names, functions)


# Workflows repeat expressions (``matrix.os``, ``github.ref == …``) many times over and
# an Expression is immutable, so recent parses are shared; the cache is bounded.
@functools.lru_cache(maxsize=4096)
def _parse_cached(
    text: str,
    names: frozenset[str] | None,
    functions: tuple[tuple[str, Function], ...] | None,
) -> Expression:
    return _parse(text, names, dict(functions) if functions else None)


def _parse(text: str, names: Collection[str] | None, functions: Mapping[str, Function] | None) -> Expression:
    root, references, paths, has_status_function = parse_syntax(text, names=names, functions=functions)
    return Expression(
        text=text,
        references=references,
        paths=paths,
        has_status_function=has_status_function,
        root=root,
    )


def evaluate(
    text: str,
    contexts: Mapping[str, Value],
    *,
    status: Status | None = None,
    functions: Mapping[str, Function] | None = None,
    hash_files: HashFiles | None = None,
) -> Value:
    """Parse ``text`` (allowing exactly the names in ``contexts``) and evaluate it."""
    expression = parse(text, names=contexts.keys(), functions=functions)
    return expression.evaluate(contexts, status=status, hash_files=hash_files)
