"""One job on an SSH host: its folder under ``work_root``, its steps, copies in and out.

The folder is laid out as the other executors lay theirs (``.baton-run``,
``work/<name>/<name>``, ``work/_temp``, ``tool``), made with umask 077 so everything
in it is the remote user's alone.
"""

from __future__ import annotations

import asyncio
import gzip
import posixpath
import tarfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import paramiko

from plugins.executors.hostfs import transfer
from plugins.executors.hostfs.job_folder import MARKER, OWNER_MARKER, repository_name, safe_name
from plugins.executors.processes.completion import to_completion
from plugins.executors.processes.output_relay import OutputRelay
from plugins.executors.processes.tracking import VARIABLE
from plugins.executors.runner_machine import runner_arch, runner_os
from plugins.executors.ssh.channel import JobShell, StepChannel, run_command, stop_group
from plugins.executors.ssh.connection import Connection, ConnectionLost
from plugins.executors.ssh.leftovers import end_script, tracking_id
from plugins.executors.ssh.remote_script import q, step_script
from runner.api import Command, ContainerSpec, ExecutorError, JobSpec, MissingPathError, Outcome, OutputSink, ServiceInfo, owner_token

T = TypeVar("T")


class SshSession:
    """A job folder on a host reached over SSH (see :class:`runner.api.Session`)."""

    def __init__(self, connection: Connection, pool: ThreadPoolExecutor, grace_seconds: float) -> None:
        self.workspace = ""
        self.temp = ""
        self.tool_cache = ""
        self.os = "Linux"
        self.arch = "X64"
        self.host_workspace: Path | None = None
        self.services: dict[str, ServiceInfo] = {}
        self.root = ""
        """The job folder on the host (empty until made)."""
        self._connection = connection
        self._pool = pool
        self._grace = grace_seconds
        self._job_env: dict[str, str] = {}
        self._shell = JobShell(connection, is_login=connection.host.is_login_shell)
        self._groups: list[int] = []
        """Process groups of the steps run so far: their orphans are killed at close."""

    @property
    def host_name(self) -> str:
        """The host's name, as messages show it."""
        return self._connection.host.name

    async def create(self, job: JobSpec) -> None:
        """Make the job folder under the host's ``work_root`` (one round trip)."""
        host = self._connection.host
        self._job_env = dict(job.env)
        name = repository_name(job)
        base = host.work_root
        prefix = f"baton-{safe_name(job.run_id)}-{safe_name(job.job_key)}-"
        script = (
            f"umask 077; mkdir -p -- {q(base)} && d=$(mktemp -d {q(base)}/{q(prefix)}XXXXXXXX) && cd \"$d\" && "
            f"printf %s {q(job.run_id)} > {MARKER} && printf %s {q(owner_token())} > {OWNER_MARKER} && "
            f"mkdir -p work/{q(name)}/{q(name)} work/_temp tool && pwd && uname -sm"
        )
        code, out, err = await self._thread(run_command, self._connection, script)
        lines = out.decode(errors="replace").split("\n")
        if code != 0 or len(lines) < 2:
            raise ExecutorError(f"cannot make a job folder under {base} on {host.name}: "
                                f"{err.decode(errors='replace').strip() or f'exit {code}'}")
        self.root = lines[0]
        system, _, machine = lines[1].partition(" ")
        self.os = runner_os(system)
        self.arch = runner_arch(machine)
        self.workspace = posixpath.join(self.root, "work", name, name)
        self.temp = posixpath.join(self.root, "work", "_temp")
        self.tool_cache = posixpath.join(self.root, "tool")

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` on the host in its own session (``setsid``), streaming its output."""
        cwd = self._path(command.cwd)
        files = {self._path(posixpath.join(cwd, name)): content for name, content in command.files.items()}
        script = step_script(
            argv=command.argv, env={**self._job_env, **command.env, VARIABLE: tracking_id(self.root)}, path=command.path, cwd=cwd, files=files,
            scripts={self._path(posixpath.join(cwd, word)) for word in command.argv},
            collect=[posixpath.join(cwd, name) for name in command.collect],
        )
        relay = OutputRelay(asyncio.get_running_loop(), output)
        channel = StepChannel(self._connection, relay, self._shell)
        running = asyncio.wrap_future(self._pool.submit(channel.run, script, is_login=self._connection.host.is_login_shell))
        try:
            code, collected = await asyncio.shield(running)
        except asyncio.CancelledError:
            await to_completion(self._stop(channel, running))
            raise
        finally:
            relay.flush()
            if channel.group is not None:
                self._groups.append(channel.group)
        by_name = dict(zip((posixpath.join(cwd, n) for n in command.collect), command.collect))
        return Outcome(exit_code=code, files={by_name[path]: data for path, data in collected.items()})

    async def run_container(self, spec: ContainerSpec, command: Command, output: OutputSink) -> Outcome:
        """Not on an SSH host: baton runs no containers there."""
        raise ExecutorError(f"the ssh executor cannot run containers (image {spec.image}) on {self.host_name}")

    async def build_image(self, context: Path, dockerfile: str, tag: str, *, is_cached: bool = False) -> str:
        """Not on an SSH host."""
        raise ExecutorError(f"the ssh executor cannot build images ({tag}) on {self.host_name}")

    async def upload(self, source: Path, destination: str) -> None:
        """Send ``source``'s contents as one compressed tar over the connection."""
        if not source.is_dir():
            raise ExecutorError(f"cannot upload {source}: not a folder")
        target = self._path(destination)

        def send(channel: paramiko.Channel) -> None:
            with channel.makefile("wb") as stream, gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=1) as packed:
                with tarfile.open(fileobj=packed, mode="w|") as tar:
                    tar.add(source, arcname=".", recursive=True)

        code, _, err = await self._thread(
            run_command, self._connection, f"mkdir -p -- {q(target)} && tar -xzf - -C {q(target)}", stdin=send
        )
        if code != 0:
            raise ExecutorError(f"cannot upload {source} to {target} on {self.host_name}: {err.decode(errors='replace').strip()}")

    async def download(self, source: str, destination: Path) -> None:
        """Fetch a file or folder of the host as one compressed tar."""
        path = self._path(source)
        parent, name = posixpath.split(path.rstrip("/"))
        code, out, err = await self._thread(
            run_command, self._connection, f"[ -e {q(path)} ] || exit 3; cd {q(parent or '/')} && tar -czf - -- {q(name)}"
        )
        if code == 3:
            raise MissingPathError(f"cannot download {source}: it does not exist in the session")
        if code != 0:
            raise ExecutorError(f"cannot download {source} from {self.host_name}: {err.decode(errors='replace').strip()}")
        await asyncio.to_thread(transfer.extract_tar, [out], path, destination)

    def hash_files(self, roots: Sequence[str], is_wanted: Callable[[str], bool]) -> dict[str, bytes]:
        """SHA-256 digests of the regular files under ``roots`` (workspace-relative; links not
        followed) whose relative path ``is_wanted`` accepts; computed on the host (blocking)."""
        starts = " ".join(q(root or ".") for root in roots) or "."
        code, out, err = run_command(
            self._connection, f"cd {q(self.workspace)} && find -P {starts} -type f -print0 2>/dev/null; true")
        names = sorted({n.decode(errors="surrogateescape").removeprefix("./") for n in out.split(b"\0") if n})
        wanted = [name for name in names if is_wanted(name)]
        if not wanted:
            return {}
        listing = b"\0".join(name.encode(errors="surrogateescape") for name in wanted) + b"\0"
        code, out, err = run_command(self._connection, f"cd {q(self.workspace)} && xargs -0 sha256sum --", stdin=listing)
        lines = out.split(b"\n")[:len(wanted)]
        if code != 0 or len(lines) != len(wanted):
            raise ExecutorError(f"hashFiles failed on {self.host_name}: {err.decode(errors='replace').strip()}")
        return {name: bytes.fromhex(line.lstrip(b"\\")[:64].decode()) for name, line in zip(wanted, lines)}

    def close(self) -> None:
        """Stop what the steps left running (TERM, KILL after the grace period: marked
        processes and the steps' groups), then remove the job folder (blocking)."""
        self._shell.drop()
        if not self.root:
            return
        try:
            run_command(self._connection, end_script(self.root, tuple(self._groups), self._grace),
                        timeout=self._grace + 30)
        except ConnectionLost:
            pass  # nothing can be removed on a host that is gone; ``baton gc`` does it later

    async def _stop(self, channel: StepChannel, running: asyncio.Future[Any]) -> None:
        group = await self._thread(channel.wait_for_group, 5.0)
        if group is not None:
            await self._thread(stop_group, self._connection, group, self._grace)
        try:
            await running
        except ExecutorError:
            pass  # the step's end after a stop is the cancel's, not an error of its own

    def _path(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.workspace, path))

    async def _thread(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._pool.submit(function, *args, **kwargs))
