"""Choosing executors for ``baton run``: Docker when an engine answers, else the host,
and saying which, and why, on screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.api import Executor, Pull
from runner.engine.placement import DEFAULT_IMAGES, Placement
from runner.errors import ExecutorError, UsageError
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
) -> ExecutorSetup:
    """Executors for ``--executor CHOICE`` (``auto``, ``docker``, ``local`` or a plugin's name),
    each built with its ``[executors.<name>]`` options."""
    classes = executor_classes(plugin_manager())
    settings = options or {}
    executors: dict[str, Executor] = {"local": build_executor(classes, "local", settings.get("local", {}))}
    if choice == "local":
        return ExecutorSetup(
            executors=executors,
            placement=Placement.build(container_executor=None, images=platforms),
            notes=["executor: local (jobs run in temporary folders on this machine)"],
        )
    if choice not in ("auto", "docker"):
        executor = build_executor(classes, choice, settings.get(choice, {}))
        await executor.check()
        executors[choice] = executor
        placement = Placement.build(container_executor=choice, images=platforms)
        return ExecutorSetup(executors=executors, placement=placement, notes=[f"executor: {choice}"])
    if "docker" not in classes:
        raise UsageError("the docker executor plugin is not installed or is disabled")
    docker = build_executor(classes, "docker", settings.get("docker", {}))
    try:
        await docker.check()
    except ExecutorError:
        if choice == "docker":
            raise
        engine = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        return ExecutorSetup(
            executors=executors,
            placement=Placement.build(container_executor=None, images=platforms),
            notes=[
                f"executor: local, because no Docker engine answers at {engine}; jobs run in temporary folders "
                "on this machine (start dockerd to run them in containers)"
            ],
        )
    executors["docker"] = docker
    notes = ["executor: docker (engine reachable)"]
    images = {**DEFAULT_IMAGES, **platforms}
    if choice == "auto":
        images, more = await _usable_images(images, set(labels), pull)
        notes.extend(more)
    return ExecutorSetup(executors=executors, placement=Placement.build(container_executor="docker", images=images), notes=notes)


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
