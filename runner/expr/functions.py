"""The built-in functions: contains, startsWith, endsWith, format, join, toJSON, fromJSON,
hashFiles and the status functions (``case`` is syntax-like and lives in the evaluator)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner.errors import ExpressionError
from runner.expr.scope import Scope
from runner.expr.values import (
    Value,
    fold,
    from_json,
    is_primitive,
    lookup,
    loose_equals,
    to_display_string,
    to_json,
)

MAX_ARGS = 255
"""The most arguments any variadic function takes."""
MAX_MEMORY = 1024 * 1024
"""Bytes (two per character) the strings an evaluation holds at once may take, as on GitHub."""
STATUS_FUNCTIONS = frozenset({"success", "failure", "cancelled", "always"})
"""Lower-cased names of the functions that read the run status."""
MEMORY_MESSAGE = "The maximum allowed memory size was exceeded"
"""The error when an evaluation's strings outgrow ``MAX_MEMORY`` (GitHub's wording)."""


def _fail(message: str) -> ExpressionError:
    # The evaluator fills in the expression text and the call's offset.
    return ExpressionError(message, expression="")


@dataclass(frozen=True, slots=True, kw_only=True)
class Builtin:
    """A built-in function; satisfies the ``Function`` protocol."""

    name: str
    """The canonical spelling."""
    min_args: int
    """The fewest arguments a call may pass."""
    max_args: int
    """The most arguments a call may pass."""
    implementation: Callable[[list[Value], Scope], Value]
    """Computes the result from the evaluated arguments."""

    def __call__(self, args: list[Value], scope: Scope) -> Value:
        """Compute the function's result."""
        return self.implementation(args, scope)


def _contains(args: list[Value], scope: Scope) -> Value:
    haystack, needle = args
    if isinstance(haystack, list):
        return any(loose_equals(item, needle) for item in haystack)
    if is_primitive(haystack):
        return fold(to_display_string(needle)) in fold(to_display_string(haystack))
    return False


def _starts_with(args: list[Value], scope: Scope) -> Value:
    text, prefix = args
    if not (is_primitive(text) and is_primitive(prefix)):
        return False
    return fold(to_display_string(text)).startswith(fold(to_display_string(prefix)))


def _ends_with(args: list[Value], scope: Scope) -> Value:
    text, suffix = args
    if not (is_primitive(text) and is_primitive(suffix)):
        return False
    return fold(to_display_string(text)).endswith(fold(to_display_string(suffix)))


def _format(args: list[Value], scope: Scope) -> Value:
    template = to_display_string(args[0])
    values = args[1:]
    pieces: list[str] = []
    size = 0
    index = 0
    length = len(template)
    while index < length:
        brace = _next_brace(template, index)
        if brace > index:
            pieces.append(template[index:brace])
            size += brace - index
        if brace == length:
            break
        char = template[brace]
        if brace + 1 < length and template[brace + 1] == char:
            pieces.append(char)
            size += 1
            index = brace + 2
            continue
        close = template.find("}", brace + 1) if char == "{" else -1
        number = template[brace + 1 : close]
        if close < 0 or not number.isascii() or not number.isdigit() or int(number) > 2**31 - 1:
            raise _fail(f"The following format string is invalid: {template}")
        if int(number) >= len(values):
            raise _fail(f"The following format string references more arguments than were supplied: {template}")
        text = to_display_string(values[int(number)])
        pieces.append(text)
        size += len(text)
        if 2 * size > MAX_MEMORY:
            raise _fail(MEMORY_MESSAGE)
        index = close + 1
    return "".join(pieces)


def _next_brace(text: str, start: int) -> int:
    opening, closing = text.find("{", start), text.find("}", start)
    if opening < 0:
        return closing if closing >= 0 else len(text)
    return opening if closing < 0 else min(opening, closing)


def _join(args: list[Value], scope: Scope) -> Value:
    separator = ","
    if len(args) > 1 and is_primitive(args[1]):
        separator = to_display_string(args[1])
    items = args[0]
    if isinstance(items, list):
        text = separator.join(to_display_string(item) for item in items)
        if 2 * len(text) > MAX_MEMORY:
            raise _fail(MEMORY_MESSAGE)
        return text
    return to_display_string(items) if is_primitive(items) else ""


