"""Finding and removing baton's engine objects by label: a session's own at its close,
and what runs whose process died left behind (garbage collection).

Many runs share one engine and sweep it at once: one listing call per kind (never one
inspection per object, which fails when another run removes its own meanwhile), and an
object that vanishes between being listed and being removed is simply not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from plugins.executors.docker.api import Engine, EngineError, NotFound
from plugins.executors.docker.engine import OWNER_LABEL, RUN_LABEL, translated
from plugins.executors.docker.threads import POOL
from runner.api import ExecutorError


@dataclass(frozen=True, slots=True, kw_only=True)
class Leftover:
    """One labelled engine object, as a listing shows it."""

    kind: str
    """``container``, ``network``, ``volume`` or ``image``."""
    ref: str
    """What the engine removes it by (an id, or a volume's name)."""
    name: str
    labels: dict[str, str]


def list_leftovers(api: Engine, labels: Mapping[str, str] | None = None) -> list[Leftover]:
    """Every object carrying all of ``labels`` (default: the run label, whatever its value),
    containers first (networks and volumes are in use until their containers go); one API
    call per kind."""
    selector = {"label": [f"{key}={value}" for key, value in labels.items()] if labels else [RUN_LABEL]}
    with translated("listing baton's containers, networks, volumes and images"):
        containers = api.get("/containers/json", {"all": True, "filters": selector})
        networks = api.get("/networks", {"filters": selector})
        volumes = api.get("/volumes", {"filters": selector}).get("Volumes") or []
        images = api.get("/images/json", {"filters": selector})
    found = [
        Leftover(kind="container", ref=c["Id"], name=(c.get("Names") or ["/" + c["Id"][:12]])[0].lstrip("/"),
                 labels=c.get("Labels") or {})
        for c in containers
    ]  # fmt: skip
    found += [Leftover(kind="network", ref=n["Id"], name=n["Name"], labels=n.get("Labels") or {}) for n in networks]
    found += [Leftover(kind="volume", ref=v["Name"], name=v["Name"], labels=v.get("Labels") or {}) for v in volumes]
    found += [
        Leftover(kind="image", ref=i["Id"], name=(i.get("RepoTags") or [i["Id"][7:19]])[0], labels=i.get("Labels") or {})
        for i in images
    ]
    return found


def is_garbage(item: Leftover, active_runs: Collection[str], is_owner_alive: Callable[[str], bool]) -> bool:
    """Whether ``item`` belongs to a run that is over: not an active run of the store, and
    its creating process (perhaps recording into another store on this machine) is gone."""
    run_id = item.labels.get(RUN_LABEL)
    owner = item.labels.get(OWNER_LABEL)
    if run_id is None or run_id in active_runs:
        return False
    return owner is None or not is_owner_alive(owner)


def remove_leftover(api: Engine, item: Leftover) -> bool:
    """Force-remove one object; False when it was gone already (or still in use elsewhere)."""
    try:
        if item.kind == "container":
            api.delete(f"/containers/{item.ref}", {"force": True, "v": True})
        elif item.kind == "network":
            api.delete(f"/networks/{item.ref}")
        elif item.kind == "volume":
            api.delete(f"/volumes/{item.ref}", {"force": True})
        else:
            api.delete(f"/images/{item.ref}", {"force": True, "noprune": False})
    except NotFound:
        return False  # removed meanwhile by its own run, or by another sweep
    except EngineError:
        return False  # "removal already in progress", a network still in use: the next sweep sees it
    return True


def remove_labelled(client: Engine, labels: Mapping[str, str], first: str | None = None) -> list[str]:
    """Force-remove every container, network, volume and image carrying all of ``labels``
    (a session's own at its close); one line per removal. An object that vanished
    meanwhile is skipped, and an engine that stopped answering leaves the rest.

    ``first``, a container's id (the job container, most of a close's time), is removed
    while the others are listed; networks and volumes go once it is gone."""
    removing = POOL.submit(_remove_container, client, first) if first else None
    try:
        found = list_leftovers(client, labels)
    except ExecutorError:
        found = []
    removed = [f"container {first}"] if removing is not None and removing.result() else []
    return removed + [f"{item.kind} {item.name}" for item in found if item.ref != first and remove_leftover(client, item)]


def _remove_container(api: Engine, container: str) -> bool:
    return remove_leftover(api, Leftover(kind="container", ref=container, name=container, labels={}))
