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

    The value may be written with or without ``${{ }}`` around it; empty means
    ``success()``; a condition that calls no status function (success, failure,
    cancelled, always) becomes ``success() && (condition)``, as text, as on GitHub.
    Parse errors carry offsets into ``text``; evaluation errors into the result's text.
    """
    if "${{" in text:
        template = Template.parse(text, names=names, functions=functions)
        if template.whole is None:
            # Text around ${{ }}: the condition is that string, true unless empty.
            interpolated = template.to_expression()
            if interpolated.has_status_function:
                return interpolated
            success = Call(name="success", function=BUILTINS["success"], args=(), offset=0)
            return Expression(
                text=text,
                references=interpolated.references,
                paths=interpolated.paths,
                has_status_function=True,
                root=Logical(op="&&", operands=(success, interpolated.root), offset=0),
            )
        inner = template.whole
    else:
        inner = parse(text, names=names, functions=functions)
    if inner.has_status_function:
        return inner
    body = inner.text.strip()
    return parse(f"success() && ({body})" if body else "success()", names=names, functions=functions)


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
