"""A job's ``services:`` as services of their own on the job's overlay network.

Each answers by its name there. Its variables (a database password, often a secret)
never enter the service spec: they are a Swarm secret that a small shell prelude reads
before it runs the image's own entrypoint, so ``docker service inspect`` does not show them.
"""

from __future__ import annotations

import base64
import dataclasses
import shlex
from typing import Any

from plugins.executors.docker.api import Engine
from plugins.executors.docker.engine import ensure_image, image_info, translated
from plugins.executors.docker.mounts import parse_volume
from plugins.executors.docker.options import ContainerOptions, parse_options
from plugins.executors.docker.services import wait_healthy
from plugins.executors.docker.threads import in_thread, thread_to_completion
from plugins.executors.swarm.engines import Engines
from plugins.executors.swarm.settings import SwarmSettings
from plugins.executors.swarm.spec import ServiceShape, check_options, create_service, service_name
from plugins.executors.swarm.tasks import wait_running
from runner.api import ContainerSpec, ExecutorError, JobSpec

ENV_SECRET = "/run/secrets/baton-env"
"""Where a sidecar's variables appear in its container (a Swarm secret, mode 0400)."""
_PRELUDE = f'set -a; . {ENV_SECRET}; set +a; exec "$@"'


async def start_sidecars(engines: Engines, manager: Engine, job: JobSpec, settings: SwarmSettings, *,
                         network: str, labels: dict[str, str]) -> list[Engine]:
    """Start every service of ``job`` and wait until each is healthy; the node engines used."""
    placed = []
    for name, spec in job.services.items():
        service = await _create(manager, job, name, spec, network=network, labels=labels)
        placed.append((name, await wait_running(manager, service, f"service {name}",
                                                settings.queue_timeout_seconds)))
    nodes: list[Engine] = []
    for name, task in placed:
        node, _arch, _hostname = await in_thread(engines.for_node, task.node_id)
        nodes.append(node)
        await wait_healthy(node, name, task.container, settings.shared.health_timeout_seconds)
    return nodes


async def _create(manager: Engine, job: JobSpec, name: str, spec: ContainerSpec, *, network: str,
                  labels: dict[str, str]) -> str:
    options = parse_options(spec.options)
    check_options(options, f"service {name}")
    if spec.ports or options.lists.get("--publish"):
        raise ExecutorError(f"service {name} publishes ports, which the swarm executor does not do: "
                            f"steps reach it by name on the job's network ({name}:PORT)")
    await in_thread(ensure_image, manager, spec.image, pull=job.pull,
                            username=spec.username, password=spec.password)
    full_name = service_name(job.run_id, job.job_key, name)
    secrets: list[dict[str, Any]] = []
    command: list[str] | None = None
    args: list[str] | None = list(spec.command) or None
    env = {**options.env(), **spec.env}
    if env:
        with translated(f"storing the variables of service {name} as a swarm secret"):
            secret = await thread_to_completion(manager.post, "/secrets/create", body={
                "Name": f"{full_name}-env", "Labels": labels,
                "Data": base64.b64encode(_env_file(env).encode()).decode(),
            })
        secrets.append({"SecretID": secret["ID"], "SecretName": f"{full_name}-env",
                        "File": {"Name": "baton-env", "UID": "0", "GID": "0", "Mode": 0o400}})
        entrypoint, cmd = await in_thread(_image_command, manager, spec.image)
        if spec.entrypoint is not None or "--entrypoint" in options.values:
            entrypoint = [spec.entrypoint or options.values["--entrypoint"]]
            cmd = []
        command = ["/bin/sh", "-c", _PRELUDE, "sh", *entrypoint]
        args = list(spec.command) or cmd
    elif spec.entrypoint is not None:
        command = [spec.entrypoint]
    shape = ServiceShape(
        name=full_name, image=spec.image, labels=labels, options=_without_env(spec.options), command=command,
        args=args, mounts=[_mount(text, labels) for text in [*spec.volumes, *options.lists.get("--volume", ())]],
        network=network, aliases=[name], secrets=secrets,
    )
    with translated(f"starting service {name} ({spec.image})"):
        return await thread_to_completion(create_service, manager, shape)


def _env_file(env: dict[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in env.items())


def _without_env(text: str) -> ContainerOptions:
    """The options without ``--env``/``--volume`` (they travel as a secret and as mounts)."""
    options = parse_options(text)
    lists = {flag: values for flag, values in options.lists.items() if flag not in {"--env", "--volume"}}
    return dataclasses.replace(options, lists=lists)


def _image_command(client: Engine, image: str) -> tuple[list[str], list[str]]:
    with translated(f"inspecting image {image}"):
        config = (image_info(client, image) or {}).get("Config") or {}
    return list(config.get("Entrypoint") or []), list(config.get("Cmd") or [])


def _mount(text: str, labels: dict[str, str]) -> dict[str, Any]:
    entry = parse_volume(text)
    mount: dict[str, Any] = {"Target": entry.target, "Type": "bind" if entry.is_bind else "volume",
                             "ReadOnly": entry.mode.startswith("ro")}
    if entry.source is not None:
        mount["Source"] = entry.source
    elif not entry.is_bind:
        mount["VolumeOptions"] = {"Labels": labels}  # an anonymous volume: the sweep finds it
    return mount
