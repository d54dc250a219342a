"""What the dashboard can ask of the processes that run workflows: cancel, re-run.

Screens never signal a process or open a socket: they call a :class:`Control`, which
the command line builds. :class:`LocalControl` works without a service: a run of a
``baton run`` process on this machine is cancelled by sending that process SIGTERM,
which it handles as Ctrl-C (steps stopped, containers removed, run recorded cancelled).
:class:`InProcessControl` cancels the runs of ``baton run --ui``'s own runtime.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Protocol

from runner.errors import UsageError
from runner.launch import Runtime
from runner.process import host_name, is_process_alive
from runner.status import RunId
from runner.store.records import RunRecord


class Control(Protocol):
    """Actions on runs; each returns one sentence saying what happened, or raises
    :class:`runner.errors.BatonError` saying why it cannot be done."""

    def cancel(self, run: RunRecord) -> str:
        """Stop a run that is going on."""
        ...

    def rerun(self, run: RunRecord, *, is_failed_only: bool) -> str:
        """Start the run again (only its failed jobs and their dependents with ``is_failed_only``)."""
        ...


class LocalControl:
    """Acts on the runs of this machine's baton processes directly."""

    def cancel(self, run: RunRecord) -> str:
        """SIGTERM to the ``baton run`` process that runs ``run``."""
        if run.is_completed:
            raise UsageError(f"run #{run.number} has already ended ({run.conclusion.value if run.conclusion else 'done'})")
        if run.host not in (None, host_name()):
            raise UsageError(f"run #{run.number} runs on {run.host}, not on this machine")
        if not is_process_alive(run.pid):
            raise UsageError(f"run #{run.number}'s process ({run.pid}) is gone; `baton gc` marks the run interrupted")
        assert run.pid is not None
        if "watch" in _arguments(run.pid):
            raise UsageError(f"run #{run.number} belongs to the watch service (pid {run.pid}); cancel it through the service")
        os.kill(run.pid, signal.SIGTERM)
        return f"cancelling run #{run.number} (SIGTERM to baton process {run.pid})"

    def rerun(self, run: RunRecord, *, is_failed_only: bool) -> str:
        """Re-runs need the watch service, which owns the repository's checkout."""
        what = "its failed jobs" if is_failed_only else "it"
        raise UsageError(f"re-running {what} needs `baton watch` running for {run.repository}")


def _arguments(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


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
