"""Values written as one ``${{ }}`` where GitHub's schema allows a mapping or a sequence.

At load such a value is kept as :class:`Text` (its contexts checked like any expression);
when the job or step runs, :func:`resolve` evaluates it and reads the result with the same
reader function the file's own YAML goes through, so the result is checked for the shape
and types the place needs and a wrong one is an error at the expression's position.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypeVar

from runner.errors import ExpressionError, Mark
from runner.expr import HashFiles, Status, Value, to_display_string
from runner.workflow.model import Container, RunDefaults, Strategy
from runner.workflow.read_container import read_container, read_services, read_text_list
from runner.workflow.read_job import read_defaults, read_strategy
from runner.workflow.reader import Reader
from runner.workflow.text import Text, Tree, evaluate_tree
from runner.workflow.tree import Map, Node, Scalar, Seq, kind_name

T = TypeVar("T")

def resolve(
    value: T | Text,
    contexts: Mapping[str, Value],
    read: Callable[[Reader, Node], T | None],
    where: str,
    *,
    status: Status | None = None,
    hash_files: HashFiles | None = None,
) -> T:
    """``value`` itself, or, when it is one expression, what the expression gives, read as
    ``where`` in the file would be; raises :class:`ExpressionError` at the expression's
    position when evaluation fails or gives a value of the wrong shape."""
    if not isinstance(value, Text):
        return value
    evaluated = value.evaluate(contexts, status=status, hash_files=hash_files)
    reader = Reader(value.mark.file, "", is_evaluated=True)
    node = to_node(evaluated, value.mark)
    result = read(reader, node)
    errors = [d.message for d in reader.diagnostics if d.severity == "error"]
    if errors or result is None:
        detail = "; ".join(errors) or f"'{where}' cannot be {kind_name(node)}"
        raise ExpressionError(f"the value of '{where}' does not fit: {detail}", expression=value.source, mark=value.mark)
    return result


def to_node(value: Value, mark: Mark) -> Node:
    """An evaluated value as a tree every node of which stands at ``mark``."""
    file, line, col = mark
    if isinstance(value, dict):
        pairs = tuple((_scalar(key, mark), to_node(item, mark)) for key, item in value.items())
        return Map(pairs, file, line, col, {key.text: item for key, item in pairs})
    if isinstance(value, list):
        return Seq(tuple(to_node(item, mark) for item in value), file, line, col)
    return _scalar(value, mark)


def _scalar(value: Value, mark: Mark) -> Scalar:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # expressions compute with doubles; 2.0 is the number 2 here
    assert value is None or isinstance(value, (bool, int, float, str))
    return Scalar(value, to_display_string(value), mark.file, mark.line, mark.col, 0, 0, '"')



def _whole(read: Callable[[Reader, Node], T | Text | None]) -> Callable[[Reader, Node], T | None]:
    """``read`` for an evaluated value, which is never kept as an expression again."""

    def concrete(r: Reader, node: Node) -> T | None:
        value = read(r, node)
        assert not isinstance(value, Text)  # an evaluated tree's strings are never expressions
        return value

    return concrete


def resolve_texts(value: dict[str, Text] | Text, contexts: Mapping[str, Value], where: str, *, hash_files: HashFiles | None = None) -> dict[str, Text]:
    """An ``env``, ``with`` or ``credentials`` mapping (names to strings)."""
    return resolve(value, contexts, lambda r, node: r.texts(node, (), where), where, hash_files=hash_files)


def resolve_text_list(value: tuple[Text, ...] | Text, contexts: Mapping[str, Value], where: str) -> tuple[Text, ...]:
    """A container's ``ports`` or ``volumes``."""
    return resolve(value, contexts, _whole(lambda r, node: read_text_list(r, node, where)), where)


def resolve_container(value: Container | Text, contexts: Mapping[str, Value], where: str) -> Container:
    """A ``container`` or one service: an image name or a mapping."""
    return resolve(value, contexts, _whole(lambda r, node: read_container(r, node, where)), where)


def resolve_services(value: dict[str, Container | Text] | Text, contexts: Mapping[str, Value]) -> dict[str, Container]:
    """``services``, each service resolved too."""
    services = resolve(value, contexts, _whole(read_services), "services")
    return {name: resolve_container(spec, contexts, f"services.{name}") for name, spec in services.items()}


def resolve_strategy(value: Strategy | Text | None, contexts: Mapping[str, Value]) -> Strategy | None:
    """A job's ``strategy``."""
    if value is None:
        return None
    return resolve(value, contexts, _whole(read_strategy), "strategy")


def resolve_defaults(value: RunDefaults | Text, contexts: Mapping[str, Value]) -> RunDefaults:
    """A job's ``defaults`` (``defaults.run`` given as one expression)."""

    def read(r: Reader, node: Node) -> RunDefaults:
        return read_defaults(r, Map(((Scalar("run", "run", *node.mark, 0, 0, ""), node),), *node.mark, {"run": node}), frozenset())

    return resolve(value, contexts, read, "defaults.run")


