"""Choosing executors for ``baton run``: Docker when an engine answers, else the host,
and saying which, and why, on screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.api import Executor, ExecutorClass, HostPool, Pull
from runner.engine.placement import DEFAULT_IMAGES, Placement, PoolHost
from runner.errors import ConfigError, ExecutorError, UsageError
from runner.expr import Value
from runner.registry import build_executor, executor_classes, plugin_manager


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorSetup:
    """The executors of a run, the label map, and what to tell the user about them."""

    executors: dict[str, Executor]
    placement: Placement
    notes: list[str] = field(default_factory=list)


async def prepare(
    choice: str,
    platforms: dict[str, str],
    pull: Pull,
    labels: Iterable[str],
    options: Mapping[str, Mapping[str, Value]] | None = None,
    *,
    sources: str = "baton.toml",
) -> ExecutorSetup:
    """Executors for ``--executor CHOICE`` (``auto``, ``docker``, ``local`` or a plugin's name),
    each built with its ``[executors.<name>]`` options (read from ``sources``), plus every
    host-pool executor that baton.toml configures or ``-P LABEL=NAME://HOST`` names."""
    classes = executor_classes(plugin_manager())
    settings = options or {}
    executors: dict[str, Executor] = {"local": _build(classes, "local", settings, sources)}
    local_images = {label: image for label, image in platforms.items() if "://" not in image}
    on_hosts = {label.lower() for label, image in platforms.items() if "://" in image}
    container, images, notes = await _containers(choice, classes, settings, sources, executors, local_images, pull,
                                                 [label for label in labels if label.lower() not in on_hosts])
    hosts: list[PoolHost] = []
    wanted = {name for name in settings if name not in executors and name != "docker"}
    wanted |= {image.partition("://")[0] for image in platforms.values() if "://" in image}
    for name in sorted(wanted):
        executor = executors.get(name) or _build(classes, name, settings, sources)
        executors[name] = executor
        if isinstance(executor, HostPool):
            hosts += [PoolHost(executor=name, name=host, labels=found) for host, found in executor.host_labels().items()]
            notes += executor.notes()
    host_images = {label: image for label, image in platforms.items() if "://" in image}
    placement = Placement.build(container_executor=container, images={**images, **host_images}, explicit=platforms, hosts=hosts)
    return ExecutorSetup(executors=executors, placement=placement, notes=notes)


def _build(classes: Mapping[str, ExecutorClass], name: str, settings: Mapping[str, Mapping[str, Value]],
           sources: str) -> Executor:
    try:
        return build_executor(classes, name, settings.get(name, {}))
    except ConfigError as exc:
        raise ConfigError(exc.message, where=f"{sources}: {exc.where}" if exc.where else sources) from None


async def _containers(
    choice: str, classes: Mapping[str, ExecutorClass], settings: Mapping[str, Mapping[str, Value]], sources: str,
    executors: dict[str, Executor], platforms: dict[str, str], pull: Pull, labels: Iterable[str],
) -> tuple[str | None, dict[str, str], list[str]]:
    """The executor that runs image labels (None: the host), the images, and notes."""
    if choice == "local":
        return None, platforms, ["executor: local (jobs run in temporary folders on this machine)"]
    if choice not in ("auto", "docker"):
        executor = _build(classes, choice, settings, sources)
        await executor.check()
        executors[choice] = executor
        return choice, platforms, [f"executor: {choice}"]
    if "docker" not in classes:
        raise UsageError("the docker executor plugin is not installed or is disabled")
    docker = _build(classes, "docker", settings, sources)
    try:
        await docker.check()
    except ExecutorError:
        if choice == "docker":
            raise
        engine = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        return None, platforms, [
            f"executor: local, because no Docker engine answers at {engine}; jobs run in temporary folders "
            "on this machine (start dockerd to run them in containers)"
        ]
    executors["docker"] = docker
    notes = ["executor: docker (engine reachable)"]
    images = {**DEFAULT_IMAGES, **platforms}
    if choice == "auto":
        images, more = await _usable_images(images, set(labels), pull)
        notes.extend(more)
    return "docker", images, notes


async def _usable_images(images: dict[str, str], labels: set[str], pull: Pull) -> tuple[dict[str, str], list[str]]:
    """In auto mode, labels whose image is neither present nor pullable run on the host."""
    import docker

    notes: list[str] = []
    wanted = {label: image for label, image in images.items() if label.lower() in labels and image != "-self-hosted"}
    if not wanted:
        return images, notes
    client: Any = await asyncio.to_thread(docker.from_env, timeout=20)
    try:
        out = dict(images)
        for label, image in wanted.items():
            if await asyncio.to_thread(_available, client, image, pull):
                continue
            out[label] = "-self-hosted"
            notes.append(
                f"image {image} (for runs-on '{label}') is not here and cannot be pulled, so those jobs run on "
                f"this machine instead; map a local image with -P {label}=IMAGE"
            )
        return out, notes
    finally:
        client.close()


def _available(client: Any, image: str, pull: Pull) -> bool:
    import docker.errors

    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        pass
    except docker.errors.DockerException:
        return False
    if pull == "never":
        return False
    try:
        client.images.pull(image)
        return True
    except docker.errors.DockerException:
        return False
