"""A job in a Docker container: one long-lived container, each step one exec in it.

The job's folder on this machine is bind-mounted at ``/home/runner/work`` (workspace
and temp folder) and ``/opt/hostedtoolcache``, so writing a step's script and reading
its command files are plain file operations; only paths outside those mounts go
through the engine's archive API.
"""

from __future__ import annotations

import asyncio
import posixpath
from pathlib import Path, PurePosixPath

from plugins.executors.hostfs import transfer
from plugins.executors.docker.api import Engine, EngineError, NotFound
from plugins.executors.docker.engine import job_labels, translated
from plugins.executors.docker.exec import StopMethod, run_exec
from plugins.executors.docker.run import Placement, build, prepend_path, run_one_off
from plugins.executors.docker.threads import in_thread, thread_to_completion
from plugins.executors.hostfs.job_folder import JobFolder, repository_name
from plugins.executors.settings import ExecutorSettings
from runner.api import NODE_FOLDER, Command, ContainerSpec, ExecutorError, JobSpec, MissingPathError, Outcome, OutputSink, ServiceInfo

WORK = PurePosixPath("/home/runner/work")
"""Where the job folder's ``work`` (workspace parent and temp folder) appears in containers."""
TOOL_CACHE = PurePosixPath("/opt/hostedtoolcache")
"""Where the job folder's tool cache appears in containers."""


