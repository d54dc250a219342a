"""Removing a job's swarm objects: services and secrets on the manager, then what their
tasks left on the nodes (containers, the job's volumes), and the job's overlay network.

A removed service's task containers go away asynchronously, and the volumes and the
network stay in use until they do, so the sweep repeats until nothing labelled is left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from plugins.executors.docker.api import Engine, EngineError
from plugins.executors.docker.engine import RUN_LABEL, translated
from plugins.executors.docker.leftovers import Leftover, is_garbage, remove_labelled
from runner.api import ExecutorError

_SWEEP_SECONDS = 30.0
_PAUSE_SECONDS = 0.1


def list_swarm_objects(api: Engine, selector: dict[str, Any]) -> list[Leftover]:
    """The services and secrets the selector's labels match (services first)."""
    with translated("listing baton's swarm services and secrets"):
        services = api.get("/services", {"filters": selector})
        secrets = api.get("/secrets", {"filters": selector})
    found = [Leftover(kind="service", ref=s["ID"], name=s["Spec"]["Name"], labels=s["Spec"].get("Labels") or {})
             for s in services]
    found += [Leftover(kind="secret", ref=s["ID"], name=s["Spec"]["Name"], labels=s["Spec"].get("Labels") or {})
              for s in secrets]
    return found


def remove_swarm_object(api: Engine, item: Leftover) -> bool:
    """Remove one service or secret; False when it was gone already."""
    try:
        if item.kind == "service":
            api.delete(f"/services/{item.ref}")
        else:
            api.delete(f"/secrets/{item.ref}")
    except EngineError:
        return False  # gone meanwhile, or a secret still held by a task: the sweep comes back
    return True


def sweep(manager: Engine, nodes: Iterable[Engine], labels: dict[str, str]) -> list[str]:
    """Remove every swarm and engine object carrying all of ``labels`` (blocking); a line each."""
    selector = {"label": [f"{key}={value}" for key, value in labels.items()]}
    clients = _unique([manager, *nodes])
    removed: list[str] = []
    deadline = time.monotonic() + _SWEEP_SECONDS
    while True:
        left = 0
        # the task containers first, by force: the swarm would stop them after the service
        # goes, at its own pace (a second or more), and their volumes wait for them
        for client in clients:
            removed += remove_labelled(client, labels)
        for item in _listed(lambda: list_swarm_objects(manager, selector)):
            left += 1
            if remove_swarm_object(manager, item):
                removed.append(f"{item.kind} {item.name}")
        for client in clients:
            left += _count(client, selector)
        if not left or time.monotonic() >= deadline:
            return removed
        time.sleep(_PAUSE_SECONDS)


def collect(manager: Engine, active_runs: Collection[str], is_owner_alive: Callable[[str], bool]) -> list[str]:
    """Remove the services and secrets of runs that are over (blocking); a line each."""
    removed: list[str] = []
    for item in list_swarm_objects(manager, {"label": [RUN_LABEL]}):
        if is_garbage(item, active_runs, is_owner_alive) and remove_swarm_object(manager, item):
            removed.append(f"{item.kind} {item.name} (run {item.labels[RUN_LABEL]})")
    return removed


def _listed(listing: Callable[[], list[Leftover]]) -> list[Leftover]:
    try:
        return listing()
    except ExecutorError:
        return []


def _count(api: Engine, selector: dict[str, Any]) -> int:
    try:
        return (len(api.get("/containers/json", {"all": True, "filters": selector}))
                + len(api.get("/networks", {"filters": selector}))
                + len(api.get("/volumes", {"filters": selector}).get("Volumes") or []))
    except EngineError:
        return 0


def _unique(clients: list[Engine]) -> list[Engine]:
    seen: dict[int, Engine] = {}
    for client in clients:
        seen.setdefault(id(client), client)
    return list(seen.values())
