"""Starting runs, below the CLI: what ``baton run`` and the watch service both call.

A caller builds a :class:`Launch` (an event on a commit, the workflows it may start,
the values given), plans it with :func:`plan_runs` (pure), opens one :class:`Runtime`
for the process with :func:`open_runtime` (executors, capacity, the store, the bus),
and awaits :func:`start_runs`. A printer or a live view is one more subscriber of
``runtime.bus``; a headless run prints nothing::

    async with open_runtime(executors=..., placement=..., capacity=Capacity(4)) as runtime:
        launch = Launch(trigger=Trigger(event_name="push", payload={...}, facts=facts, commit=sha),
                        workflows=workflows)
        conclusions = await start_runs(runtime, launch)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.engine.capacity import Capacity
    from runner.launch.event import complete_event, missing_inputs, occurrence_of
    from runner.launch.planning import Launch, PlannedRun, Trigger, plan_runs
    from runner.launch.runtime import Notify, RemoteActions, Runtime, collect_garbage, open_runtime, provided_node
    from runner.launch.start import new_runs, start_runs

__all__ = [
    "Capacity",
    "Launch",
    "Notify",
    "PlannedRun",
    "RemoteActions",
    "Runtime",
    "Trigger",
    "collect_garbage",
    "complete_event",
    "missing_inputs",
    "new_runs",
    "occurrence_of",
    "open_runtime",
    "plan_runs",
    "provided_node",
    "start_runs",
]


_LAZY = {"Capacity": "runner.engine.capacity", "complete_event": "runner.launch.event",
         "missing_inputs": "runner.launch.event", "occurrence_of": "runner.launch.event",
         "Launch": "runner.launch.planning", "PlannedRun": "runner.launch.planning", "Trigger": "runner.launch.planning",
         "plan_runs": "runner.launch.planning", "Notify": "runner.launch.runtime", "Runtime": "runner.launch.runtime",
         "collect_garbage": "runner.launch.runtime", "open_runtime": "runner.launch.runtime",
         "RemoteActions": "runner.launch.runtime", "provided_node": "runner.launch.runtime",
         "new_runs": "runner.launch.start", "start_runs": "runner.launch.start"}
"""Every name, imported when first used: running pulls in the engine, the store and the
executors' registry, which planning alone (``baton run -n``) does not need, and the
dashboard, which imports only small modules of this package, needs none of them."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