class DockerSession:
    """A running job container, ready for steps (see :class:`runner.api.Session`).

    With a job ``folder`` on this machine bind-mounted (the docker executor), files under
    the mounts are plain file operations; without one (the swarm executor, whose job
    folder is a volume on the task's node), every file goes through the archive API.
    """

    def __init__(self, *, client: Engine, job: JobSpec, folder: JobFolder | None, container: str,
                 image_path: str, network: str | None, stop: StopMethod, arch: str,
                 settings: ExecutorSettings, binds: tuple[str, ...],
                 services: dict[str, ServiceInfo] | None = None) -> None:
        name = repository_name(job)
        self.workspace = str(WORK / name / name)
        self.temp = str(WORK / "_temp")
        self.tool_cache = str(TOOL_CACHE)
        self.os = "Linux"
        self.arch = arch
        self.host_workspace: Path | None = folder.workspace if folder else None
        self.services = services or {}
        self.container = container
        """The job container's id."""
        self._client = client
        self._folder = folder
        self._image_path = image_path
        self._stop: StopMethod = stop
        self._grace = settings.grace_seconds
        self._place = Placement(
            binds=binds, network=network, labels=job_labels(job), pull=job.pull,
            grace_seconds=settings.grace_seconds,
        )

    def host_path(self, path: str, cwd: str | None = None) -> Path | None:
        """Where a session path lies on this machine, or ``None`` when it is not under a mount."""
        if self._folder is None:
            return None
        absolute = PurePosixPath(posixpath.normpath(posixpath.join(cwd or self.workspace, path)))
        for target, source in ((WORK, self._folder.work), (TOOL_CACHE, self._folder.tool_cache)):
            if absolute == target or target in absolute.parents:
                return source / absolute.relative_to(target)
        return None

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` as one exec in the job container (see :class:`runner.api.Session`)."""
        await self._put_files(command)
        code = await run_exec(
            self._client, self.container, argv=command.argv,
            env=prepend_path(command.env, command.path, self._image_path), workdir=command.cwd,
            output=output, grace_seconds=self._grace, stop=self._stop,
        )
        return Outcome(exit_code=code, files=await self._collect(command))

    async def run_container(self, spec: ContainerSpec, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` in a one-off container on the job's mounts and network."""
        await self._put_files(command)
        code = await run_one_off(self._client, self._place, spec, command, output)
        return Outcome(exit_code=code, files=await self._collect(command))

    async def build_image(self, context: Path, dockerfile: str, tag: str, *, is_cached: bool = False) -> str:
        """Build an image, labelled so the session's close removes it (a cached one is kept,
        and reused when there); its id."""
        return await build(self._client, context, dockerfile, tag, self._place.labels, is_cached=is_cached)

    async def upload(self, source: Path, destination: str) -> None:
        """Copy a host folder's contents into the container at ``destination``."""
        target = self.host_path(destination)
        if target is not None and self._folder is not None:
            await in_thread(self._folder.copy_in, source, target, is_shared=True, shown_as=destination)
            return
        data = await in_thread(transfer.tar_of_folder, source, self._absolute(destination))
        with translated(f"uploading {source} to {destination}"):
            await in_thread(put_archive, self._client, self.container, data)

    async def download(self, source: str, destination: Path) -> None:
        """Copy a file or folder of the container to ``destination`` on this machine."""
        origin = self.host_path(source)
        if origin is not None and self._folder is not None:
            await in_thread(self._folder.copy_out, origin, destination, shown_as=source)
            return
        absolute = self._absolute(source)

        def fetch() -> None:
            with translated(f"downloading {source}"):
                try:
                    archive = get_archive(self._client, self.container, absolute)
                except NotFound:
                    raise MissingPathError(f"cannot download {source}: it does not exist in the session") from None
                transfer.extract_tar([archive], absolute, destination)

        await in_thread(fetch)

    def _absolute(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.workspace, path))

    async def _put_files(self, command: Command) -> None:
        local: dict[Path, bytes] = {}
        remote: dict[str, bytes] = {}
        for path, content in command.files.items():
            target = self.host_path(path, command.cwd)
            if target is None:
                remote[posixpath.normpath(posixpath.join(command.cwd, path))] = content
            else:
                local[target] = content
        scripts = set(command.argv)
        if self._folder is not None:
            host_scripts = {target for target in map(self._host_script, scripts) if target is not None}
            try:  # a few small files: quicker written here than handed to a thread
                self._folder.write_files(local, scripts=host_scripts, is_shared=True)
            except ExecutorError:
                raise
            except OSError as exc:
                raise ExecutorError(f"cannot write a step's files into {self._folder.root}: {exc}") from exc
        if remote:
            archive = transfer.tar_of_files(remote, scripts=scripts)
            with translated("copying a step's files into the job container"):
                await thread_to_completion(put_archive, self._client, self.container, archive)

    def _host_script(self, word: str) -> Path | None:
        return self.host_path(word) if word.startswith("/") else None

    async def _collect(self, command: Command) -> dict[str, bytes]:
        local: dict[str, Path] = {}
        remote: list[str] = []
        for path in command.collect:
            target = self.host_path(path, command.cwd)
            if target is None:
                remote.append(path)
            else:
                local[path] = target
        found: dict[str, bytes] = {}
        if self._folder is not None:
            try:
                found = self._folder.read_files(local)
            except ExecutorError:
                raise
            except OSError as exc:
                raise ExecutorError(f"cannot read a step's command files in {self._folder.root}: {exc}") from exc
        # one archive request each, all at once: a job folder in a volume has five command files
        contents = await asyncio.gather(
            *(in_thread(self._fetch_file, posixpath.join(command.cwd, path)) for path in remote)
        )
        found.update({path: content for path, content in zip(remote, contents) if content is not None})
        return found

    def _fetch_file(self, path: str) -> bytes | None:
        try:
            return transfer.file_from_tar([get_archive(self._client, self.container, path)])
        except NotFound:
            return None
        except EngineError as exc:
            raise ExecutorError(f"cannot read {path} from the job container: {exc.message}") from exc


def put_archive(engine: Engine, container: str, archive: bytes) -> None:
    """Unpack a tar ``archive`` at the container's root (blocking)."""
    engine.call("PUT", f"/containers/{container}/archive", {"path": "/"}, data=archive,
                headers={"Content-Type": "application/x-tar"})


def get_archive(engine: Engine, container: str, path: str) -> bytes:
    """A tar archive of ``path`` in the container (blocking); :class:`NotFound` when absent."""
    stream = engine.stream("GET", f"/containers/{container}/archive", {"path": path})
    try:
        return stream.read()
    finally:
        stream.close()


def mounts(folder: JobFolder) -> tuple[str, ...]:
    """The binds that put a job folder where containers expect it."""
    return (f"{folder.work}:{WORK}:rw", f"{folder.tool_cache}:{TOOL_CACHE}:rw")


def node_mount(job: JobSpec) -> tuple[str, ...]:
    """The read-only bind of baton's node binary's folder, when the job has one."""
    return (f"{job.node.parent}:{NODE_FOLDER}:ro",) if job.node is not None else ()
