"""The ``local`` executor: each job in a fresh folder on this machine, steps as host processes.

Registered through ``baton_register_executors``. ``uses: docker://`` steps and Docker
actions still work when a Docker engine answers: their containers mount the job folder
at the same paths.

A step ends when its shell exits (see :mod:`.process`); what it left running (``sleep
1000 &``, ``nohup``, ``setsid`` daemons) may serve later steps, and is stopped when the
job ends, found by ``RUNNER_TRACKING_ID`` as GitHub's runner does (see
:mod:`plugins.executors.processes.tracking`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from plugins.executors.processes.completion import to_completion
from plugins.executors.local.process import OutputPipe, run_process
from plugins.executors.processes import stopping, tracking
from plugins.executors.processes.process_tree import ProcessInfo
from plugins.executors.hostfs.job_folder import JobFolder, leftover_folders, remove_tree
from plugins.executors.runner_machine import runner_arch, runner_os
from plugins.executors.settings import ExecutorSettings
from runner.api import (
    Command,
    ContainerSpec,
    ExecutorClass,
    ExecutorError,
    JobSpec,
    Outcome,
    OutputSink,
    ServiceInfo,
    Session,
    Value,
    hookimpl,
)

BASE_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "TZ",
            "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
"""Variables taken from baton's own environment; every other one is left out of steps."""
FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"


def host_os() -> str:
    """``RUNNER_OS`` for this machine."""
    return runner_os(os.uname().sysname)


def host_arch() -> str:
    """``RUNNER_ARCH`` for this machine."""
    return runner_arch(os.uname().machine)


def base_env() -> dict[str, str]:
    """The environment every step starts from: a few of baton's own variables."""
    env = {key: os.environ[key] for key in BASE_ENV if key in os.environ}
    env.setdefault("PATH", FALLBACK_PATH)
    return env


class LocalSession:
    """A job folder on this machine (see :class:`runner.api.Session`)."""

    def __init__(self, job: JobSpec, folder: JobFolder, settings: ExecutorSettings) -> None:
        self.workspace = str(folder.workspace)
        self.temp = str(folder.temp)
        self.tool_cache = str(folder.tool_cache)
        self.os = host_os()
        self.arch = host_arch()
        self.host_workspace: Path | None = folder.workspace
        self.services: dict[str, ServiceInfo] = {}
        self._job = job
        self._folder = folder
        self._settings = settings
        self.tracking_id = tracking.new_tracking_id(job.run_id)
        """Marks every process of the job (``RUNNER_TRACKING_ID``)."""
        self._base_env = base_env()
        self._client: Any = None
        self._leftovers: list[OutputPipe] = []
        self._sessions: list[ProcessInfo] = []

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` as a host process in its own process group."""
        self._write(command)
        env = {**self._base_env, **command.env, tracking.VARIABLE: self.tracking_id}
        if command.path:
            env["PATH"] = os.pathsep.join([*command.path, env.get("PATH", FALLBACK_PATH)])
        code = await run_process(command.argv, env=env, cwd=str(self._path(command.cwd)), output=output,
                                 grace_seconds=self._settings.grace_seconds, leftovers=self._leftovers,
                                 sessions=self._sessions)
        return Outcome(exit_code=code, files=self._collect(command))

    async def run_container(self, spec: ContainerSpec, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` in a one-off container with the job folder mounted at the same paths."""
        from plugins.executors.docker.engine import job_labels
        from plugins.executors.docker.run import Placement, run_one_off

        client = await self._engine(f"running a container of {spec.image}")
        self._write(command)
        place = Placement(
            binds=tuple(f"{path}:{path}:rw" for path in (self._folder.work, self._folder.tool_cache)),
            labels=job_labels(self._job), pull=self._job.pull,
            grace_seconds=self._settings.grace_seconds,
        )
        code = await run_one_off(client, place, spec, command, output)
        return Outcome(exit_code=code, files=self._collect(command))

    async def build_image(self, context: Path, dockerfile: str, tag: str, *, is_cached: bool = False) -> str:
        """Build an image with the Docker engine; the session's close removes it (unless cached)."""
        from plugins.executors.docker.engine import job_labels
        from plugins.executors.docker.run import build

        client = await self._engine(f"building image {tag}")
        return await build(client, context, dockerfile, tag, job_labels(self._job), is_cached=is_cached)

    async def upload(self, source: Path, destination: str) -> None:
        """Copy a host folder's contents to ``destination``."""
        await asyncio.to_thread(self._folder.copy_in, source, self._path(destination), is_shared=False,
                                shown_as=destination)

    async def download(self, source: str, destination: Path) -> None:
        """Copy a file or folder of the session to ``destination``."""
        await asyncio.to_thread(self._folder.copy_out, self._path(source), destination, shown_as=source)

    async def end_processes(self) -> None:
        """Stop every process the job's steps left running, and stop reading their output."""
        await tracking.end_tracked(self.tracking_id, self._sessions, self._settings.grace_seconds)
        for pipe in self._leftovers:
            pipe.close()
        self._leftovers.clear()

    def close(self) -> None:
        """Remove what Docker made for the session, then the folder (blocking)."""
        if self._client is not None:
            from plugins.executors.docker.engine import job_labels
            from plugins.executors.docker.leftovers import remove_labelled

            remove_labelled(self._client, job_labels(self._job))
            self._client.close()
        self._folder.remove()

    def _path(self, path: str) -> Path:
        return Path(self.workspace, path)  # an absolute ``path`` stays as it is

    def _write(self, command: Command) -> None:
        cwd = self._path(command.cwd)
        scripts = {cwd / word for word in command.argv}
        try:
            self._folder.write_files({cwd / path: content for path, content in command.files.items()},
                                     scripts=scripts, is_shared=False)
        except ExecutorError:
            raise
        except OSError as exc:
            raise ExecutorError(f"cannot write a step's files: {exc}") from exc

    def _collect(self, command: Command) -> dict[str, bytes]:
        cwd = self._path(command.cwd)
        try:
            return self._folder.read_files({path: cwd / path for path in command.collect})
        except ExecutorError:
            raise
        except OSError as exc:
            raise ExecutorError(f"cannot read a step's command files: {exc}") from exc

    async def _engine(self, purpose: str) -> Any:
        if self._client is None:
            from plugins.executors.docker.engine import connect

            try:
                self._client, _arch = await asyncio.to_thread(connect)
            except ExecutorError as exc:
                raise ExecutorError(f"{purpose} needs a Docker engine: {exc.message}") from exc
        return self._client


