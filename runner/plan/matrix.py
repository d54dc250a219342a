"""Matrix expansion: an evaluated ``strategy.matrix`` → its legs, in GitHub's order.

GitHub's rules ("Running variations of jobs in a workflow", and its workflow parser):

- The cross product of the vectors, the first vector varying slowest.
- ``exclude`` drops every combination an entry matches. An entry matches when each
  of its leaf values equals the value at the same place in the combination, with
  the expression ``==`` (strings ignore case, different kinds compare as numbers);
  nested objects match partially. Every ``exclude`` key must be a vector.
- Then each ``include`` entry, in order: its keys that are vectors must match the
  combination as ``exclude`` entries do; if they do, its other keys are added to
  the combination, overwriting values added by earlier entries. An entry that
  matches no combination becomes a combination of its own, after the product.
- Matrix keys are case-insensitive. At most 256 legs; an empty vector is an error.
- A leg is named by its scalar values, depth first, nulls and empty strings left
  out; values that an ``include`` entry adds to a product combination do not
  appear in its name (they are added after GitHub names the leg).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from runner.errors import PlanError
from runner.expr.values import Value, fold, format_number, loose_equals, lookup

__all__ = ["MatrixError", "MatrixLeg", "display_name", "expand_matrix", "leg_label", "matches_selection"]

MAX_LEGS = 256
"""GitHub's limit on the jobs one matrix generates."""
MAX_NAME_LENGTH = 100
"""GitHub cuts a matrix job's display name to this many characters (ending in ``...``)."""
_RESERVED = ("include", "exclude")


class MatrixError(PlanError):
    """A matrix cannot be expanded; the message names the offending key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixLeg:
    """One combination of a matrix."""

    values: dict[str, Value]
    """The ``matrix`` context: vector values in vector order, then keys added by ``include``."""
    index: int
    """``strategy.job-index``: the position of this leg, from 0."""
    label: str
    """The part of the display name in parentheses, as GitHub builds it (may be empty)."""


def expand_matrix(matrix: Mapping[str, Value] | None, *, limit: int = MAX_LEGS) -> tuple[MatrixLeg, ...]:
    """Expand an evaluated matrix; ``None`` (no matrix) gives one leg with no values."""
    if matrix is None:
        return (MatrixLeg(values={}, index=0, label=""),)
    if not isinstance(matrix, Mapping):
        raise MatrixError(f"the matrix must be a mapping, not {_kind(matrix)}")
    vectors = _vectors(matrix)
    folded_vectors = {fold(key) for key in vectors}
    excludes = _entries(matrix, "exclude")
    includes = [_Include.split(entry, folded_vectors) for entry in _entries(matrix, "include")]
    for number, entry in enumerate(excludes, 1):
        for key in entry:
            if fold(key) not in folded_vectors:
                raise MatrixError(f"matrix 'exclude' entry {number} names '{key}', which is not a vector of the matrix")
    if not vectors and not includes:
        raise MatrixError("the matrix defines no vectors and no 'include' entries")

    product = 1
    for values in vectors.values():
        product *= len(values)
    if vectors and product > limit * MAX_LEGS:
        raise MatrixError(f"matrix vectors multiply to {product} combinations before 'exclude'; at most {limit} are allowed")

    combos: list[tuple[dict[str, Value], dict[str, Value]]] = []  # (named values, include extras)
    is_matched = [False] * len(includes)
    for combo in _product(vectors) if vectors else ():
        if any(_filter_matches(entry, combo) for entry in excludes):
            continue
        extra: dict[str, Value] = {}
        for number, include in enumerate(includes):
            if _filter_matches(include.filter, combo):
                is_matched[number] = True
                _merge(extra, include.extra)
        combos.append((combo, extra))
    combos.extend(({**include.filter, **include.extra}, {}) for include, hit in zip(includes, is_matched) if not hit)

    if not combos:
        raise MatrixError("every combination of the matrix is excluded and no 'include' entry adds one")
    if len(combos) > limit:
        raise MatrixError(f"matrix has {len(combos)} combinations; at most {limit} are allowed")
    return tuple(
        MatrixLeg(values=copy.deepcopy({**named, **extra}), index=index, label=leg_label(named))
        for index, (named, extra) in enumerate(combos)
    )


def leg_label(values: Mapping[str, Value]) -> str:
    """The scalar values of ``values`` joined by ``", "``, depth first, as GitHub names a leg.

    Booleans print as ``true``/``false``, numbers in .NET's 15-digit general format
    (``3.1``, ``12``, ``1E+21``); nulls and empty strings are left out.
    """
    segments: list[str] = []
    _collect(list(values.values()), segments)
    return ", ".join(segments)


def display_name(job_name: str, label: str) -> str:
    """A matrix leg's display name: ``build (3.12, ubuntu-latest)``, cut to 100 characters."""
    name = f"{job_name} ({label})" if label else job_name
    return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 3] + "..."


