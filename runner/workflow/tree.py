"""The located YAML tree: every scalar, list and map keeps the file position it came from.

The loader builds it; the readers of the workflow model walk it. Values of scalars are
already resolved with YAML 1.2 core-schema rules, so ``on`` and ``yes`` stay strings.
"""

from __future__ import annotations

from typing import NamedTuple

from runner.errors import Mark

ScalarValue = None | bool | int | float | str
"""What a YAML scalar resolves to."""

Plain = None | bool | int | float | str | list["Plain"] | dict[str, "Plain"]
"""A YAML value stripped of its positions."""


class Scalar(NamedTuple):
    """A scalar with its resolved value and position.

    The tree's nodes are named tuples, not dataclasses: the loader makes one per YAML
    node (60,000 for the largest real workflow) and tuples are several times cheaper
    to build. They are just as immutable.
    """

    value: ScalarValue
    text: str
    """The value as a string, as GitHub reads a scalar where a string is expected
    (null is ``''``, booleans ``true``/``false``); see :func:`scalar_text`."""
    file: str
    line: int
    col: int
    start: int
    """Character offset of the scalar's source text in the file."""
    end: int
    style: str
    """``''`` for a plain scalar; ``'`` / ``"`` quoted; ``|`` / ``>`` block."""

    @property
    def mark(self) -> Mark:
        """Where the scalar starts."""
        return Mark(self.file, self.line, self.col)

    @property
    def span(self) -> tuple[int, int]:
        """Character offsets (start, end) of the scalar's source text."""
        return (self.start, self.end)



def scalar_text(value: ScalarValue) -> str:
    """A scalar value as GitHub reads it where a string is expected."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class Seq(NamedTuple):
    """A YAML sequence."""

    items: tuple[Node, ...]
    file: str
    line: int
    col: int

    @property
    def mark(self) -> Mark:
        """Where the sequence starts."""
        return Mark(self.file, self.line, self.col)


class Map(NamedTuple):
    """A YAML mapping; keys are scalars, order is kept, duplicates were rejected at load."""

    pairs: tuple[tuple[Scalar, Node], ...]
    file: str
    line: int
    col: int
    by_key: dict[str, Node]
    """Values by key text (lookups are hot when reading workflows)."""

    @property
    def mark(self) -> Mark:
        """Where the mapping starts."""
        return Mark(self.file, self.line, self.col)

    def get(self, key: str) -> Node | None:
        """The value under ``key``, if present."""
        return self.by_key.get(key)

    def key_node(self, key: str) -> Scalar | None:
        """The key scalar itself (for pointing errors at a key)."""
        for k, _ in self.pairs:
            if k.text == key:
                return k
        return None

    def keys(self) -> list[str]:
        """The keys as strings, in file order."""
        return [k.text for k, _ in self.pairs]


Node = Scalar | Seq | Map
"""Any node of the tree."""


def kind_name(node: Node) -> str:
    """A user-facing name of the node's kind, for 'expected X, got Y' errors."""
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a sequence"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def to_plain(node: Node) -> Plain:
    """The value without positions (for JSON output, matrix values, inputs)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Seq):
        return [to_plain(item) for item in node.items]
    return {k.text: to_plain(v) for k, v in node.pairs}
