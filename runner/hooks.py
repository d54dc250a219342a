"""Hook specifications: empty functions whose docstrings are the contract.

A plugin implements any of them with ``@runner.api.hookimpl``; built-in plugins load
through the same entry points (group ``baton``) as third-party ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pluggy

from runner.api import ExecutorClass, NativeAction
from runner.expr import Function, Value

hookspec = pluggy.HookspecMarker("baton")


@hookspec
def baton_register_executors() -> Sequence[ExecutorClass]:  # type: ignore[empty-body]
    """Executor classes this plugin provides; each has a unique ``name``."""


@hookspec
def baton_register_actions() -> Sequence[NativeAction]:  # type: ignore[empty-body]
    """Native actions (``actions/checkout``, …) this plugin implements."""


@hookspec
def baton_expression_functions() -> Sequence[Function]:  # type: ignore[empty-body]
    """Extra functions callable from ``${{ }}`` expressions."""


@hookspec(firstresult=True)
def baton_select_executor(labels: Sequence[str], settings: Mapping[str, Value]) -> str | None:
    """The executor name for a job's ``runs-on`` labels, or None to use the label map."""
