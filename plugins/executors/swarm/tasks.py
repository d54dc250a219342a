"""A service's one task: waiting until a node runs it, and saying why none does yet."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from plugins.executors.docker.api import Engine
from plugins.executors.docker.engine import translated
from plugins.executors.docker.threads import in_thread
from runner.api import ExecutorError

_log = logging.getLogger("baton.swarm")
_FIRST_POLL_SECONDS = 0.05
_LAST_POLL_SECONDS = 0.2
"""A task starts a second or two after its service: asked often, it is seen soon."""
_ENDED = frozenset({"complete", "shutdown", "failed", "rejected", "orphaned", "remove"})


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacedTask:
    """A running task: where it landed and its container there."""

    node_id: str
    container: str


async def wait_running(api: Engine, service: str, what: str, timeout: float) -> PlacedTask:
    """Wait until ``service``'s task runs; :class:`ExecutorError` when it ended or when no
    node took it within ``timeout`` seconds (the message says the swarm's why)."""
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL_SECONDS
    why = ""
    while True:
        with translated(f"asking the swarm about {what}"):
            tasks = await in_thread(api.get, "/tasks", {"filters": {"service": [service]}})
        for task in tasks:
            status = task.get("Status") or {}
            state = str(status.get("State", ""))
            said = str(status.get("Err") or status.get("Message") or state)
            if state == "running":
                container = (status.get("ContainerStatus") or {}).get("ContainerID")
                if container:
                    return PlacedTask(node_id=str(task.get("NodeID", "")), container=str(container))
            elif state in _ENDED:
                raise ExecutorError(f"{what} could not start on the swarm: {said}")
            elif said != why:
                why = said
                if status.get("Err"):  # not a moment's scheduling: no node fits now
                    _log.warning("%s is queued: %s", what, why)
        if time.monotonic() >= deadline:
            raise ExecutorError(f"{what} was not placed on any swarm node within {timeout:g} s: {why or 'no task'}")
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LAST_POLL_SECONDS)