def _to_json(args: list[Value], scope: Scope) -> Value:
    return to_json(args[0])


def _from_json(args: list[Value], scope: Scope) -> Value:
    text = to_display_string(args[0])
    try:
        return from_json(text)
    except ValueError as exc:
        raise _fail(f"Error parsing fromJson: {exc}") from exc


def _hash_files(args: list[Value], scope: Scope) -> Value:
    patterns = [to_display_string(arg) for arg in args]
    if scope.hash_files is not None:
        return scope.hash_files(patterns)
    found, github = lookup(scope.contexts, "github")
    workspace: Value = None
    if found and isinstance(github, dict):
        workspace = lookup(github, "workspace")[1]
    if not isinstance(workspace, str) or not workspace:
        raise _fail("hashFiles needs the github.workspace context")
    try:
        from runner.expr.hashfiles import hash_workspace_files  # hashlib and file walking: only when called

        return hash_workspace_files(workspace, patterns)
    except OSError as exc:
        raise _fail(f"hashFiles failed: {exc}") from exc


def _success(args: list[Value], scope: Scope) -> Value:
    return scope.status.success()


def _failure(args: list[Value], scope: Scope) -> Value:
    return scope.status.failure()


def _needs_results(args: list[Value], scope: Scope) -> list[Value]:
    """The ``result`` of each job named by ``args`` in the ``needs`` context (None: not there)."""
    needs = lookup(scope.contexts, "needs")[1]
    results: list[Value] = []
    for arg in args:
        found, need = lookup(needs, to_display_string(arg)) if isinstance(needs, dict) else (False, None)
        results.append(lookup(need, "result")[1] if found and isinstance(need, dict) else None)
    return results


def _jobs_success(args: list[Value], scope: Scope) -> Value:
    if not args:
        return scope.status.success()
    return not scope.status.cancelled() and all(result == "success" for result in _needs_results(args, scope))


def _jobs_failure(args: list[Value], scope: Scope) -> Value:
    if not args:
        return scope.status.failure()
    return not scope.status.cancelled() and any(result == "failure" for result in _needs_results(args, scope))


def _cancelled(args: list[Value], scope: Scope) -> Value:
    return scope.status.cancelled()


def _always(args: list[Value], scope: Scope) -> Value:
    return True


BUILTINS: dict[str, Builtin] = {
    builtin.name.lower(): builtin
    for builtin in (
        Builtin(name="contains", min_args=2, max_args=2, implementation=_contains),
        Builtin(name="startsWith", min_args=2, max_args=2, implementation=_starts_with),
        Builtin(name="endsWith", min_args=2, max_args=2, implementation=_ends_with),
        Builtin(name="format", min_args=1, max_args=MAX_ARGS, implementation=_format),
        Builtin(name="join", min_args=1, max_args=2, implementation=_join),
        Builtin(name="toJSON", min_args=1, max_args=1, implementation=_to_json),
        Builtin(name="fromJSON", min_args=1, max_args=1, implementation=_from_json),
        Builtin(name="hashFiles", min_args=1, max_args=MAX_ARGS, implementation=_hash_files),
        Builtin(name="success", min_args=0, max_args=0, implementation=_success),
        Builtin(name="failure", min_args=0, max_args=0, implementation=_failure),
        Builtin(name="cancelled", min_args=0, max_args=0, implementation=_cancelled),
        Builtin(name="always", min_args=0, max_args=0, implementation=_always),
    )
}
"""Built-in functions by lower-cased name."""

JOB_IF_FUNCTIONS: dict[str, Builtin] = {
    fold(builtin.name): builtin
    for builtin in (
        Builtin(name="success", min_args=0, max_args=MAX_ARGS, implementation=_jobs_success),
        Builtin(name="failure", min_args=0, max_args=MAX_ARGS, implementation=_jobs_failure),
    )
}
"""A job's ``if`` may name the needed jobs ``success()`` and ``failure()`` look at
(``success('build', 'test')``), as GitHub's schema allows there (``success(0,MAX)``); by
folded name, as the parser looks up place-specific functions."""
