"""One-off containers (``uses: docker://…``, Docker actions) and image builds for a session."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from pathlib import Path
from plugins.executors.processes.completion import to_completion
from plugins.executors.docker.api import Engine, EngineError
from plugins.executors.docker.api.build import build_image
from plugins.executors.docker.api.streams import payloads
from plugins.executors.docker.engine import ensure_image, image_info, translated
from plugins.executors.docker.create import create_container
from plugins.executors.docker.options import container_env, container_fields
from plugins.executors.docker.threads import in_thread, thread_to_completion
from plugins.executors.processes.output_relay import OutputRelay
from runner.api import Command, ContainerSpec, ExecutorError, OutputSink, Pull

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH a container gets when its image sets none (Docker's own default)."""
CACHED_LABEL = "baton.action-image"
"""Marks an image built for a remote action at one commit: kept across runs, reused."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """Where a session's one-off containers go and how they are marked."""

    binds: tuple[str, ...]
    """``host:container:mode`` mounts: the session's work folder and tool cache."""
    network: str | None = None
    """The job's network, so services answer by name."""
    labels: dict[str, str] = field(default_factory=dict)
    pull: Pull = "missing"
    grace_seconds: float = 5.0


def prepend_path(env: dict[str, str], path: tuple[str, ...], base: str) -> dict[str, str]:
    """``env`` with ``path`` folders before ``env``'s PATH (or ``base``), first one first."""
    if not path:
        return env
    return {**env, "PATH": ":".join([*path, env.get("PATH") or base])}


def image_path(client: Engine, image: str) -> str:
    """The PATH an image sets (blocking), Docker's default when it sets none."""
    with translated(f"inspecting image {image}"):
        config = (image_info(client, image) or {}).get("Config") or {}
    return path_of(config.get("Env"))


def path_of(env: list[str] | None) -> str:
    """The PATH in a ``NAME=value`` list, Docker's default when absent."""
    for entry in env or ():
        if entry.startswith("PATH="):
            return entry[5:]
    return DEFAULT_PATH


async def run_one_off(client: Engine, place: Placement, spec: ContainerSpec, command: Command,
                      output: OutputSink) -> int:
    """Run ``command.argv`` as the arguments of a fresh ``spec.image`` container; its exit code.

    The container is removed afterwards, however it ends; a cancellation stops it (the
    image's stop signal, then SIGKILL after the grace period) first.
    """
    await in_thread(ensure_image, client, spec.image, pull=place.pull,
                            username=spec.username, password=spec.password)
    options, fields = container_fields(spec)
    env = container_env(options, spec, command.env)
    if command.path:
        env = prepend_path(env, command.path, await in_thread(image_path, client, spec.image))
    with translated(f"creating a container of {spec.image}"):
        container = await create_container(
            client, spec, options, fields, labels=place.labels, env=env, binds=place.binds,
            command=list(command.argv) or None,
            working_dir=fields.config.get("WorkingDir", command.cwd),
            network=place.network,
        )
    try:
        return await _stream(client, container, place, output)
    finally:
        await to_completion(in_thread(_remove_quietly, client, container))


async def build(client: Engine, context: Path, dockerfile: str, tag: str, labels: dict[str, str],
                *, is_cached: bool = False) -> str:
    """Build ``context`` with ``dockerfile`` as ``tag``, labelled; the image id.

    A cached build is not labelled with the job (its close keeps it), and an image already
    tagged ``tag`` is used without building."""
    if is_cached:
        existing = await in_thread(_image_id, client, tag)
        if existing is not None:
            return existing
        labels = {CACHED_LABEL: tag}
    try:
        return await thread_to_completion(build_image, client, context, dockerfile, tag, labels)
    except EngineError as exc:
        raise ExecutorError(f"building image {tag} from {context} failed: {exc.message}") from exc


def _image_id(client: Engine, tag: str) -> str | None:
    """The id of the image tagged ``tag``, or None when there is none (blocking)."""
    try:
        info = image_info(client, tag)
    except EngineError as exc:
        raise ExecutorError(f"looking up image {tag} failed: {exc.message}") from exc
    return None if info is None else str(info["Id"])


async def _stream(api: Engine, container: str, place: Placement, output: OutputSink) -> int:
    relay = OutputRelay(asyncio.get_running_loop(), output)

    def follow() -> int:
        api.post(f"/containers/{container}/start")
        logs = api.stream("GET", f"/containers/{container}/logs", {"stdout": True, "stderr": True, "follow": True})
        try:
            for chunk in payloads(logs):
                relay.push(chunk)
        finally:
            logs.close()
        return int(api.post(f"/containers/{container}/wait", timeout=None).get("StatusCode", 1))

    task = asyncio.ensure_future(in_thread(follow))
    try:
        with translated("running a one-off container"):
            code = await asyncio.shield(task)
    except asyncio.CancelledError:
        await to_completion(in_thread(_stop_quietly, api, container, place.grace_seconds))
        await asyncio.wait({task})
        if not task.cancelled():
            task.exception()
        raise
    finally:
        relay.flush()
    return code


def _stop_quietly(api: Engine, container: str, grace: float) -> None:
    seconds = math.ceil(grace)
    try:
        api.post(f"/containers/{container}/stop", {"t": seconds}, timeout=seconds + 60)
    except EngineError:
        pass


def _remove_quietly(api: Engine, container: str) -> None:
    try:
        api.delete(f"/containers/{container}", {"force": True, "v": True})
    except EngineError:
        pass  # the session's label sweep gets it
