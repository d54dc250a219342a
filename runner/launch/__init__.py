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

from runner.engine.capacity import Capacity
from runner.launch.event import complete_event, missing_inputs, occurrence_of
from runner.launch.planning import Launch, PlannedRun, Trigger, plan_runs

if TYPE_CHECKING:
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


_RUNNING = {"Notify": "runtime", "Runtime": "runtime", "collect_garbage": "runtime", "open_runtime": "runtime",
            "RemoteActions": "runtime", "provided_node": "runtime", "new_runs": "start", "start_runs": "start"}
"""Names imported when first used: they pull in the engine, the store and the executors'
registry, which planning alone (``baton run -n``) does not need."""


def __getattr__(name: str) -> Any:
    module = _RUNNING.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
