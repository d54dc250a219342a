"""The ``docker`` executor: each job in its own container, each step one exec in it.

Registered through ``baton_register_executors``. Its engine client is imported only when
the executor is first used, so loading the plugin costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from plugins.executors.docker.threads import in_thread
from plugins.executors.hostfs.job_folder import leftover_folders, remove_tree
from plugins.executors.settings import ExecutorSettings
from runner.api import ExecutorClass, JobSpec, Pull, Session, Value, hookimpl, is_owner_alive

if TYPE_CHECKING:
    from plugins.executors.docker.api import Engine

class DockerExecutor:
    """Runs each job in a container of its image, with services on a per-job network."""

    name = "docker"

    def __init__(self, options: Mapping[str, Value]) -> None:
        self.settings = ExecutorSettings.from_options(self.name, options)
        """The options, validated."""
        self._lock = threading.Lock()
        self._client: Engine | None = None
        self._arch = "X64"

    async def check(self) -> None:
        """Raise :class:`ExecutorError` in one sentence when the engine does not answer."""
        await in_thread(self._ping)

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """Open a job container (and its services) for ``job``; the exit removes them."""
        client = await in_thread(self._connect)
        from plugins.executors.docker.launch import docker_session

        async with docker_session(client, job, self.settings, self._arch) as session:
            yield session

    async def can_have_image(self, image: str, pull: Pull) -> bool:
        """Whether ``image`` is here, or (unless ``pull`` is ``never``) can be pulled now."""
        from plugins.executors.docker.api import EngineError
        from plugins.executors.docker.engine import image_info, pull_image

        client = await in_thread(self._connect)
        try:
            if await in_thread(image_info, client, image) is not None:
                return True
            if pull == "never":
                return False
            await in_thread(pull_image, client, image)
        except EngineError:
            return False
        return True

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Remove containers, networks, volumes, images and folders of runs not in ``active_runs``."""
        client = await in_thread(self._connect)
        return await in_thread(self._collect, client, active_runs)

    def _collect(self, client: Engine, active_runs: Collection[str]) -> list[str]:
        from plugins.executors.docker.engine import RUN_LABEL
        from plugins.executors.docker.leftovers import is_garbage, list_leftovers, remove_leftover

        removed: list[str] = []
        for item in list_leftovers(client):
            if is_garbage(item, active_runs, is_owner_alive) and remove_leftover(client, item):
                removed.append(f"{item.kind} {item.name} (run {item.labels[RUN_LABEL]})")
        for path, run_id in leftover_folders(self.settings.host_dir, active_runs):
            remove_tree(path)
            removed.append(f"folder {path} (run {run_id})")
        return removed

    def _ping(self) -> None:
        from plugins.executors.docker.api import EngineError
        from plugins.executors.docker.engine import unreachable

        with self._lock:
            client = self._client
        if client is None:
            self._connect()  # connecting asks the engine for its version: that is the check
            return
        try:
            client.get("/_ping")
        except EngineError as exc:
            raise unreachable() from exc

    def _connect(self) -> Engine:
        with self._lock:
            if self._client is None:
                from plugins.executors.docker.engine import connect
                from plugins.executors.runner_machine import runner_arch
                # what a session needs, loaded with the client: a job's session then
                # spends its first moments on the engine, not on imports
                import plugins.executors.docker.launch  # noqa: F401

                client, arch = connect()
                self._arch = runner_arch(arch)
                self._client = client
            return self._client


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """The ``docker`` executor."""
    return [DockerExecutor]