def matches_selection(values: Mapping[str, Value], selection: Mapping[str, str | Collection[str]]) -> bool:
    """Whether a leg survives ``--matrix key:value`` narrowing (act's rule).

    Each selected key the leg has must show one of the selected texts (a value as
    `leg_label` prints it; arrays and objects as compact JSON). Keys the leg lacks
    do not narrow it; keys compare ignoring case, values exactly.
    """
    for key, wanted in selection.items():
        found, value = lookup(values, key)
        if not found:
            continue
        text = _selection_text(value)
        if (text != wanted) if isinstance(wanted, str) else (text not in wanted):
            return False
    return True


@dataclass(frozen=True, slots=True)
class _Include:
    """An ``include`` entry split into the vector keys it matches on and the keys it adds."""

    filter: dict[str, Value]
    extra: dict[str, Value]

    @classmethod
    def split(cls, entry: dict[str, Value], folded_vectors: set[str]) -> _Include:
        filter_: dict[str, Value] = {}
        extra: dict[str, Value] = {}
        for key, value in entry.items():
            (filter_ if fold(key) in folded_vectors else extra)[key] = value
        return cls(filter_, extra)


def _vectors(matrix: Mapping[str, Value]) -> dict[str, list[Value]]:
    vectors: dict[str, list[Value]] = {}
    seen: dict[str, str] = {}
    for key, values in matrix.items():
        if key in _RESERVED:
            continue
        if fold(key) in seen:
            raise MatrixError(f"matrix keys '{seen[fold(key)]}' and '{key}' differ only in case; matrix keys ignore case")
        seen[fold(key)] = key
        if not isinstance(values, list):
            raise MatrixError(f"matrix vector '{key}' must be a list of values, not {_kind(values)}")
        if not values:
            raise MatrixError(f"matrix vector '{key}' has no values")
        vectors[key] = values
    return vectors


def _entries(matrix: Mapping[str, Value], name: str) -> list[dict[str, Value]]:
    """The mappings listed under ``include`` or ``exclude``."""
    entries = matrix.get(name)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise MatrixError(f"matrix '{name}' must be a list of mappings, not {_kind(entries)}")
    checked: list[dict[str, Value]] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise MatrixError(f"matrix '{name}' entry {number} must be a mapping, not {_kind(entry)}")
        if not entry:
            raise MatrixError(f"matrix '{name}' entry {number} is empty")
        folded = [fold(key) for key in entry]
        if len(set(folded)) != len(folded):
            raise MatrixError(f"matrix '{name}' entry {number} repeats a key (matrix keys ignore case)")
        checked.append(entry)
    return checked


def _product(vectors: Mapping[str, Sequence[Value]]) -> list[dict[str, Value]]:
    """The cross product, the first vector varying slowest."""
    combos: list[dict[str, Value]] = [{}]
    for key, values in vectors.items():
        combos = [{**combo, key: value} for combo in combos for value in values]
    return combos


def _filter_matches(entry: Mapping[str, Value], combo: Mapping[str, Value]) -> bool:
    """Whether every leaf of ``entry`` equals (``==``) the value at its place in ``combo``."""
    return all(_leaf_matches(value, lookup(combo, key)[1]) for key, value in entry.items())


def _leaf_matches(wanted: Value, actual: Value) -> bool:
    if isinstance(wanted, dict):
        return all(_leaf_matches(value, lookup(actual, key)[1] if isinstance(actual, dict) else None) for key, value in wanted.items())
    if isinstance(wanted, list):
        return all(
            _leaf_matches(value, actual[index] if isinstance(actual, list) and index < len(actual) else None)
            for index, value in enumerate(wanted)
        )
    return loose_equals(actual, wanted)


def _merge(target: dict[str, Value], source: Mapping[str, Value]) -> None:
    """Set ``source``'s keys in ``target``, overwriting a key that differs only in case in place."""
    spelled = {fold(key): key for key in target}
    for key, value in source.items():
        target[spelled.get(fold(key), key)] = value


def _collect(values: Sequence[Value], segments: list[str]) -> None:
    for value in values:
        if isinstance(value, dict):
            _collect(list(value.values()), segments)
        elif isinstance(value, list):
            _collect(value, segments)
        elif isinstance(value, bool):
            segments.append("true" if value else "false")
        elif isinstance(value, (int, float)):
            segments.append(format_number(float(value)))
        elif value:  # a non-empty string; null and '' name nothing
            segments.append(value)


def _selection_text(value: Value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    segments: list[str] = []
    _collect([value], segments)
    return segments[0] if segments else ""


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
