"""Acting on the runs of this machine's ``baton run`` processes directly, with no service.

A ``baton run`` handles SIGTERM as Ctrl-C (steps stopped, containers removed, the run
recorded cancelled), so cancelling one of its runs is sending it that signal. The watch
service's runs are cancelled through its socket instead; re-runs and dispatch always
need the service (it owns the repository and the runs it starts).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from runner.errors import UsageError
from runner.process import host_name, is_process_alive
from runner.store.records import RunRecord


def cancel_local_run(run: RunRecord) -> str:
    """SIGTERM to the ``baton run`` process that runs ``run``; says what was done.

    Raises :class:`~runner.errors.UsageError` when the run has ended, runs elsewhere, its
    process is gone, or it belongs to the watch service.
    """
    if run.is_completed:
        raise UsageError(f"run #{run.number} has already ended ({run.conclusion.value if run.conclusion else 'done'})")
    if run.host not in (None, host_name()):
        raise UsageError(f"run #{run.number} runs on {run.host}, not on this machine")
    if not is_process_alive(run.pid):
        raise UsageError(f"run #{run.number}'s process ({run.pid}) is gone; `baton gc` marks the run interrupted")
    assert run.pid is not None
    if is_service_process(run.pid):
        raise UsageError(f"run #{run.number} belongs to the watch service (pid {run.pid}), whose socket does not answer")
    os.kill(run.pid, signal.SIGTERM)
    return f"cancelling run #{run.number} (SIGTERM to baton process {run.pid})"


def rerun_needs_service(run: RunRecord, *, is_failed_only: bool) -> UsageError:
    """The error of a re-run asked for with no service running."""
    what, flag = ("its failed jobs", " --failed") if is_failed_only else ("all its jobs", "")
    if run.repo is not None:
        return UsageError(f"re-running run #{run.number} ({what}) needs `baton watch` running, which watches {run.repo} "
                          "(it is not running, for this BATON_HOME)")
    return UsageError(f"re-running run #{run.number} ({what}) here needs `baton watch` running (it is not, for this "
                      f"BATON_HOME); in a terminal, `baton rerun {run.number}{flag}` in its repository runs it again")


def is_service_process(pid: int) -> bool:
    """Whether ``pid`` is a ``baton watch`` process (its runs are cancelled through its socket)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    return "watch" in arguments
