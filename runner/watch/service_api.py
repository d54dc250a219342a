"""What the watch service answers to: the one seam between the service (polling,
schedules, runs) and its local API (the Unix socket the CLI and the dashboard use).

The socket server serves any :class:`ServiceApi`; the service implements it. Every
method runs on the service's event loop and raises :class:`runner.errors.BatonError`
with one sentence saying why a request cannot be done (unknown repository, run already
ended, missing input, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from runner.status import RunId

if TYPE_CHECKING:  # a git hook's poke imports this module: it must stay light
    from runner.launch.dispatch_form import DispatchForm


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoState:
    """How one watched repository is doing, for ``baton watch --status``."""

    name: str
    """Its name in ``baton.toml`` (or the folder's name for a path on the command line)."""
    location: str
    """The path or the URL watched."""
    is_healthy: bool
    problem: str = ""
    """One line naming the cause when not healthy (``cannot fetch: connection refused``)."""
    last_poll_at: float | None = None
    next_poll_at: float | None = None
    refs: int = 0
    """Branches and tags seen."""


class ServiceApi(Protocol):
    """Requests the service takes from its local API."""

    def status(self) -> tuple[RepoState, ...]:
        """Every watched repository, in configuration order."""
        ...

    def poke(self, repo: str | None) -> None:
        """Poll ``repo`` (all repositories when None) now: what a git hook sends."""
        ...

    async def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: Mapping[str, str]) -> RunId:
        """Start ``workflow`` (a file name or path under ``.github/workflows``) by
        ``workflow_dispatch`` on ``ref`` (the default branch when None), inputs checked
        against the workflow's ``on.workflow_dispatch.inputs``."""
        ...

    async def dispatch_forms(self, repo: str | None) -> tuple[DispatchForm, ...]:
        """The workflows of ``repo`` (every repository when None) that ``dispatch`` can
        start, as on their default branch, with their typed inputs (for a form)."""
        ...

    async def cancel(self, run_id: RunId) -> str:
        """Cancel a run the service runs; says what was done."""
        ...

    async def rerun(self, run_id: RunId, *, is_failed_only: bool) -> RunId:
        """Start the next attempt of a recorded run (its id, returned) on the same commit and
        event (only its failed jobs and their dependents with ``is_failed_only``)."""
        ...
