"""Runs a plan: asyncio end to end, executors behind ``runner.api``, events on a bus."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.engine.capacity import Capacity
    from runner.engine.execute import execute_run
    from runner.engine.request import JobResult, KeptJob, KeptLeg, RunRequest

__all__ = ["Capacity", "JobResult", "KeptJob", "KeptLeg", "RunRequest", "execute_run"]

_LAZY = {"Capacity": "runner.engine.capacity", "JobResult": "runner.engine.request", "KeptJob": "runner.engine.request",
         "KeptLeg": "runner.engine.request", "RunRequest": "runner.engine.request", "execute_run": "runner.engine.execute"}
"""Every name, imported when first used: importing any engine module (``contexts`` for a
plan, ``placement`` for the executors) runs this file first, and a plan that runs nothing
(``baton run -n``) must not pay for the run request, the scheduler and what they import."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
