"""The syntax tree of a parsed expression: immutable nodes, each knowing where it starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from runner.expr.scope import Function
from runner.expr.values import Value


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal:
    """``null``, ``true``, a number or a quoted string."""

    value: Value
    """The literal's value."""
    offset: int
    """0-based start of the node in the expression text (so are all offsets below)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Name:
    """A context name such as ``github``."""

    name: str
    """As written."""
    key: str
    """Case-folded, for lookup."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """``target.name``."""

    target: Node
    """The value whose property is read."""
    name: str
    """The property name as written (looked up ignoring case)."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Index:
    """``target[index]``."""

    target: Node
    """The array or object indexed."""
    index: Node
    """The index: a number for arrays, a key (printed as a string) for objects."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Wildcard:
    """``target.*`` or ``target[*]``: the object's values or array's items, as a filter."""

    target: Node
    """The array or object filtered."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Not:
    """``!operand``: a boolean."""

    operand: Node
    """The negated value."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Compare:
    """``left op right`` for ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``."""

    op: str
    """The operator as written."""
    left: Node
    """The left operand."""
    right: Node
    """The right operand."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Logical:
    """A chain of ``&&`` or of ``||``: yields the deciding operand, not a boolean."""

    op: str
    """``&&`` or ``||``."""
    operands: tuple[Node, ...]
    """Two or more operands, evaluated left to right until one decides."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A function call with eagerly evaluated arguments."""

    name: str
    """As written."""
    function: Function
    """The function called, resolved when parsing."""
    args: tuple[Node, ...]
    """The argument expressions."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """``case(pred1, value1, …, default)``: arguments evaluated only as far as needed."""

    args: tuple[Node, ...]
    """Predicate and value pairs, then the default."""
    offset: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Interpolation:
    """Literal text with embedded expressions, as a string (``a-${{ x }}``)."""

    parts: tuple[str | Node, ...]
    """Literal text and embedded expressions, in order."""
    starts: tuple[int, ...]
    """Where each node's expression text starts in the whole text (its offsets count from there)."""
    offset: int


Node: TypeAlias = Literal | Name | Member | Index | Wildcard | Not | Compare | Logical | Call | Case | Interpolation
"""Any syntax tree node."""


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``, left to right (a member name is no node)."""
    if isinstance(node, (Member, Wildcard)):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, (Call, Case)):
        return node.args
    if isinstance(node, Interpolation):
        return tuple(part for part in node.parts if not isinstance(part, str))
    return ()
