"""The run store: SQLite (WAL) rows for runs, jobs and steps, and one log file per step.

The :class:`Recorder` writes what an :class:`~runner.events.EventBus` publishes; the
query functions read it back, from this process or another one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from runner.store.db import Store
from runner.store.paths import baton_home
from runner.store.recovery import active_run_ids, recover

__all__ = [
    "AnnotationRecord",
    "JobRecord",
    "Recorder",
    "RunRecord",
    "StepRecord",
    "Store",
    "active_run_ids",
    "annotations_of",
    "attempts_of",
    "baton_home",
    "find_job",
    "find_step",
    "get_run",
    "jobs_of",
    "list_runs",
    "previous_run",
    "retries_of",
    "recover",
    "steps_of",
]

if TYPE_CHECKING:
    from runner.store.recorder import Recorder
    from runner.store.records import AnnotationRecord, JobRecord, RunRecord, StepRecord
    from runner.store.runs import (
        annotations_of,
        attempts_of,
        find_job,
        find_step,
        get_run,
        jobs_of,
        list_runs,
        previous_run,
        retries_of,
        steps_of,
    )

_LAZY = {
    "Recorder": "recorder",
    **dict.fromkeys(("AnnotationRecord", "JobRecord", "RunRecord", "StepRecord"), "records"),
    **dict.fromkeys(("annotations_of", "attempts_of", "find_job", "find_step", "get_run", "jobs_of",
                     "list_runs", "previous_run", "retries_of", "steps_of"), "runs"),
}
"""Names imported when first asked for, by the submodule that holds them. The recorder pulls
in the run events (and through them the expression language): commands that only read the
store (`baton runs`, `baton logs`) do not import it. The records and queries (five frozen
dataclasses: 7 ms) are for those commands: a run only writes."""


def __getattr__(name: str) -> Any:
    submodule = _LAZY.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
