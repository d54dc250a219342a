"""Creating a container: the one way for the three kinds baton makes (a job's container, a
service, a one-off step's container), so their volumes, published ports, labels and
``options:`` fields cannot drift apart. What only one kind sets (its name, entrypoint,
command, working folder, network) it passes as its own arguments, which win."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plugins.executors.docker.api import Engine
from plugins.executors.docker.mounts import port_bindings, volume_bindings
from plugins.executors.docker.options import ContainerOptions, CreateFields
from plugins.executors.docker.threads import thread_to_completion
from runner.api import ContainerSpec


async def create_container(
    engine: Engine, spec: ContainerSpec, options: ContainerOptions, fields: CreateFields, *,
    labels: dict[str, str], env: dict[str, str], binds: Sequence[str] = (), name: str | None = None,
    entrypoint: Sequence[str] | None = None, command: Sequence[str] | None = None,
    working_dir: str | None = None, network: str | None = None, aliases: Sequence[str] = (),
) -> str:
    """Create (not start) a container of ``spec.image``; its id. ``binds`` then the volumes
    of ``spec`` and ``--volume`` (made, labelled with ``labels``, when they do not exist),
    the ports of ``spec`` and ``--publish``, the ``options:`` ``fields`` with their labels
    under baton's ``labels``, ``env``, and the container's own arguments (None: the
    image's or the fields' value). Blocking calls run on the executor's threads, to
    completion even when the caller is cancelled (so nothing made is lost)."""
    volumes = await thread_to_completion(volume_bindings, engine, [*spec.volumes, *options.lists.get("--volume", ())], labels)
    ports = port_bindings([*spec.ports, *options.lists.get("--publish", ())])
    body: dict[str, Any] = {
        **fields.config,
        "Image": spec.image,
        "Env": [f"{key}={value}" for key, value in env.items()],
        "Labels": {**fields.config.get("Labels", {}), **labels},
        "ExposedPorts": {key: {} for key in ports},
        "HostConfig": {**fields.host, "Binds": [*binds, *volumes], "PortBindings": ports},
    }
    for key, value in (("Entrypoint", entrypoint), ("Cmd", command), ("WorkingDir", working_dir)):
        if value is not None:
            body[key] = value if isinstance(value, str) else list(value)
    if network is not None:
        body["HostConfig"]["NetworkMode"] = network
        if aliases:
            body["NetworkingConfig"] = {"EndpointsConfig": {network: {"Aliases": list(aliases)}}}
    created = await thread_to_completion(
        engine.post, "/containers/create", {"name": name, "platform": fields.platform}, body=body,
    )
    return str(created["Id"])
