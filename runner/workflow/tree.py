"""The located YAML tree: every scalar, list and map keeps the file position it came from.

The loader builds it; the readers of the workflow model walk it. Values of scalars are
already resolved with YAML 1.2 core-schema rules, so ``on`` and ``yes`` stay strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from runner.errors import Mark

ScalarValue = None | bool | int | float | str
"""What a YAML scalar resolves to."""

Plain = None | bool | int | float | str | list["Plain"] | dict[str, "Plain"]
"""A YAML value stripped of its positions."""


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar with its resolved value and position."""

    value: ScalarValue
    mark: Mark
    span: tuple[int, int]
    """Character offsets of the scalar's source text (start, end) in the file."""
    style: str
    """``''`` for a plain scalar; ``'`` / ``"`` quoted; ``|`` / ``>`` block."""

    @property
    def text(self) -> str:
        """The value as a string, as GitHub reads a scalar where a string is expected."""
        value = self.value
        if value is None:
            return ""
        if value is True:
            return "true"
        if value is False:
            return "false"
        return str(value)


@dataclass(frozen=True, slots=True)
class Seq:
    """A YAML sequence."""

    items: tuple[Node, ...]
    mark: Mark

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class Map:
    """A YAML mapping; keys are scalars, order is kept, duplicates were rejected at load."""

    pairs: tuple[tuple[Scalar, Node], ...]
    mark: Mark
    index: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)
    """Values by key text (built by the loader; lookups are hot when reading workflows)."""

    def get(self, key: str) -> Node | None:
        """The value under ``key``, if present."""
        return self.index.get(key)

    def key_node(self, key: str) -> Scalar | None:
        """The key scalar itself (for pointing errors at a key)."""
        for k, _ in self.pairs:
            if k.text == key:
                return k
        return None

    def keys(self) -> list[str]:
        """The keys as strings, in file order."""
        return [k.text for k, _ in self.pairs]

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


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
