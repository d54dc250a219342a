"""Evaluate a syntax tree against contexts, with GitHub's semantics.

Missing properties are null. ``x.*`` yields a *filter*: an array whose later ``.name``
and ``[i]`` apply to each item, keeping the items where the property exists, and whose
later ``.*`` flattens. ``&&``/``||`` yield an operand. Strings that functions build may
not together exceed GitHub's memory bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from runner.errors import ExpressionError
from runner.expr.functions import MAX_MEMORY, MEMORY_MESSAGE
from runner.expr.nodes import Call, Case, Compare, Index, Interpolation, Literal, Logical, Member, Name, Node, Not, Wildcard
from runner.expr.scope import HashFiles, Scope, Status
from runner.expr.values import (
    Value,
    fold,
    is_primitive,
    is_truthy,
    lookup,
    loose_compare,
    loose_equals,
    to_display_string,
    to_number,
)

_DEFAULT_STATUS = Status()


class _Filter(list[Value]):
    """The result of ``.*`` / ``[*]``: indexing it indexes each item."""

    __slots__ = ()


def evaluate_tree(
    root: Node,
    text: str,
    contexts: Mapping[str, Value],
    *,
    status: Status | None = None,
    hash_files: HashFiles | None = None,
) -> Value:
    """Evaluate ``root`` (parsed from ``text``); raises ``ExpressionError`` with the failing node's offset."""
    run = _Evaluation(text, contexts, status or _DEFAULT_STATUS, hash_files)
    result = run.evaluate(root)
    return list(result) if type(result) is _Filter else result


def _get(container: Value, key: Value) -> tuple[bool, Value]:
    """Index one array or object by a primitive key: (found, value)."""
    if isinstance(container, dict):
        if isinstance(key, str):
            return lookup(container, key)
        if is_primitive(key):
            return lookup(container, to_display_string(key))
    elif isinstance(container, list) and is_primitive(key):
        number = to_number(key)
        if number == number and number not in (math.inf, -math.inf):
            index = math.floor(number)
            if 0 <= index < len(container):
                return True, container[index]
    return False, None


def _index(target: Value, key: Value) -> Value:
    if type(target) is _Filter:
        result = _Filter()
        for item in target:
            found, value = _get(item, key)
            if found:
                result.append(value)
        return result
    return _get(target, key)[1]


def _wildcard(target: Value) -> Value:
    if type(target) is _Filter:
        result = _Filter()
        for item in target:
            if isinstance(item, list):
                result.extend(item)
            elif isinstance(item, dict):
                result.extend(item.values())
        return result
    if isinstance(target, list):
        return _Filter(target)
    if isinstance(target, dict):
        return _Filter(target.values())
    return _Filter()


def _size(value: Value) -> int:
    if isinstance(value, str):
        return 2 * len(value)
    if isinstance(value, (list, dict)):
        return 16 * len(value)
    return 8


class _Evaluation:
    """The state of one evaluation: contexts by folded name, status, memory in use."""

    __slots__ = ("text", "contexts", "by_key", "status", "hash_files", "memory", "scope")

    def __init__(self, text: str, contexts: Mapping[str, Value], status: Status, hash_files: HashFiles | None) -> None:
        self.text = text
        self.contexts = contexts
        self.by_key = {fold(name): value for name, value in contexts.items()}
        self.status = status
        self.hash_files = hash_files
        self.memory = 0
        self.scope: Scope | None = None

    def evaluate(self, node: Node) -> Value:
        return _DISPATCH[type(node)](self, node)

    def _literal(self, node: Literal) -> Value:
        return node.value

    def _name(self, node: Name) -> Value:
        return self.by_key.get(node.key)

    def _member(self, node: Member) -> Value:
        return _index(self.evaluate(node.target), node.name)

    def _index(self, node: Index) -> Value:
        target = self.evaluate(node.target)
        return _index(target, self.evaluate(node.index))

    def _wildcard(self, node: Wildcard) -> Value:
        return _wildcard(self.evaluate(node.target))

    def _not(self, node: Not) -> Value:
        return not is_truthy(self.evaluate(node.operand))

    def _compare(self, node: Compare) -> Value:
        left, right = self.evaluate(node.left), self.evaluate(node.right)
        op = node.op
        if op == "==":
            return loose_equals(left, right)
        if op == "!=":
            return not loose_equals(left, right)
        order = loose_compare(left, right)
        if order is None:
            return False
        if op == "<":
            return order < 0
        if op == "<=":
            return order <= 0
        if op == ">":
            return order > 0
        return order >= 0

    def _logical(self, node: Logical) -> Value:
        stop_when = node.op == "||"
        value: Value = None
        for operand in node.operands:
            value = self.evaluate(operand)
            if is_truthy(value) is stop_when:
                return value
        return value

    def _call(self, node: Call) -> Value:
        mark = self.memory
        args = [self.evaluate(arg) for arg in node.args]
        if self.scope is None:
            self.scope = Scope(contexts=self.contexts, status=self.status, hash_files=self.hash_files)
        try:
            result = node.function(args, self.scope)
        except ExpressionError as exc:
            raise ExpressionError(exc.message, expression=self.text, offset=node.offset) from exc
        self.memory = mark + _size(result)
        if self.memory > MAX_MEMORY:
            raise ExpressionError(MEMORY_MESSAGE, expression=self.text, offset=node.offset)
        return result

    def _case(self, node: Case) -> Value:
        args = node.args
        for index in range(0, len(args) - 1, 2):
            predicate = self.evaluate(args[index])
            if not isinstance(predicate, bool):
                message = "case predicate must evaluate to a boolean value"
                raise ExpressionError(message, expression=self.text, offset=node.offset)
            if predicate:
                return self.evaluate(args[index + 1])
        return self.evaluate(args[-1])

    def _interpolation(self, node: Interpolation) -> Value:
        pieces = []
        starts = iter(node.starts)
        for part in node.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            start = next(starts)
            try:
                pieces.append(to_display_string(self.evaluate(part)))
            except ExpressionError as exc:
                offset = None if exc.offset is None else start + exc.offset
                raise ExpressionError(exc.message, expression=self.text, offset=offset) from exc
        return "".join(pieces)


_DISPATCH: dict[type, Callable[[_Evaluation, Node], Value]] = {
    Literal: _Evaluation._literal,  # type: ignore[dict-item]
    Name: _Evaluation._name,  # type: ignore[dict-item]
    Member: _Evaluation._member,  # type: ignore[dict-item]
    Index: _Evaluation._index,  # type: ignore[dict-item]
    Wildcard: _Evaluation._wildcard,  # type: ignore[dict-item]
    Not: _Evaluation._not,  # type: ignore[dict-item]
    Compare: _Evaluation._compare,  # type: ignore[dict-item]
    Logical: _Evaluation._logical,  # type: ignore[dict-item]
    Call: _Evaluation._call,  # type: ignore[dict-item]
    Case: _Evaluation._case,  # type: ignore[dict-item]
    Interpolation: _Evaluation._interpolation,  # type: ignore[dict-item]
}
