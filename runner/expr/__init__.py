"""The ``${{ }}`` expression language of GitHub Actions, with GitHub's exact semantics.

Pure: nothing here does I/O except ``hashFiles``. Parse once (``parse``,
``parse_condition``, ``Template.parse``), then evaluate against contexts as often as
needed; every failure is an ``ExpressionError`` carrying an offset.
"""

from __future__ import annotations

from runner.expr.condition import evaluate_condition, parse_condition
from runner.expr.expression import Expression, evaluate, parse
from runner.expr.functions import JOB_IF_FUNCTIONS
from runner.expr.scope import Function, HashFiles, Scope, Status
from runner.expr.template import Template
from runner.expr.values import Value, is_truthy, to_display_string, to_json

__all__ = [
    "Expression",
    "Function",
    "HashFiles",
    "JOB_IF_FUNCTIONS",
    "Scope",
    "Status",
    "Template",
    "Value",
    "evaluate",
    "evaluate_condition",
    "is_truthy",
    "parse",
    "parse_condition",
    "to_display_string",
    "to_json",
]
