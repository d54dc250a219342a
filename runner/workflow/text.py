"""Located values that may hold expressions.

Strings that may hold ``${{ }}`` are :class:`Text` (parsed once, at load); ``if:`` values
are :class:`Condition`; free-form values (``with:``, ``strategy``, ``container``) are
:data:`Tree` whose string leaves are :class:`Text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from runner.errors import ExpressionError, Mark
from runner.expr import Expression, HashFiles, Status, Template, Value, is_truthy, to_display_string


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


_INSERT = re.compile(r"\s*\$\{\{\s*insert\s*\}\}\s*", re.IGNORECASE)

Tree = None | bool | int | float | Text | list["Tree"] | dict[str, "Tree"]
"""A free-form value whose strings are :class:`Text`."""


def is_insert(key: str) -> bool:
    """Whether a mapping key is GitHub's ``${{ insert }}`` directive (merge the value in)."""
    return _INSERT.fullmatch(key) is not None


def evaluate_tree(
    tree: Tree, contexts: Mapping[str, Value], *, status: Status | None = None, hash_files: HashFiles | None = None
) -> Value:
    """The tree with every :class:`Text` evaluated in ``contexts``, as GitHub's templates do:
    a sequence item that is one expression giving a sequence is spliced in; a key
    ``${{ insert }}`` merges its mapping into the parent; other keys may be expressions."""
    if isinstance(tree, Text):
        return tree.evaluate(contexts, status=status, hash_files=hash_files)
    if isinstance(tree, list):
        items: list[Value] = []
        for item in tree:
            value = evaluate_tree(item, contexts, status=status, hash_files=hash_files)
            if isinstance(item, Text) and item.template.whole is not None and isinstance(value, list):
                items.extend(value)
            else:
                items.append(value)
        return items
    if isinstance(tree, dict):
        mapping: dict[str, Value] = {}
        for key, child in tree.items():
            value = evaluate_tree(child, contexts, status=status, hash_files=hash_files)
            if is_insert(key):
                if not isinstance(value, dict):
                    raise ExpressionError("${{ insert }} needs a mapping to merge", expression=key)
                mapping.update(value)
            elif "${{" in key:
                mapping[to_display_string(Template.parse(key).evaluate(contexts, status=status))] = value
            else:
                mapping[key] = value
        return mapping
    return tree


def tree_references(tree: Tree) -> frozenset[str]:
    """Every context name the tree's expressions read."""
    if isinstance(tree, Text):
        return tree.template.references
    if isinstance(tree, list):
        return frozenset().union(*(tree_references(item) for item in tree))
    if isinstance(tree, dict):
        keys = [Template.parse(k).references for k in tree if "${{" in k and not is_insert(k)]
        return frozenset().union(*keys, *(tree_references(value) for value in tree.values()))
    return frozenset()
