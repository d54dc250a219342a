"""The ``docker`` executor: each job in its own container, each step one exec in it.

Registered through ``baton_register_executors``. The Docker SDK is imported only when
the executor is first used, so loading the plugin costs nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from typing import Any

from plugins.executors.hostfs.job_folder import leftover_folders, remove_tree
from plugins.executors.settings import ExecutorSettings
from runner.api import ExecutorClass, JobSpec, Session, Value, hookimpl, is_owner_alive

_ARCHES = {"amd64": "X64", "x86_64": "X64", "arm64": "ARM64", "aarch64": "ARM64", "386": "X86",
           "arm": "ARM"}


class DockerExecutor:
    """Runs each job in a container of its image, with services on a per-job network."""

    name = "docker"

    def __init__(self, options: Mapping[str, Value]) -> None:
        self.settings = ExecutorSettings.from_options(self.name, options)
        """The options, validated."""
        self._lock = threading.Lock()
        self._client: Any = None
        self._arch = "X64"

    async def check(self) -> None:
        """Raise :class:`ExecutorError` in one sentence when the engine does not answer."""
        await asyncio.to_thread(self._ping)

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """Open a job container (and its services) for ``job``; the exit removes them."""
        client = await asyncio.to_thread(self._connect)
        from plugins.executors.docker.launch import docker_session

        async with docker_session(client, job, self.settings, self._arch) as session:
            yield session

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Remove containers, networks, volumes, images and folders of runs not in ``active_runs``."""
        client = await asyncio.to_thread(self._connect)
        return await asyncio.to_thread(self._collect, client, active_runs)

    def _collect(self, client: Any, active_runs: Collection[str]) -> list[str]:
        from plugins.executors.docker.engine import OWNER_LABEL, RUN_LABEL, describe, remove_object

        removed: list[str] = []
        selector = {"label": RUN_LABEL}
        for kind, listing in (("container", client.containers.list), ("network", client.networks.list),
                              ("volume", client.volumes.list), ("image", client.images.list)):
            items = listing(all=True, filters=selector) if kind == "container" else listing(filters=selector)
            for item in items:
                labels = _labels(item)
                run_id = labels.get(RUN_LABEL)
                owner = labels.get(OWNER_LABEL)
                if run_id is None or run_id in active_runs or (owner is not None and is_owner_alive(owner)):
                    continue  # a live run, perhaps of another store on this machine
                if remove_object(client, kind, item):
                    removed.append(f"{kind} {describe(kind, item)} (run {run_id})")
        for path, run_id in leftover_folders(self.settings.host_dir, active_runs):
            remove_tree(path)
            removed.append(f"folder {path} (run {run_id})")
        return removed

    def _ping(self) -> None:
        from plugins.executors.docker.engine import ENGINE_ERRORS, unreachable

        with self._lock:
            client = self._client
        if client is None:
            self._connect()  # connecting asks the engine for its version: that is the check
            return
        try:
            client.ping()
        except ENGINE_ERRORS as exc:
            raise unreachable() from exc

    def _connect(self) -> Any:
        with self._lock:
            if self._client is None:
                from plugins.executors.docker.engine import connect

                client, arch = connect()
                self._arch = _ARCHES.get(arch, "X64")
                self._client = client
            return self._client


def _labels(item: Any) -> dict[str, str]:
    # listings put labels at the top (networks, volumes, images) or under Config (containers)
    attrs = item.attrs
    return dict(attrs.get("Labels") or (attrs.get("Config") or {}).get("Labels") or {})


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """The ``docker`` executor."""
    return [DockerExecutor]
