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

from runner.api import Executor, ExecutorClass, HostPool, ImageHolder, Pull
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
    is_host_fallback_allowed: bool = True,
) -> ExecutorSetup:
    """Executors for ``--executor CHOICE`` (``auto``, ``docker``, ``local`` or a plugin's name),
    each built with its ``[executors.<name>]`` options (read from ``sources``), plus every
    host-pool executor that baton.toml configures or ``-P LABEL=NAME://HOST`` names.

    Without ``is_host_fallback_allowed`` (the watch service), ``auto`` with no engine is an
    :class:`ExecutorError` instead of running jobs on this machine."""
    classes = executor_classes(plugin_manager())
    check_images(platforms, classes)
    settings = options or {}
    executors: dict[str, Executor] = {"local": _build(classes, "local", settings, sources)}
    local_images = {label: image for label, image in platforms.items() if "://" not in image}
    on_hosts = {label.lower() for label, image in platforms.items() if "://" in image}
    container, images, notes, problems = await _containers(choice, classes, settings, sources, executors, local_images, pull,
                                                 [label for label in labels if label.lower() not in on_hosts],
                                                 is_host_fallback_allowed)
    hosts: list[PoolHost] = []
    wanted = {name for name in settings if name not in executors and name != "docker"}
    wanted |= {image.partition("://")[0] for image in platforms.values() if "://" in image}
    for name in sorted(wanted):
        executor = executors.get(name) or _build(classes, name, settings, sources)
        executors[name] = executor
        if isinstance(executor, HostPool):
            capacities = executor.host_capacities()
            hosts += [PoolHost(executor=name, name=host, labels=found, capacity=capacities.get(host, 1))
                      for host, found in executor.host_labels().items()]
            notes += executor.notes()
    host_images = {label: image for label, image in platforms.items() if "://" in image}
    placement = Placement.build(container_executor=container, images={**images, **host_images}, explicit=platforms, hosts=hosts)
    placement = placement.with_problems(problems)
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
    is_host_fallback_allowed: bool,
) -> tuple[str | None, dict[str, str], list[str], dict[str, str]]:
    """The executor that runs image labels (None: the host), the images, notes, and the
    labels whose image cannot be had (lower-cased label → why their jobs fail)."""
    if choice == "local":
        return None, platforms, ["executor: local (jobs run in temporary folders on this machine)"], {}
    if choice not in ("auto", "docker"):
        executor = _build(classes, choice, settings, sources)
        await executor.check()
        executors[choice] = executor
        return choice, platforms, [f"executor: {choice}"], {}
    if "docker" not in classes:
        raise UsageError("the docker executor plugin is not installed or is disabled")
    docker = _build(classes, "docker", settings, sources)
    try:
        await docker.check()
    except ExecutorError as exc:
        if choice == "docker":
            raise
        engine = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if not is_host_fallback_allowed:
            raise ExecutorError(f"no Docker engine answers at {engine}, and jobs never move to this machine on their "
                                "own: start dockerd, or choose --executor local (or map labels to -self-hosted) to run "
                                "them here") from exc
        return None, platforms, [
            f"executor: local, because no Docker engine answers at {engine}; jobs run in temporary folders "
            "on this machine (start dockerd to run them in containers)"
        ], {}
    executors["docker"] = docker
    notes = ["executor: docker (engine reachable)"]
    images = {**DEFAULT_IMAGES, **platforms}
    problems = await _missing_images(docker, images, set(labels), pull) if choice == "auto" else {}
    notes.extend(problems.values())
    return "docker", images, notes, problems


_IMAGE = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?/)?"  # registry host[:port]/
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"  # path
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?"  # :tag @digest
)
"""A Docker image reference, as the distribution spec writes it. Compiled by ``re`` when a
label is first mapped to an image (and kept in its cache): 0.4 ms a run without -P saves."""


def check_images(platforms: Mapping[str, str], classes: Mapping[str, ExecutorClass]) -> None:
    """Refuse a label mapped to something that is neither an image, ``-self-hosted`` nor
    ``NAME://TARGET`` of an installed executor ``NAME``.

    A reference that cannot be parsed is an error, never a reason to run the job elsewhere.
    """
    for label, image in platforms.items():
        scheme, has_scheme, _target = image.partition("://")
        if has_scheme and scheme not in classes:
            raise UsageError(f"runs-on label '{label}' maps to '{image}', but no executor handles '{scheme}://' "
                             f"targets (installed: {', '.join(sorted(classes)) or 'none'})")
        if image == "-self-hosted" or has_scheme or re.fullmatch(_IMAGE, image):
            continue
        raise UsageError(f"runs-on label '{label}' maps to '{image}', which is not a Docker image reference "
                         "(use an image such as ubuntu:24.04, NAME://HOST for an executor's host, or -self-hosted "
                         "for this machine)")


async def _missing_images(docker: Executor, images: dict[str, str], labels: set[str], pull: Pull) -> dict[str, str]:
    """In auto mode: lower-cased label → why its jobs fail, for labels whose image can't be had."""
    wanted = {label: image for label, image in images.items() if label.lower() in labels and image != "-self-hosted"}
    if not wanted or not isinstance(docker, ImageHolder):
        return {}
    problems: dict[str, str] = {}
    for label, image in wanted.items():
        if await docker.can_have_image(image, pull):
            continue
        how = "is not here" if pull == "never" else "is not here and cannot be pulled"
        problems[label.lower()] = (
            f"image {image} (for runs-on '{label}') {how}, so its jobs fail rather than run on this machine; "
            f"map a local image with -P {label}=IMAGE, or run them here with -P {label}=-self-hosted"
        )
    return problems
