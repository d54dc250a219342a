"""Opening a job's Docker session: image, folder, network, services, job container; and closing it.

Everything created carries the job's labels, and the close removes by label, so even
an object whose creation was interrupted is found and removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from plugins.executors.docker.api import Engine, NotFound
from plugins.executors.processes.completion import to_completion
from plugins.executors.docker.engine import ensure_image, job_labels, translated
from plugins.executors.docker.leftovers import remove_labelled
from plugins.executors.docker.exec import StopMethod
from plugins.executors.docker.host_access import refuse_host_access
from plugins.executors.docker.create import create_container
from plugins.executors.docker.options import ContainerOptions, container_env, parse_options
from plugins.executors.docker.run import path_of
from plugins.executors.docker.services import ServicePlan, create_network, start_services
from plugins.executors.docker.session import WORK, DockerSession, mounts, node_mount
from plugins.executors.docker.threads import in_thread, thread_to_completion
from plugins.executors.hostfs.job_folder import JobFolder, safe_name
from plugins.executors.settings import ExecutorSettings
from runner.api import ContainerSpec, ExecutorError, JobSpec, ServiceInfo

KEEP_ALIVE = ["tail", "-f", "/dev/null"]
"""The job container's entrypoint: it only has to stay up while steps exec into it."""
_OWN_NETWORKS = frozenset({"host", "none", "bridge", "default"})


@asynccontextmanager
async def docker_session(client: Engine, job: JobSpec, settings: ExecutorSettings,
                         arch: str) -> AsyncIterator[DockerSession]:
    """Open a session for ``job``; leaving the block removes all it made, however it ends."""
    spec = job.container or (ContainerSpec(image=job.image) if job.image else None)
    if spec is None:
        raise ExecutorError(
            f"job {job.job_key} has no image: give it a container: or map its runs-on labels to an image"
        )
    if not settings.is_host_access_allowed:
        refuse_host_access(job.container, job.services)
    labels = job_labels(job)
    prefix = f"baton-{safe_name(job.run_id)}-{safe_name(job.job_key)}"
    folder: JobFolder | None = None
    container: str | None = None
    try:
        folder = JobFolder.create(settings.host_dir, job, is_shared=True)  # quick: a few mkdirs
        # Without services to start first, the job container's create says whether the image is here.
        if job.pull == "always" or job.services:
            await in_thread(ensure_image, client, spec.image, pull=job.pull,
                            username=spec.username, password=spec.password)
        network = None
        services: dict[str, ServiceInfo] = {}
        if job.services:
            network = await thread_to_completion(create_network, client, prefix, labels)
            services = await start_services(client, ServicePlan(
                network=prefix, labels=labels, name_prefix=prefix, pull=job.pull,
                health_timeout_seconds=settings.health_timeout_seconds,
            ), network, job.services)
        container, image_path, stop = await _start_job_container(
            client, job, spec, folder, name=prefix, network=prefix if network else None
        )
        yield DockerSession(
            client=client, job=job, folder=folder, container=container, image_path=image_path,
            network=prefix if network else None, stop=stop, arch=arch, settings=settings,
            binds=mounts(folder), services=services,
        )
    finally:
        await to_completion(in_thread(close, client, labels, folder, container))


def close(client: Engine, labels: dict[str, str], folder: JobFolder | None, container: str | None = None) -> list[str]:
    """Remove the session's containers (``container``, the job container, while the others
    are listed), network, volumes, images and folder (blocking)."""
    removed = remove_labelled(client, labels, first=container)
    if folder is not None:
        folder.remove()
        removed.append(f"folder {folder.root}")
    return removed


async def _start_job_container(client: Engine, job: JobSpec, spec: ContainerSpec, folder: JobFolder,
                               *, name: str, network: str | None) -> tuple[str, str, StopMethod]:
    """Create and start the job container; its id, its PATH, and how to stop its execs."""
    options = parse_options(spec.options)
    fields = options.create_fields()
    fields.config.pop("Entrypoint", None)  # the container must stay up: steps are execs
    chosen = options.values.get("--network")
    labels = job_labels(job)

    def create() -> Awaitable[str]:
        return create_container(
            client, spec, options, fields, labels=labels, env=container_env(options, spec),
            binds=[*mounts(folder), *node_mount(job)],
            name=name, entrypoint=KEEP_ALIVE, command=[],
            working_dir=fields.config.get("WorkingDir", str(WORK / folder.workspace.relative_to(folder.work))),
            network=chosen or network,
        )

    with translated(f"starting the job container ({spec.image})"):
        try:
            container = await create()
        except NotFound as exc:
            if not exc.message.startswith("No such image"):
                raise
            # not here: the pull policy decides (one request fewer for the usual case, an image that is)
            await in_thread(ensure_image, client, spec.image, pull=job.pull,
                            username=spec.username, password=spec.password)
            container = await create()
        if chosen and network and chosen not in _OWN_NETWORKS and not chosen.startswith("container:"):
            await thread_to_completion(client.post, f"/networks/{network}/connect", body={"Container": container})
        await thread_to_completion(client.post, f"/containers/{container}/start")
        info = await in_thread(client.get, f"/containers/{container}/json")
    return container, path_of(info.get("Config", {}).get("Env")), stop_method(info, options)


def stop_method(info: dict[str, Any], options: ContainerOptions) -> StopMethod:
    """How a job container's cancelled execs are stopped, from its inspection."""
    if _shows_here(int(info.get("State", {}).get("Pid") or 0)):
        return "tree"
    return "none" if options.values.get("--pid") == "host" else "inside"


def _shows_here(pid: int) -> bool:
    """Whether the container's keep-alive process is visible in this machine's ``/proc``.

    Then the engine runs here, and an exec's ``Pid`` names a process we can signal.
    """
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return pid > 0 and [word.decode(errors="replace") for word in words[:3]] == KEEP_ALIVE
