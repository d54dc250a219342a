"""The ``ssh`` executor: jobs on other machines over SSH (being built; registers nothing yet)."""

from __future__ import annotations

from runner.api import ExecutorClass, hookimpl


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """No executor yet."""
    return []
