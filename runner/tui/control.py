"""What the dashboard can ask of the processes that run workflows: cancel, re-run, dispatch.

Screens never signal a process or open a socket: they call a :class:`Control`, which
the command line builds. :class:`LocalControl` works without a service: a run of a
``baton run`` process on this machine is cancelled by sending that process SIGTERM,
which it handles as Ctrl-C (steps stopped, containers removed, run recorded cancelled).
:class:`InProcessControl` cancels the runs of ``baton run --ui``'s own runtime.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Protocol

from runner.errors import UsageError
from runner.launch.dispatch_form import DispatchForm
from runner.launch.local_runs import cancel_local_run, rerun_needs_service
from runner.process import host_name
from runner.status import RunId
from runner.store.records import RunRecord

if TYPE_CHECKING:
    from runner.launch import Runtime


class Control(Protocol):
    """Actions on runs; each returns one sentence saying what happened, or raises
    :class:`runner.errors.BatonError` saying why it cannot be done."""

    def cancel(self, run: RunRecord) -> str:
        """Stop a run that is going on."""
        ...

    def rerun(self, run: RunRecord, *, is_failed_only: bool) -> str:
        """Start the run again (only its failed jobs and their dependents with ``is_failed_only``)."""
        ...

    def dispatch_forms(self) -> tuple[DispatchForm, ...]:
        """The workflows that can be dispatched, with their inputs."""
        ...

    def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: dict[str, str]) -> str:
        """Start ``workflow`` of ``repo`` by ``workflow_dispatch``."""
        ...


class LocalControl:
    """Acts on the runs of this machine's baton processes directly (no service)."""

    def cancel(self, run: RunRecord) -> str:
        """SIGTERM to the ``baton run`` process that runs ``run``."""
        return cancel_local_run(run)

    def rerun(self, run: RunRecord, *, is_failed_only: bool) -> str:
        """Re-runs need the watch service, which owns the repository's checkout."""
        raise rerun_needs_service(run, is_failed_only=is_failed_only)

    def dispatch_forms(self) -> tuple[DispatchForm, ...]:
        """Dispatching needs the watch service, which owns the repositories."""
        raise UsageError("dispatching a workflow needs `baton watch` running (it is not, for this BATON_HOME)")

    def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: dict[str, str]) -> str:
        """As :meth:`dispatch_forms`."""
        self.dispatch_forms()
        return ""


class InProcessControl(LocalControl):
    """For ``baton run --ui``: this process's own runs are cancelled through its runtime."""

    def __init__(self, runtime: Runtime, loop: asyncio.AbstractEventLoop) -> None:
        self._runtime = runtime
        self._loop = loop

    def cancel(self, run: RunRecord) -> str:
        """Cancel one of this process's runs in place; others as :class:`LocalControl` does."""
        if run.pid != os.getpid() or run.host not in (None, host_name()):
            return super().cancel(run)
        if run.is_completed:
            raise UsageError(f"run #{run.number} has already ended")
        # actions run in the feed's thread; the runtime's tasks belong to the event loop
        self._loop.call_soon_threadsafe(self._runtime.cancel, RunId(run.id))
        return f"cancelling run #{run.number}: stopping its steps and removing what it made"
