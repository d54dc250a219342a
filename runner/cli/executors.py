"""Choosing executors for ``baton run``: Docker when an engine answers, else the host,
and saying which, and why, on screen.

A job moves to this machine only where the user sent it: ``--executor local``, a label
mapped to ``-self-hosted``, or no container engine at all. With an engine, a label whose
image cannot be had fails its jobs with how to map it; it never falls back to the host.
"""

from __future__ import annotations

import asyncio
import os
import re
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
    check_images(platforms)
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
    placement = Placement.build(container_executor="docker", images=images)
    if choice == "auto":
        problems = await _missing_images(images, set(labels), pull)
        notes.extend(problems.values())
        placement = placement.with_problems(problems)
    return ExecutorSetup(executors=executors, placement=placement, notes=notes)


_IMAGE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?/)?"  # registry host[:port]/
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"  # path
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?"  # :tag @digest
)
"""A Docker image reference, as the distribution spec writes it."""


def check_images(platforms: Mapping[str, str]) -> None:
    """Refuse a label mapped to something that is neither an image nor ``-self-hosted``.

    ``ssh://…`` and other schemes are errors until an executor claims them, never a
    reason to run the job elsewhere.
    """
    for label, image in platforms.items():
        if image == "-self-hosted" or _IMAGE.fullmatch(image):
            continue
        scheme = image.partition("://")[0] if "://" in image else None
        why = f"no executor handles '{scheme}://' targets" if scheme else "it is not a Docker image reference"
        raise UsageError(f"runs-on label '{label}' maps to '{image}': {why} (use an image such as ubuntu:24.04, "
                         "or -self-hosted for this machine)")


async def _missing_images(images: dict[str, str], labels: set[str], pull: Pull) -> dict[str, str]:
    """In auto mode: lower-cased label → why its jobs fail, for labels whose image can't be had."""
    import docker

    wanted = {label: image for label, image in images.items() if label.lower() in labels and image != "-self-hosted"}
    if not wanted:
        return {}
    client: Any = await asyncio.to_thread(docker.from_env, timeout=20)
    try:
        problems: dict[str, str] = {}
        for label, image in wanted.items():
            if await asyncio.to_thread(_available, client, image, pull):
                continue
            how = "is not here" if pull == "never" else "is not here and cannot be pulled"
            problems[label.lower()] = (
                f"image {image} (for runs-on '{label}') {how}, so its jobs fail rather than run on this machine; "
                f"map a local image with -P {label}=IMAGE, or run them here with -P {label}=-self-hosted"
            )
        return problems
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
