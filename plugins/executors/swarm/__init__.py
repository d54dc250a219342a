"""The ``swarm`` executor: each job a one-task service on a Docker Swarm, each step one exec
in its task's container through the engine of the node it runs on.

Registered through ``baton_register_executors``; its engine client is imported only when the
executor is first used.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from runner.api import ExecutorClass, JobSpec, Session, Value, hookimpl, is_owner_alive

if TYPE_CHECKING:
    from plugins.executors.swarm.engines import Engines
    from plugins.executors.swarm.settings import SwarmSettings


class SwarmExecutor:
    """Runs each job as a replicated-job service, its sidecars as services beside it."""

    name = "swarm"

    def __init__(self, options: Mapping[str, Value]) -> None:
        from plugins.executors.swarm.settings import SwarmSettings  # here: every run loads the plugin

        self.settings: SwarmSettings = SwarmSettings.from_options(options)
        """The options, validated."""
        self._lock = threading.Lock()
        self._engines: Engines | None = None

    async def check(self) -> None:
        """Raise :class:`ExecutorError` in one sentence when no swarm manager answers."""
        from plugins.executors.docker.threads import in_thread

        await in_thread(self._connect().ping)

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """Run ``job``'s service (and its sidecars); the exit removes them, their volumes and network."""
        from plugins.executors.swarm.launch import swarm_session

        async with swarm_session(self._connect(), job, self.settings) as session:
            yield session

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Remove services, secrets, containers, networks and volumes of runs not in ``active_runs``."""
        from plugins.executors.docker.threads import in_thread

        return await in_thread(self._collect, active_runs)

    def _collect(self, active_runs: Collection[str]) -> list[str]:
        from plugins.executors.docker.engine import RUN_LABEL
        from plugins.executors.docker.leftovers import is_garbage, list_leftovers, remove_leftover
        from plugins.executors.swarm.leftovers import collect

        engines = self._connect()
        removed = collect(engines.manager(), active_runs, is_owner_alive)
        for client in engines.reachable():
            for item in list_leftovers(client):
                if is_garbage(item, active_runs, is_owner_alive) and remove_leftover(client, item):
                    removed.append(f"{item.kind} {item.name} (run {item.labels[RUN_LABEL]})")
        return removed

    def _connect(self) -> Engines:
        with self._lock:
            if self._engines is None:
                from plugins.executors.swarm.engines import Engines

                self._engines = Engines(self.settings)
            return self._engines


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """The ``swarm`` executor."""
    return [SwarmExecutor]
