"""The executor contract: every executor must pass these, run over ``local``, ``docker`` and ``ssh``
(whose host is this machine through a real sshd, so the tests can look at its files and processes)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from runner.api import Command, ContainerSpec, Executor, ExecutorError, JobSpec, Outcome, Session
from tests.plugins.executors.conftest import GRACE_SECONDS, host_command_lines



class Output:
    """An output sink that lets a test wait for a piece of text."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.calls = 0
        self._changed = asyncio.Event()

    def __call__(self, chunk: bytes) -> None:
        self.data += chunk
        self.calls += 1
        self._changed.set()

    @property
    def text(self) -> str:
        return self.data.decode(errors="replace")

    async def wait_for(self, text: str) -> None:
        while text not in self.text:
            self._changed.clear()
            await self._changed.wait()


def shell(session: Session, script: str, **fields: Any) -> Command:
    """A command running ``script`` with bash in the workspace."""
    return Command(argv=("bash", "-c", script), env=fields.pop("env", {}), cwd=session.workspace, **fields)


async def run(session: Session, script: str, **fields: Any) -> tuple[Outcome, str]:
    output = Output()
    outcome = await session.execute(shell(session, script, **fields), output)
    return outcome, output.text


async def no_process_with(marker: str) -> None:
    """Wait until no process's command line holds ``marker`` (a killed one may take a moment)."""
    async with asyncio.timeout(10):
        while any(marker in line for line in host_command_lines()):
            await asyncio.sleep(0.05)


def sleeper() -> str:
    """A ``sleep`` duration no other process on the machine uses: the test's process marker."""
    return str(random.randrange(10_000, 99_999))


async def test_output_arrives_in_order_and_while_the_step_runs(executor: Executor, job: JobSpec,
                                                               tmp_path: Path) -> None:
    async with executor.session(job) as session:
        output = Output()
        gate = f"{session.temp}/gate"
        script = (f"for i in 1 2 3; do echo line $i; done; echo oops >&2; "
                  f"while [ ! -e {gate} ]; do sleep 0.05; done; echo after")
        step = asyncio.ensure_future(session.execute(shell(session, script), output))
        await output.wait_for("oops\n")
        await output.wait_for("line 3\n")  # all of it before the step ends
        # stdout keeps its order; how it interleaves with stderr is the engine's (a container
        # has two pipes, as on GitHub's runner); the host executor merges them (test_local)
        assert output.text.replace("oops\n", "") == "line 1\nline 2\nline 3\n"
        (tmp_path / "gate").mkdir()
        (tmp_path / "gate" / "open").write_text("")
        await session.upload(tmp_path / "gate", gate)
        outcome = await step
        assert outcome.exit_code == 0
        assert output.text.endswith("after\n")


@pytest.mark.parametrize(("script", "code"), [
    ("true", 0), ("exit 3", 3), ("kill -9 $$", 137), ("kill -TERM $$", 143),
])
async def test_exit_code_is_a_value(executor: Executor, job: JobSpec, script: str, code: int) -> None:
    async with executor.session(job) as session:
        outcome, _ = await run(session, script)
        assert outcome.exit_code == code


async def test_env_and_path_prepend(executor: Executor, job: JobSpec) -> None:
    async with executor.session(job) as session:
        outcome, text = await run(session, 'echo "$GREETING|$CI|$PATH"', env={"GREETING": "hello world", "CI": "true"},
                                  path=("/opt/first", "/opt/second"))
        assert outcome.exit_code == 0
        greeting, from_job, path = text.strip().split("|")
        assert (greeting, from_job) == ("hello world", "true")
        assert path.startswith("/opt/first:/opt/second:")
        assert "/bin" in path.split(":")


async def test_cwd(executor: Executor, job: JobSpec) -> None:
    async with executor.session(job) as session:
        sub = f"{session.workspace}/sub/dir"
        command = Command(argv=("bash", "-c", "pwd"), env={}, cwd=sub, files={f"{sub}/keep": b""})
        output = Output()
        outcome = await session.execute(command, output)
        assert (outcome.exit_code, output.text) == (0, f"{sub}\n")


async def test_files_are_written_and_collected(executor: Executor, job: JobSpec) -> None:
    async with executor.session(job) as session:
        script, env_file, missing = f"{session.temp}/step.sh", f"{session.temp}/env", f"{session.temp}/none"
        command = Command(
            argv=(script,), env={"GITHUB_ENV": env_file}, cwd=session.workspace,
            files={script: b"#!/bin/bash\necho NAME=value >> \"$GITHUB_ENV\"\necho ran\n", env_file: b"A=1\n"},
            collect=(env_file, missing),
        )
        output = Output()
        outcome = await session.execute(command, output)
        assert output.text == "ran\n"
        assert outcome == Outcome(exit_code=0, files={env_file: b"A=1\nNAME=value\n"})


