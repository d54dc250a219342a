"""A job's network and its service containers, started and waited for until healthy."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from plugins.executors.docker.api import Engine, EngineError
from plugins.executors.docker.api.streams import text_of
from plugins.executors.docker.engine import ensure_image, translated
from plugins.executors.docker.create import create_container
from plugins.executors.docker.options import container_env, container_fields
from plugins.executors.docker.threads import in_thread, thread_to_completion
from runner.api import ContainerSpec, ExecutorError, Pull, ServiceInfo

_FIRST_POLL_SECONDS = 0.05
_LAST_POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePlan:
    """What every service of a job shares."""

    network: str
    labels: dict[str, str]
    name_prefix: str
    """Container names are ``<prefix>--<service>``."""
    pull: Pull
    health_timeout_seconds: float


def create_network(engine: Engine, name: str, labels: dict[str, str], *, driver: str = "bridge") -> str:
    """Create the job's network (blocking; a ``bridge``, or an attachable ``overlay``); its id."""
    body = {"Name": name, "Driver": driver, "Labels": labels, "CheckDuplicate": True, "Attachable": driver == "overlay"}
    with translated(f"creating network {name}"):
        return str(engine.post("/networks/create", body=body)["Id"])


async def start_services(client: Engine, plan: ServicePlan, network: str,
                         services: dict[str, ContainerSpec]) -> dict[str, ServiceInfo]:
    """Start every service on the job network (whose id is ``network``), then wait until
    each is healthy; what ``job.services`` shows of each.

    A service answers on the network by its name. One with a health check (``--health-cmd``
    in its options, or the image's ``HEALTHCHECK``) is waited for; one without counts
    as ready once it runs.
    """
    started: dict[str, str] = {}
    for name, spec in services.items():
        started[name] = await _start(client, plan, name, spec)
    waits = [asyncio.ensure_future(wait_healthy(client, name, container, plan.health_timeout_seconds))
             for name, container in started.items()]
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_EXCEPTION)
        for wait in done:
            wait.result()  # the first service that failed, with its own message
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.wait(waits)
    return {
        name: ServiceInfo(id=container, network=network, ports=_published(wait.result()))
        for (name, container), wait in zip(started.items(), waits)
    }


async def _start(client: Engine, plan: ServicePlan, name: str, spec: ContainerSpec) -> str:
    await in_thread(ensure_image, client, spec.image, pull=plan.pull,
                            username=spec.username, password=spec.password)
    options, fields = container_fields(spec)
    action = f"starting service {name} ({spec.image})"
    with translated(action):
        container = await create_container(
            client, spec, options, fields, labels=plan.labels, env=container_env(options, spec),
            name=f"{plan.name_prefix}--{name}",
            command=list(spec.command) or None,
            network=plan.network, aliases=[name],
        )
        await thread_to_completion(client.post, f"/containers/{container}/start")
    return container


async def wait_healthy(engine: Engine, name: str, container: str, timeout: float) -> dict[str, Any]:
    """Wait until the service container is healthy (or runs, without a health check);
    :class:`ExecutorError` saying why when it exits, turns unhealthy or takes too long."""
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL_SECONDS
    while True:
        try:
            info = await in_thread(engine.get, f"/containers/{container}/json")
            state = info["State"]
        except EngineError as exc:
            raise ExecutorError(f"service {name} vanished while starting: {exc.message}") from exc
        health = state.get("Health")
        if not state.get("Running"):
            logs = await in_thread(_log_tail, engine, container)
            raise ExecutorError(
                f"service {name} exited with code {state.get('ExitCode')} before it was ready{logs}"
            )
        if health is None or health.get("Status") == "healthy":
            return dict(info)
        if health.get("Status") == "unhealthy":
            probes = health.get("Log") or [{}]
            last = str(probes[-1].get("Output") or "").strip()
            raise ExecutorError(
                f"service {name} is unhealthy (its health check failed {health.get('FailingStreak')} "
                f"times; last output: {last[-300:] or 'none'})"
            )
        if time.monotonic() >= deadline:
            raise ExecutorError(f"service {name} did not become healthy within {timeout:g} s")
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LAST_POLL_SECONDS)


def _published(info: dict[str, Any]) -> dict[str, str]:
    """``{"5432": "49153"}`` from an inspection's ``{"5432/tcp": [{"HostPort": "49153"}]}``."""
    ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
    return {key.partition("/")[0]: str(bound[0].get("HostPort", "")) for key, bound in ports.items() if bound}


def _log_tail(engine: Engine, container: str) -> str:
    try:
        logs = engine.stream("GET", f"/containers/{container}/logs", {"stdout": True, "stderr": True, "tail": 5})
        try:
            text = text_of(logs).strip()
        finally:
            logs.close()
    except EngineError:
        return ""
    return f"; its last output: {text[-300:]}" if text else ""
