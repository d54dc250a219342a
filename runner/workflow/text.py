"""Located values that may hold expressions.

Strings that may hold ``${{ }}`` are :class:`Text` (parsed once, at load); ``if:`` values
are :class:`Condition`; free-form values (``with:``, ``strategy``, ``container``) are
:data:`Tree` whose string leaves are :class:`Text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runner.errors import ExpressionError, Mark
from runner.expr import Expression, HashFiles, Status, Template, Value, is_truthy


@dataclass(frozen=True, slots=True)
class Text:
    """A string from the file that may hold ``${{ }}`` expressions, with its position."""

    template: Template
    mark: Mark

    @property
    def source(self) -> str:
        """The string as written."""
        return self.template.source

    @property
    def is_literal(self) -> bool:
        """True when the string holds no expression."""
        return self.template.is_literal

    def evaluate(
        self, contexts: Mapping[str, Value], *, status: Status | None = None, hash_files: HashFiles | None = None
    ) -> Value:
        """The value in ``contexts``; evaluation errors carry this text's position."""
        try:
            return self.template.evaluate(contexts, status=status, hash_files=hash_files)
        except ExpressionError as exc:
            raise exc.located(self.mark) from None


@dataclass(frozen=True, slots=True)
class Condition:
    """An ``if:`` value, compiled with GitHub's implicit ``success() &&``."""

    expression: Expression
    source: str
    mark: Mark

    def holds(self, contexts: Mapping[str, Value], *, status: Status, hash_files: HashFiles | None = None) -> bool:
        """Whether the condition is true; evaluation errors carry its position."""
        try:
            return is_truthy(self.expression.evaluate(contexts, status=status, hash_files=hash_files))
        except ExpressionError as exc:
            raise exc.located(self.mark) from None


Tree = None | bool | int | float | Text | list["Tree"] | dict[str, "Tree"]
"""A free-form value whose strings are :class:`Text`."""


def evaluate_tree(
    tree: Tree, contexts: Mapping[str, Value], *, status: Status | None = None, hash_files: HashFiles | None = None
) -> Value:
    """The tree with every :class:`Text` evaluated in ``contexts``."""
    if isinstance(tree, Text):
        return tree.evaluate(contexts, status=status, hash_files=hash_files)
    if isinstance(tree, list):
        return [evaluate_tree(item, contexts, status=status, hash_files=hash_files) for item in tree]
    if isinstance(tree, dict):
        return {key: evaluate_tree(value, contexts, status=status, hash_files=hash_files) for key, value in tree.items()}
    return tree


def tree_references(tree: Tree) -> frozenset[str]:
    """Every context name the tree's expressions read."""
    if isinstance(tree, Text):
        return tree.template.references
    if isinstance(tree, list):
        return frozenset().union(*(tree_references(item) for item in tree))
    if isinstance(tree, dict):
        return frozenset().union(*(tree_references(value) for value in tree.values()))
    return frozenset()
