"""The engines the swarm executor talks to: a manager's, and each node's for its tasks' steps.

Swarm has no ``exec`` through the manager, so a step reaches its task's container through
the engine of the node the task landed on: the manager's own engine when the task runs on
the manager (a single-node swarm), else the one ``[executors.swarm.nodes.<hostname>]`` names.
"""

from __future__ import annotations

import threading

from plugins.executors.docker.api import Engine, EngineError
from plugins.executors.docker.engine import connect, translated
from plugins.executors.runner_machine import runner_arch
from plugins.executors.swarm.settings import SwarmSettings
from runner.api import ExecutorError, InfrastructureError


class Engines:
    """Clients for the manager and the nodes, made on first use and kept."""

    def __init__(self, settings: SwarmSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._clients: dict[str | None, Engine] = {}
        self._manager_node = ""

    def manager(self) -> Engine:
        """The manager's client (blocking); :class:`ExecutorError` if it is no swarm manager."""
        url = self._settings.manager
        with self._lock:
            if url in self._clients:
                return self._clients[url]
        client, _arch = connect(base_url=url)
        with translated("asking the engine about its swarm"):
            swarm = client.get("/info").get("Swarm") or {}
        if not swarm.get("ControlAvailable"):
            client.close()
            where = url or "the Docker engine"
            raise ExecutorError(
                f"{where} is not a swarm manager (its swarm state: {swarm.get('LocalNodeState') or 'unknown'}): "
                "run `docker swarm init` there, or set [executors.swarm] manager to a manager's engine"
            )
        with self._lock:
            self._manager_node = str(swarm.get("NodeID", ""))
            return self._clients.setdefault(url, client)

    def for_node(self, node_id: str) -> tuple[Engine, str, str]:
        """The client of the node ``node_id``, its ``RUNNER_ARCH`` and hostname (blocking)."""
        manager = self.manager()
        with translated(f"asking the swarm about node {node_id[:12]}"):
            description = manager.get(f"/nodes/{node_id}").get("Description") or {}
        hostname = str(description.get("Hostname", node_id[:12]))
        arch = runner_arch(str((description.get("Platform") or {}).get("Architecture", "")))
        if node_id == self._manager_node:
            return manager, arch, hostname
        url = self._settings.nodes.get(hostname)
        if url is None:
            raise ExecutorError(
                f"the job landed on swarm node {hostname}, whose engine baton does not know: add "
                f"[executors.swarm.nodes.{hostname}] engine = \"ssh://user@{hostname}\" (or tcp://…) to baton.toml"
            )
        return self._node(url), arch, hostname

    def reachable(self) -> list[Engine]:
        """The manager and every configured node that answers (blocking; for garbage collection)."""
        clients = [self.manager()]
        for url in self._settings.nodes.values():
            try:
                clients.append(self._node(url))
            except ExecutorError:
                continue
        return clients

    def _node(self, url: str) -> Engine:
        with self._lock:
            known = self._clients.get(url)
        if known is not None:
            return known
        client, _arch = connect(base_url=url)
        with self._lock:
            return self._clients.setdefault(url, client)

    def ping(self) -> None:
        """Raise :class:`ExecutorError` when the manager does not answer (blocking)."""
        client = self.manager()
        try:
            client.get("/_ping")
        except EngineError as exc:
            raise InfrastructureError(f"the swarm manager does not answer: {exc.message}") from exc
