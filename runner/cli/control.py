"""Acting on runs from the command line and the dashboard: through the watch service's
socket when it runs the run, else on this machine's ``baton run`` processes directly.

A :class:`ServiceControl` connects for each action, so a service started or stopped
while the dashboard is open is noticed. It is the dashboard's ``Control``
(``runner.tui.control``) and what ``baton cancel`` and ``baton rerun`` use.
"""

from __future__ import annotations

from pathlib import Path

from runner.errors import UsageError
from runner.launch.dispatch_form import DispatchForm
from runner.launch.local_runs import cancel_local_run, rerun_needs_service
from runner.store.records import RunRecord
from runner.watch.client import ServiceClient


class ServiceControl:
    """Cancel, re-run and dispatch for the runs of one baton home."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def cancel(self, run: RunRecord) -> str:
        """Ask the service when it runs ``run``; otherwise SIGTERM its ``baton run`` process."""
        with ServiceClient.connect(self.home) or _Absent() as client:
            if client is not None and run.pid == client.pid and not run.is_completed:
                return client.cancel(run.id)
        return cancel_local_run(run)

    def is_serving(self) -> bool:
        """Whether the watch service of this home answers on its socket."""
        with ServiceClient.connect(self.home) or _Absent() as client:
            return client is not None

    def rerun(self, run: RunRecord, *, is_failed_only: bool) -> str:
        """Have the service start ``run`` again (only its failed jobs and their dependents)."""
        with ServiceClient.connect(self.home) or _Absent() as client:
            if client is None:
                raise rerun_needs_service(run, is_failed_only=is_failed_only)
            client.rerun(run.id, is_failed_only=is_failed_only)
        what = "its failed jobs" if is_failed_only else "all its jobs"
        return f"re-running run #{run.number} ({what}) as its attempt {run.attempt + 1}"

    def dispatch_forms(self) -> tuple[DispatchForm, ...]:
        """The service's dispatchable workflows, with their inputs."""
        with ServiceClient.connect(self.home) or _Absent() as client:
            if client is None:
                raise UsageError("dispatching a workflow needs `baton watch` running (it is not, for this BATON_HOME)")
            return client.dispatch_forms()

    def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: dict[str, str]) -> str:
        """Have the service start ``workflow`` of ``repo`` by ``workflow_dispatch``."""
        with ServiceClient.connect(self.home) or _Absent() as client:
            if client is None:
                raise UsageError(f"dispatching {workflow} of {repo} needs `baton watch` running (it is not, for this BATON_HOME)")
            new = client.dispatch(repo, workflow, ref=ref, inputs=inputs)
        return f"dispatched {workflow} of {repo}{f' on {ref}' if ref else ''}: run {new}"


class _Absent:
    """No service: a context manager that yields None."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None
