"""``if:`` conditions: optional ``${{ }}``, an implicit ``success() &&``, a boolean result."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from runner.expr.expression import Expression, parse
from runner.expr.functions import BUILTINS
from runner.expr.nodes import Call, Logical
from runner.expr.scope import Function, HashFiles, Status
from runner.expr.template import Template
from runner.expr.values import Value, is_truthy


def parse_condition(
    text: str,
    *,
    names: Collection[str] | None = None,
    functions: Mapping[str, Function] | None = None,
) -> Expression:
    """Parse an ``if:`` value as GitHub does.

    The value may be written with or without ``${{ }}``; empty means ``success()``; a
    condition that calls no status function (success, failure, cancelled, always)
    becomes ``success() && (condition)``. Error offsets are relative to ``text``.
    """
    if "${{" in text:
        inner = Template.parse(text, names=names, functions=functions).to_expression()
    else:
        inner = parse(text, names=names, functions=functions)
    if inner.has_status_function:
        return inner
    success = Call(name="success", function=BUILTINS["success"], args=(), offset=0)
    if not inner.text.strip():
        return Expression(text="success()", references=frozenset(), paths=(), has_status_function=True, root=success)
    return Expression(
        text=f"success() && ({inner.text})",
        references=inner.references,
        paths=inner.paths,
        has_status_function=True,
        root=Logical(op="&&", operands=(success, inner.root), offset=0),
    )


def evaluate_condition(
    text: str,
    contexts: Mapping[str, Value],
    *,
    status: Status,
    functions: Mapping[str, Function] | None = None,
    hash_files: HashFiles | None = None,
) -> bool:
    """Evaluate an ``if:`` value (see ``parse_condition``) to a boolean."""
    condition = parse_condition(text, names=contexts.keys(), functions=functions)
    return is_truthy(condition.evaluate(contexts, status=status, hash_files=hash_files))
