"""Hook specifications: empty functions whose docstrings are the contract.

A plugin implements any of them with ``@runner.api.hookimpl``; built-in plugins load
through the same entry points (group ``baton``) as third-party ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from runner.api import ExecutorClass, NativeAction, NotifierClass

hookspec = pluggy.HookspecMarker("baton")


@hookspec
def baton_register_executors() -> Sequence[ExecutorClass]:  # type: ignore[empty-body]
    """Executor classes this plugin provides; each has a unique ``name``."""


@hookspec
def baton_register_actions() -> Sequence[NativeAction]:  # type: ignore[empty-body]
    """Native actions (``actions/checkout``, …) this plugin implements."""


@hookspec
def baton_register_notifiers() -> Sequence[NotifierClass]:  # type: ignore[empty-body]
    """Notifier classes this plugin provides; each has a unique ``kind``."""
