"""Service specs: a job or a sidecar as a one-task replicated-job service.

``container.options`` flags are read by the docker executor's parser; those a service
can carry are translated, any other is refused by name (a service has no ``--privileged``,
no ``--pid``, no port of its own outside the routing mesh).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plugins.executors.docker.options import ContainerOptions
from plugins.executors.docker.sdk import docker
from runner.api import ExecutorError

_SUPPORTED = frozenset({
    "--cpus", "--memory", "--user", "--hostname", "--workdir", "--env", "--label", "--init",
    "--read-only", "--cap-add", "--cap-drop", "--sysctl", "--add-host", "--stop-signal", "--entrypoint",
    "--health-cmd", "--health-interval", "--health-timeout", "--health-retries", "--health-start-period",
    "--no-healthcheck",
})


_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_NAME_LIMIT = 56
"""Service names are DNS labels (63 characters at most); a secret adds ``-env``."""


def service_name(*parts: str) -> str:
    """A unique service name for ``parts`` (run id, job key, sidecar), as a DNS label."""
    whole = "--".join(parts)
    name = _NOT_DNS.sub("-", f"baton-{whole}".lower()).strip("-")
    if len(name) <= _NAME_LIMIT and name == f"baton-{whole}":
        return name
    digest = hashlib.sha256(whole.encode()).hexdigest()[:10]
    return f"{name[:_NAME_LIMIT - 11].rstrip('-')}-{digest}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceShape:
    """One service to create."""

    name: str
    image: str
    labels: dict[str, str]
    options: ContainerOptions
    command: Sequence[str] | None = None
    """The container's entrypoint and arguments, replacing the image's (None keeps them)."""
    args: Sequence[str] | None = None
    constraints: Sequence[str] = ()
    mounts: Sequence[Any] = ()
    network: str | None = None
    aliases: Sequence[str] = ()
    secrets: Sequence[Any] = ()


def check_options(options: ContainerOptions, what: str) -> None:
    """Refuse, by name, a flag a swarm service cannot carry."""
    given = [*options.switches, *options.values, *options.lists]
    for flag in given:
        if flag not in _SUPPORTED:
            raise ExecutorError(f"container option {flag} of {what} is not supported by the swarm executor "
                                f"(supported: {', '.join(sorted(_SUPPORTED))})")


def create_arguments(shape: ServiceShape) -> dict[str, Any]:
    """Keyword arguments for ``APIClient.create_service``: one task, never restarted."""
    created = shape.options.create_arguments()
    entrypoint = created.get("entrypoint")
    container = docker.types.ContainerSpec(
        shape.image,
        command=list(shape.command) if shape.command is not None else entrypoint,
        args=list(shape.args) if shape.args is not None else None,
        env=[f"{key}={value}" for key, value in shape.options.env().items()],
        hostname=created.get("hostname"), workdir=created.get("working_dir"), user=created.get("user"),
        labels={**created.get("labels", {}), **shape.labels}, mounts=list(shape.mounts),
        read_only=created.get("read_only"), init=created.get("init"), stop_signal=created.get("stop_signal"),
        healthcheck=docker.types.Healthcheck(**created["healthcheck"]) if "healthcheck" in created else None,
        cap_add=created.get("cap_add"), cap_drop=created.get("cap_drop"), sysctls=created.get("sysctls"),
        hosts=created.get("extra_hosts"), secrets=list(shape.secrets) or None,
    )
    resources = None
    if "nano_cpus" in created or "mem_limit" in created:
        memory = created.get("mem_limit")
        resources = docker.types.Resources(
            cpu_limit=created.get("nano_cpus"),
            mem_limit=docker.utils.parse_bytes(memory) if memory is not None else None,
        )
    networks = ([docker.types.NetworkAttachmentConfig(shape.network, aliases=list(shape.aliases))]
                if shape.network else None)
    template = docker.types.TaskTemplate(
        container, resources=resources,
        restart_policy=docker.types.RestartPolicy(condition="none"),
        placement=docker.types.Placement(constraints=list(shape.constraints)) if shape.constraints else None,
        networks=networks,
    )
    # DNS round robin: a name answers with the task's own address (no IPVS virtual IP,
    # which needs kernel support some hosts lack, and adds nothing for one task)
    return {"task_template": template, "name": shape.name, "labels": shape.labels,
            "endpoint_spec": docker.types.EndpointSpec(mode="dnsrr"),
            "mode": docker.types.ServiceMode("replicated-job", replicas=1, concurrency=1)}
