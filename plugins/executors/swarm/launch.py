"""Opening a job on the swarm: image, overlay network, sidecar services, the job's service;
and removing all of it, however the job ends.

The job's folder is two volumes (work, tool cache) that the task's node makes when the
task starts, filled through the engine once per job; steps are execs in the task's
container through that node's engine (see :mod:`plugins.executors.swarm.engines`).
"""

from __future__ import annotations

import io
import secrets
import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from plugins.executors.docker.host_access import refuse_host_access
from plugins.executors.docker.api import Engine, EngineError
from plugins.executors.docker.engine import ensure_image, job_labels, translated
from plugins.executors.docker.launch import KEEP_ALIVE, stop_method
from plugins.executors.docker.options import parse_options
from plugins.executors.docker.run import path_of
from plugins.executors.docker.services import create_network
from plugins.executors.docker.session import TOOL_CACHE, WORK, node_mount, put_archive
from plugins.executors.hostfs.job_folder import JobFolder, repository_name
from plugins.executors.docker.threads import in_thread, thread_to_completion
from plugins.executors.processes.completion import to_completion
from plugins.executors.swarm.engines import Engines
from plugins.executors.swarm.leftovers import sweep
from plugins.executors.swarm.session import TaskSession
from plugins.executors.swarm.settings import SwarmSettings
from plugins.executors.swarm.sidecars import start_sidecars
from plugins.executors.swarm.spec import ServiceShape, check_options, create_service, service_name
from plugins.executors.swarm.tasks import wait_running
from runner.api import NODE_FOLDER, ContainerSpec, ExecutorError, JobSpec

PROBE = ".baton-volume"
"""A file in the work volume (beside the workspace) that tells whether its folder is here."""


@asynccontextmanager
async def swarm_session(engines: Engines, job: JobSpec, settings: SwarmSettings) -> AsyncIterator[TaskSession]:
    """Open a session for ``job`` on the swarm; leaving the block removes all it made."""
    spec = job.container or (ContainerSpec(image=job.image) if job.image else None)
    if spec is None:
        raise ExecutorError(
            f"job {job.job_key} has no image: give it a container: or map its runs-on labels to an image"
        )
    refuse_host_access(job.container, job.services)  # a task lands on this machine too
    options = parse_options(spec.options)
    check_options(options, f"job {job.job_key}")
    labels = job_labels(job)
    prefix = service_name(job.run_id, job.job_key)
    manager = await in_thread(engines.manager)
    nodes: list[Engine] = []
    try:
        # The manager's engine holds the image for a single-node swarm; other nodes pull
        # it from the registry its name points at when their task starts.
        await in_thread(ensure_image, manager, spec.image, pull=job.pull,
                                username=spec.username, password=spec.password)
        network = None
        if job.services:
            network = prefix
            await thread_to_completion(create_network, manager, prefix, labels, driver="overlay")
            nodes += await start_sidecars(engines, manager, job, settings, network=prefix, labels=labels)
        volumes: list[dict[str, Any]] = [
            {"Target": str(WORK), "Source": f"{prefix}-work", "Type": "volume", "VolumeOptions": {"Labels": labels}},
            {"Target": str(TOOL_CACHE), "Source": f"{prefix}-tool", "Type": "volume", "VolumeOptions": {"Labels": labels}},
        ]
        if job.node is not None:  # baton's node for JavaScript actions: at the same path on every node
            volumes.append({"Target": NODE_FOLDER, "Source": str(job.node.parent), "Type": "bind", "ReadOnly": True})
        shape = ServiceShape(
            name=prefix, image=spec.image, labels=labels, options=options,
            command=KEEP_ALIVE, args=[], constraints=settings.constraints(job.labels), mounts=volumes,
            network=network,
        )
        with translated(f"creating the service of job {job.job_key} ({spec.image})"):
            service = await thread_to_completion(create_service, manager, shape)
        task = await wait_running(manager, service, f"job {job.job_key}",
                                  settings.queue_timeout_seconds)
        node, arch, _hostname = await in_thread(engines.for_node, task.node_id)
        nodes.append(node)
        token = secrets.token_hex(16)
        with translated(f"preparing the job folder of {job.job_key}"):
            info = await in_thread(node.get, f"/containers/{task.container}/json")
            await thread_to_completion(put_archive, node, task.container, _folders(job, token))
        folder = await in_thread(local_folder, node, job, prefix, token)
        yield TaskSession(
            client=node, job=job, folder=folder, container=task.container,
            image_path=path_of(info.get("Config", {}).get("Env")),
            network=network, stop=stop_method(info, options), arch=arch, settings=settings.shared,
            binds=(f"{prefix}-work:{WORK}:rw", f"{prefix}-tool:{TOOL_CACHE}:rw", *node_mount(job)),
            env={**options.env(), **spec.env},
        )
    finally:
        await to_completion(in_thread(sweep, manager, nodes, labels))


def _folders(job: JobSpec, token: str) -> bytes:
    """A tar making the workspace, temp folder and tool cache in the job's empty volumes,
    and the volume's probe file holding ``token``."""
    name = repository_name(job)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in (WORK, WORK / name, WORK / name / name, WORK / "_temp", TOOL_CACHE):
            info = tarfile.TarInfo(str(path).lstrip("/"))
            info.type = tarfile.DIRTYPE
            info.mode = 0o777  # a job may run its steps as another user (``--user``)
            tar.addfile(info)
        probe = tarfile.TarInfo(str(WORK / PROBE).lstrip("/"))
        probe.size = len(token)
        tar.addfile(probe, io.BytesIO(token.encode()))
    return buffer.getvalue()


def local_folder(node: Engine, job: JobSpec, prefix: str, token: str) -> JobFolder | None:
    """The job's volumes as a job folder of this machine, when they are here (blocking).

    A node's engine on this machine keeps them under its volumes folder: steps' files are
    then written and read there directly (beneath that folder, following no link), as the
    docker executor does with its bind mounts. The probe file written through the engine
    proves the folder is the one the container sees; elsewhere, None: the archive API.
    """
    try:
        work = Path(node.get(f"/volumes/{prefix}-work")["Mountpoint"])
        tool = Path(node.get(f"/volumes/{prefix}-tool")["Mountpoint"])
        if (work / PROBE).read_text() != token or work.parent.parent != tool.parent.parent:
            return None
    except (OSError, KeyError, EngineError):
        return None
    name = repository_name(job)
    return JobFolder(root=work.parent.parent, work=work, workspace=work / name / name, temp=work / "_temp",
                     tool_cache=tool)
