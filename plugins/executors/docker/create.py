"""Creating a container: the one way for the three kinds baton makes (a job's container, a
service, a one-off step's container), so their volumes, published ports, labels and
``options:`` arguments cannot drift apart. What only one kind sets (its name, entrypoint,
command, working folder, network) it passes as its own arguments, which win."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plugins.executors.docker.mounts import port_bindings, volume_bindings
from plugins.executors.docker.options import ContainerOptions
from plugins.executors.docker.threads import thread_to_completion
from runner.api import ContainerSpec


async def create_container(
    client: Any, spec: ContainerSpec, options: ContainerOptions, arguments: dict[str, Any], *,
    labels: dict[str, str], env: dict[str, str], binds: Sequence[str] = (), **own: Any,
) -> Any:
    """Create (not start) a container of ``spec.image``: ``binds`` then the volumes of
    ``spec`` and ``--volume`` (made, labelled with ``labels``, when they do not exist), the
    ports of ``spec`` and ``--publish``, the ``options:`` ``arguments`` with their labels
    under baton's ``labels``, ``env``, and ``own``. Blocking calls run on the executor's
    threads, to completion even when the caller is cancelled (so nothing made is lost)."""
    volumes = await thread_to_completion(volume_bindings, client, [*spec.volumes, *options.lists.get("--volume", ())], labels)
    rest = dict(arguments)
    given_labels = rest.pop("labels", {})
    return await thread_to_completion(
        client.containers.create, spec.image,
        environment=env,
        volumes=[*binds, *volumes],
        ports=port_bindings([*spec.ports, *options.lists.get("--publish", ())]),
        labels={**given_labels, **labels},
        detach=True,
        **{**rest, **own},
    )