async def test_a_secret_in_env_never_shows_in_process_arguments(executor: Executor, job: JobSpec) -> None:
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    async with executor.session(job) as session:
        output = Output()
        step = asyncio.ensure_future(session.execute(
            shell(session, 'echo "ready ${#TOKEN}"; sleep 30', env={"TOKEN": secret}), output
        ))
        try:
            await output.wait_for(f"ready {len(secret)}\n")
            assert not [line for line in host_command_lines() if secret in line]
        finally:
            step.cancel()
            with pytest.raises(asyncio.CancelledError):
                await step


@pytest.mark.parametrize("ignores_sigterm", [False, True], ids=["stops-at-sigterm", "needs-sigkill"])
async def test_cancelling_stops_the_step_and_its_children(executor: Executor, job: JobSpec,
                                                          ignores_sigterm: bool) -> None:
    marker = sleeper()
    trap = "trap '' TERM; " if ignores_sigterm else ""
    script = f"{trap}sleep {marker} & echo started; sleep {marker}; wait"
    async with executor.session(job) as session:
        output = Output()
        step = asyncio.ensure_future(session.execute(shell(session, script), output))
        await output.wait_for("started")
        started = time.monotonic()
        step.cancel()
        with pytest.raises(asyncio.CancelledError):
            await step
        elapsed = time.monotonic() - started
        await no_process_with(f"sleep {marker}")
        if ignores_sigterm:
            assert elapsed >= GRACE_SECONDS - 0.5  # got its grace period before SIGKILL
        assert elapsed < GRACE_SECONDS + 5
        outcome, text = await run(session, "echo still usable")  # the session survives a cancelled step
        assert (outcome.exit_code, text) == (0, "still usable\n")


async def test_timeout_stops_the_step(executor: Executor, job: JobSpec) -> None:
    marker = sleeper()
    async with executor.session(job) as session:
        output = Output()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.0):
                await session.execute(shell(session, f"echo started; sleep {marker}"), output)
        assert output.text == "started\n"
        await no_process_with(f"sleep {marker}")


async def test_upload_download_round_trip(executor: Executor, job: JobSpec, tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "nested" / "deeper").mkdir(parents=True)
    (source / "a.txt").write_text("alpha\n")
    (source / "nested" / "deeper" / "b.bin").write_bytes(bytes(range(256)))
    async with executor.session(job) as session:
        await session.upload(source, f"{session.workspace}/data")
        outcome, text = await run(session, "cat data/a.txt && wc -c < data/nested/deeper/b.bin")
        assert (outcome.exit_code, text.split()) == (0, ["alpha", "256"])
        await session.download(f"{session.workspace}/data", tmp_path / "back")
        await session.download(f"{session.workspace}/data/a.txt", tmp_path / "single.txt")
        outside = "/tmp/outside-the-workspace"  # not under any mount: the archive path on docker
        if session.host_workspace is not None and Path(session.workspace) == session.host_workspace:
            with pytest.raises(ExecutorError, match="outside the job folder"):  # on this machine: refused
                await session.upload(source, outside)
            assert not Path(outside).exists()
        else:
            await session.upload(source, outside)
            await session.download(outside, tmp_path / "outside")
            assert (tmp_path / "outside" / "nested" / "deeper" / "b.bin").read_bytes() == bytes(range(256))
            if session.os == "Linux" and executor.name == "ssh":
                import shutil
                shutil.rmtree(outside)
    assert (tmp_path / "back" / "a.txt").read_text() == "alpha\n"
    assert (tmp_path / "back" / "nested" / "deeper" / "b.bin").read_bytes() == bytes(range(256))
    assert (tmp_path / "single.txt").read_text() == "alpha\n"


async def test_files_outside_the_workspace_are_written_and_collected(executor: Executor, job: JobSpec,
                                                                     tmp_path: Path) -> None:
    base = tmp_path / "elsewhere" if executor.name in ("local", "ssh") else Path("/var/tmp/elsewhere")
    note, missing = str(base / "note"), str(base / "missing")
    async with executor.session(job) as session:
        if executor.name == "local":  # this machine outside the job folder: never written
            with pytest.raises(ExecutorError, match="outside the job folder"):
                await session.execute(Command(argv=("true",), env={}, cwd=session.workspace,
                                              files={note: b"first\n"}), Output())
            assert not base.exists()
            return
        command = Command(argv=("bash", "-c", f"cat {note}; echo more >> {note}"), env={},
                          cwd=session.workspace, files={note: b"first\n"}, collect=(note, missing))
        output = Output()
        outcome = await session.execute(command, output)
    assert output.text == "first\n"
    assert outcome.files == {note: b"first\nmore\n"}