def resolve_flag(value: Tree, contexts: Mapping[str, Value], where: str, *, hash_files: HashFiles | None = None) -> bool:
    """``continue-on-error`` or ``fail-fast``: a boolean, or an expression that must give
    one (or the string ``true`` / ``false``, as an input of type string would)."""
    if not isinstance(value, Text):
        return value is True  # a literal, checked at load
    result = value.evaluate(contexts, hash_files=hash_files)
    if isinstance(result, str) and result.lower() in ("true", "false"):
        return result.lower() == "true"
    if isinstance(result, bool):
        return result
    raise _misfit(value, result, f"'{where}' must be true or false")


def resolve_number(value: Tree, contexts: Mapping[str, Value], where: str, *, hash_files: HashFiles | None = None) -> float | None:
    """``max-parallel``: a positive number, or an expression that must give one (or a
    string of one); None when not given."""
    if not isinstance(value, Text):  # a literal, checked at load
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    result = value.evaluate(contexts, hash_files=hash_files)
    number = _number(result)
    if number is None or not number > 0:
        raise _misfit(value, result, f"'{where}' must be a positive number")
    return number


def resolve_timeout(value: Tree, contexts: Mapping[str, Value], where: str, *, hash_files: HashFiles | None = None) -> float | None:
    """``timeout-minutes``: a number of minutes, or an expression that must give one (or a
    string of one); None when not given, or when zero or less or infinite, as GitHub's
    runner sets no timeout then."""
    if not isinstance(value, Text):  # a literal, checked (and such values made None) at load
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    result = value.evaluate(contexts, hash_files=hash_files)
    number = _number(result)
    if number is None or math.isnan(number):
        raise _misfit(value, result, f"'{where}' must be a number of minutes")
    return number if 0 < number < math.inf else None


def _number(result: Value) -> float | None:
    """A number, or the number a string spells; None for anything else."""
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return float(result)
    if isinstance(result, str):
        try:
            return float(result)
        except ValueError:
            return None
    return None


def resolve_runs_on(value: Tree, contexts: Mapping[str, Value], mark: Mark) -> list[str]:
    """The labels of a job's ``runs-on`` (a label, a list of labels, or ``{group, labels}``,
    the group counting as one more label), its expressions evaluated. A value of another
    shape (null, an empty label or list, a mapping without labels, a list holding lists) is
    an :class:`ExpressionError` at the expression's position (``mark``, the job's, when no
    expression gave it), never a job that silently finds no executor."""
    evaluated = evaluate_tree(value, contexts)
    labels = _labels(evaluated)
    if labels:
        return labels
    text = _first_text(value)
    shown = _shape(evaluated, mark)
    wanted = "'runs-on' must give a label, a list of labels or {group, labels}"
    if text is None:
        raise ExpressionError(f"{wanted}, not {shown}", expression="runs-on", mark=mark)
    raise ExpressionError(f"{wanted}, not {shown}", expression=text.source, mark=text.mark)


def _labels(value: Value) -> list[str] | None:
    """``runs-on``'s labels, None for a value of the wrong shape (or no labels at all)."""
    if isinstance(value, dict):
        if not set(value) <= {"group", "labels"}:
            return None
        group, inner = value.get("group"), value.get("labels")
        labels = _labels(inner) if inner is not None else []
        if labels is None or (group is not None and not _is_label(group)):
            return None
        return labels + ([to_display_string(group)] if group is not None else [])
    items = value if isinstance(value, list) else [value]
    if not all(_is_label(item) for item in items):
        return None
    return [to_display_string(item) for item in items]


def _shape(value: Value, mark: Mark) -> str:
    """What a wrong ``runs-on`` value is, in a few words."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        if not value:
            return "an empty sequence"
        wrong = next(item for item in value if not _is_label(item))
        shown = f"'{wrong}'" if isinstance(wrong, str) else kind_name(to_node(wrong, mark))
        return f"a sequence holding {shown}"
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"group", "labels"})
        if unknown:
            return f"a mapping with the key '{unknown[0]}'"
        return "a mapping without labels" if not value else f"a mapping whose labels are {_shape(value.get('labels'), mark)}"
    return kind_name(to_node(value, mark))


def _is_label(value: Value) -> bool:
    # a number or boolean is a label too, as GitHub reads a YAML scalar; an empty one is not
    return isinstance(value, (str, int, float, bool)) and to_display_string(value).strip() != ""


def _first_text(tree: Tree) -> Text | None:
    """The first expression of ``tree`` (the likely culprit of a wrong shape), if any."""
    if isinstance(tree, Text):
        return None if tree.is_literal else tree
    children = tree if isinstance(tree, list) else list(tree.values()) if isinstance(tree, dict) else []
    return next((found for child in children if (found := _first_text(child)) is not None), None)


def _misfit(value: Text, result: Value, wanted: str) -> ExpressionError:
    """The error for an evaluated value of the wrong type, at the expression's position."""
    is_shown = isinstance(result, (str, int, float)) and not isinstance(result, bool)
    shown = f"'{to_display_string(result)}'" if is_shown else kind_name(to_node(result, value.mark))
    return ExpressionError(f"{wanted}, not {shown}", expression=value.source, mark=value.mark)
