"""A fake executor for plugin authors' tests (the way httpx ships a mock transport).

:class:`FakeExecutor` opens :class:`FakeSession` objects that keep their files in a
dictionary and answer commands with a function you give, so a native action or a
notifier can be tested without Docker, SSH or a shell::

    def respond(command: Command, session: FakeSession) -> tuple[int, bytes]:
        return 0, b"hello\\n"

    executor = FakeExecutor(respond)
    async with executor.session(job) as session:
        result = await MyAction().run(call, session)
    assert executor.sessions[0].commands[0].argv == (...)
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from pathlib import Path

from runner.api import Command, ContainerSpec, ExecutorError, JobSpec, Outcome, OutputSink, ServiceInfo, Session

Responder = Callable[[Command, "FakeSession"], tuple[int, bytes]]
"""Decides how a command ends: its exit code and its output."""


class FakeSession:
    """A session whose filesystem is :attr:`files` and whose processes are :attr:`commands`."""

    def __init__(self, job: JobSpec, respond: Responder) -> None:
        self.job = job
        self.respond = respond
        self.workspace = f"/fake/work/{job.repository.rpartition('/')[2]}"
        self.temp = "/fake/temp"
        self.tool_cache = "/fake/tools"
        self.os = "Linux"
        self.arch = "X64"
        self.host_workspace: Path | None = None
        self.services: dict[str, ServiceInfo] = {}
        self.files: dict[str, bytes] = {}
        """Every file the session holds, by absolute session path."""
        self.commands: list[Command] = []
        """Every command run, in order (``run_container`` ones included)."""
        self.containers: list[ContainerSpec] = []
        """The one-off containers asked for."""
        self.is_closed = False
        """Whether the session was closed (its context left)."""

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Record ``command``, write its files, answer with the responder, collect its files."""
        await asyncio.sleep(0)  # a real process takes time: let other tasks run meanwhile
        self.commands.append(command)
        self.files.update(command.files)
        code, text = self.respond(command, self)
        if text:
            output(text)
        return Outcome(exit_code=code, files={p: self.files[p] for p in command.collect if p in self.files})

    async def run_container(self, spec: ContainerSpec, command: Command, output: OutputSink) -> Outcome:
        """As :meth:`execute`, remembering the container's spec."""
        self.containers.append(spec)
        return await self.execute(command, output)

    async def build_image(self, context: Path, dockerfile: str, tag: str, *, is_cached: bool = False) -> str:
        """Pretend to build; the id is the tag."""
        if not (context / dockerfile).is_file():
            raise ExecutorError(f"no {dockerfile} in {context}")
        return tag

    async def upload(self, source: Path, destination: str) -> None:
        """Copy a host folder into :attr:`files`."""
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.files[posixpath.join(destination, path.relative_to(source).as_posix())] = path.read_bytes()

    async def download(self, source: str, destination: Path) -> None:
        """Write the files under ``source`` to a host folder."""
        prefix = source.rstrip("/") + "/"
        for name, data in self.files.items():
            if name == source or name.startswith(prefix):
                target = destination / (Path(name).name if name == source else name[len(prefix) :])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)


class FakeExecutor:
    """An executor whose sessions are :class:`FakeSession` objects (see the module docstring)."""

    name = "fake"

    def __init__(self, respond: Responder | None = None) -> None:
        self.respond: Responder = respond or (lambda command, session: (0, b""))
        self.sessions: list[FakeSession] = []
        """Every session opened, in order."""

    async def check(self) -> None:
        """Always ready."""

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """A new :class:`FakeSession` for ``job``."""
        session = FakeSession(job, self.respond)
        self.sessions.append(session)
        try:
            yield session
        finally:
            session.is_closed = True

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Nothing is ever left behind."""
        return []