async def test_close_removes_everything(executor: Executor, job: JobSpec, host_dir: Path,
                                        request: pytest.FixtureRequest) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with executor.session(job) as session:
            await run(session, "echo data > file")
            if executor.name != "swarm":  # there the workspace is a volume on the task's node
                assert (local_path(session) / "file").exists()
            raise Boom
    assert list(host_dir.iterdir()) == []
    if executor.name in ("docker", "swarm"):
        client = request.getfixturevalue("docker_client")
        selector = {"label": f"baton.run={job.run_id}"}
        if executor.name == "swarm":
            assert client.services.list(filters=selector) == []
        assert client.containers.list(all=True, filters=selector) == []
        assert client.networks.list(filters=selector) == []
        assert client.volumes.list(filters=selector) == []


async def test_cancelling_while_the_session_opens_leaves_nothing(executor: Executor, job: JobSpec,
                                                                 host_dir: Path) -> None:
    async def open_and_wait() -> None:
        async with executor.session(job):
            await asyncio.Event().wait()  # until cancelled

    for delay in (0.0, 0.05, 0.2):
        task = asyncio.ensure_future(open_and_wait())
        await asyncio.sleep(delay)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert list(host_dir.iterdir()) == []  # docker objects: the run_id fixture checks


async def test_200000_lines_arrive_complete(executor: Executor, job: JobSpec) -> None:
    async with executor.session(job) as session:
        outcome, text = await run(session, "seq 1 200000")
    lines = text.split("\n")
    assert outcome.exit_code == 0
    assert len(lines) == 200001 and lines[-1] == ""
    assert lines[0] == "1" and lines[-2] == "200000"
    assert lines == [str(n) for n in range(1, 200001)] + [""]


async def test_run_container_sees_the_workspace(executor: Executor, job: JobSpec, shell_image: str) -> None:
    async with executor.session(job) as session:
        if executor.name == "ssh":  # no containers on an SSH host: a clear error, nothing else
            with pytest.raises(ExecutorError, match="cannot run containers"):
                await session.run_container(ContainerSpec(image=shell_image), shell(session, "true"), Output())
            return
        await run(session, "echo from-the-job > shared.txt")
        output = Output()
        outcome = await session.run_container(
            ContainerSpec(image=shell_image, entrypoint="/bin/sh", env={"WHO": "one-off"}),
            Command(argv=("-c", 'cat shared.txt; echo "$WHO" > answer.txt; exit 4'), env={},
                    cwd=session.workspace, collect=(f"{session.workspace}/answer.txt",)),
            output,
        )
        assert output.text == "from-the-job\n"
        assert outcome == Outcome(exit_code=4, files={f"{session.workspace}/answer.txt": b"one-off\n"})


def local_path(session: Session) -> Path:
    """The workspace as a folder of this machine (an SSH host here is this machine)."""
    return session.host_workspace or Path(session.workspace)


async def collect_after(executor: Executor, run_id: str) -> list[str]:
    return await executor.collect_garbage({run_id})


@pytest.mark.parametrize("kind", ["local", "docker", "ssh"], indirect=True)  # swarm keeps no folders here (its gc: test_swarm)
async def test_collect_garbage_removes_folders_of_inactive_runs(executor: Executor, job: JobSpec,
                                                                host_dir: Path) -> None:
    leftover = host_dir / "baton-dead-build-abcd"
    (leftover / "work").mkdir(parents=True)
    (leftover / ".baton-run").write_text("dead")
    unrelated = host_dir / "baton-not-ours"
    unrelated.mkdir()
    async with executor.session(job) as session:
        removed = await executor.collect_garbage(AllRunsBut("dead"))
        where = " on box" if executor.name == "ssh" else ""
        assert removed == [f"folder {leftover}{where} (run dead)"]
        assert local_path(session).exists()
    assert sorted(host_dir.iterdir()) == [unrelated]


class AllRunsBut:
    """Every run counts as active except one, so a test never collects other tests' objects."""

    def __init__(self, inactive: str) -> None:
        self.inactive = inactive

    def __contains__(self, run_id: object) -> bool:
        return run_id != self.inactive

    def __iter__(self) -> Any:
        raise AssertionError("collect_garbage must only ask whether a run is active")

    def __len__(self) -> int:
        raise AssertionError("collect_garbage must only ask whether a run is active")


OpenSession = Callable[[], Awaitable[Session]]