class LocalExecutor:
    """Runs jobs on this machine, each in a fresh temporary folder."""

    name = "local"

    def __init__(self, options: Mapping[str, Value]) -> None:
        self.settings = ExecutorSettings.from_options(self.name, options)
        """The options, validated."""

    async def check(self) -> None:
        """Always fine: this machine is here."""

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """A fresh folder for ``job``; leaving the block deletes it.

        A job container or services need a container engine: such a job fails here,
        saying so, rather than running its steps somewhere else than it asked.
        """
        if job.container is not None or job.services:
            what = f"a job container ({job.container.image})" if job.container else f"services ({', '.join(job.services)})"
            raise ExecutorError(f"job '{job.name}' asks for {what}, which the local executor cannot provide; run it with --executor docker")
        folder = JobFolder.create(self.settings.host_dir, job, is_shared=False)  # quick: a few mkdirs
        session = LocalSession(job, folder, self.settings)
        try:
            yield session
        finally:
            try:
                await to_completion(session.end_processes())
            finally:
                await to_completion(asyncio.to_thread(session.close))

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Stop the processes and remove the job folders that runs not in ``active_runs``
        left behind when their baton process died."""
        removed: list[str] = []
        left = await asyncio.to_thread(tracking.orphans, active_runs)
        if left:
            pids = {info.pid for info, _ in left}
            orphans = stopping.FoundProcesses(
                lambda: [info for info, _ in tracking.orphans(active_runs) if info.pid in pids]
            )
            await stopping.stop(orphans, self.settings.grace_seconds)
            removed += [f"process {info.pid} (run {run_id})" for info, run_id in left]
        for path, run_id in await asyncio.to_thread(leftover_folders, self.settings.host_dir, active_runs):
            await asyncio.to_thread(remove_tree, path)
            removed.append(f"folder {path} (run {run_id})")
        return removed


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """The ``local`` executor."""
    return [LocalExecutor]
