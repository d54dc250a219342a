"""A compiled expression: parse once, evaluate against many sets of contexts."""

from __future__ import annotations

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
    syntax = parse_syntax(text, names=names, functions=functions)
    return Expression(
        text=text,
        references=syntax.references,
        paths=syntax.paths,
        has_status_function=syntax.has_status_function,
        root=syntax.root,
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
