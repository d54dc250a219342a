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

from plugins.executors.docker.api import Engine
from plugins.executors.docker.api.auth import auth_header
from plugins.executors.docker.options import ContainerOptions
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
    mounts: Sequence[dict[str, Any]] = ()
    """The engine's ``Mount`` objects (``Target``, ``Source``, ``Type``, …)."""
    network: str | None = None
    aliases: Sequence[str] = ()
    secrets: Sequence[dict[str, Any]] = ()
    """The engine's secret references (``SecretID``, ``SecretName``, ``File``)."""


def check_options(options: ContainerOptions, what: str) -> None:
    """Refuse, by name, a flag a swarm service cannot carry."""
    given = [*options.switches, *options.values, *options.lists]
    for flag in given:
        if flag not in _SUPPORTED:
            raise ExecutorError(f"container option {flag} of {what} is not supported by the swarm executor "
                                f"(supported: {', '.join(sorted(_SUPPORTED))})")


def service_spec(shape: ServiceShape) -> dict[str, Any]:
    """The engine's service spec (``/services/create``): one task, never restarted."""
    fields = shape.options.create_fields()
    config, host = fields.config, fields.host
    container: dict[str, Any] = {
        "Image": shape.image,
        "Env": [f"{key}={value}" for key, value in shape.options.env().items()],
        "Labels": {**config.get("Labels", {}), **shape.labels},
        "Mounts": list(shape.mounts),
    }
    command = list(shape.command) if shape.command is not None else config.get("Entrypoint")
    for key, value in (("Command", command), ("Args", list(shape.args) if shape.args is not None else None),
                       ("Hostname", config.get("Hostname")), ("Dir", config.get("WorkingDir")),
                       ("User", config.get("User")), ("StopSignal", config.get("StopSignal")),
                       ("Healthcheck", config.get("Healthcheck")), ("ReadOnly", host.get("ReadonlyRootfs")),
                       ("Init", host.get("Init")), ("CapabilityAdd", host.get("CapAdd")),
                       ("CapabilityDrop", host.get("CapDrop")), ("Sysctls", host.get("Sysctls")),
                       ("Secrets", list(shape.secrets) or None)):
        if value is not None:
            container[key] = value
    if "ExtraHosts" in host:  # "name:address" as docker create takes it; a service's are hosts-file lines
        container["Hosts"] = [" ".join(reversed(entry.split(":", 1))) for entry in host["ExtraHosts"]]
    template: dict[str, Any] = {"ContainerSpec": container, "RestartPolicy": {"Condition": "none"}}
    limits = {key: host[field] for key, field in (("NanoCPUs", "NanoCpus"), ("MemoryBytes", "Memory")) if field in host}
    if limits:
        template["Resources"] = {"Limits": limits}
    if shape.constraints:
        template["Placement"] = {"Constraints": list(shape.constraints)}
    if shape.network:
        template["Networks"] = [{"Target": shape.network, "Aliases": list(shape.aliases)}]
    # DNS round robin: a name answers with the task's own address (no IPVS virtual IP,
    # which needs kernel support some hosts lack, and adds nothing for one task)
    return {"Name": shape.name, "Labels": shape.labels, "TaskTemplate": template,
            "EndpointSpec": {"Mode": "dnsrr"},
            "Mode": {"ReplicatedJob": {"MaxConcurrent": 1, "TotalCompletions": 1}}}


def create_service(engine: Engine, shape: ServiceShape) -> str:
    """Create the service ``shape`` describes (blocking, with the registry credentials
    ``docker login`` stored for its image, which nodes pull); its id."""
    created = engine.post("/services/create", body=service_spec(shape), headers=auth_header(shape.image))
    return str(created["ID"])
