"""The ssh executor beyond the contract: host keys, unreachable and dying hosts, labels,
jumps, ``~/.ssh/config``, hashing files on the host, settings errors.

Every server is a real sshd on a loopback address; the "host" is this machine, so the
tests look at its folders and processes directly.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.ssh import SshExecutor
from plugins.executors.ssh.session import SshSession
from runner.api import Command, ConfigError, ExecutorError, JobSpec
from runner.cli.executors import prepare
from runner.expr.hashfiles import hash_through, hash_workspace_files
from tests.plugins.executors.conftest import host_command_lines
from tests.plugins.executors.test_contract import Output, no_process_with, run, shell, sleeper
from tests.sshd import host_table, kill_server


def job(*labels: str, host: str | None = None) -> JobSpec:
    return JobSpec(run_id=f"test-{uuid.uuid4().hex[:12]}", job_key="build", name="build", labels=labels,
                   repository="octo/project", host=host)


def ssh_fingerprint(public_key: str, tmp_path: Path) -> str:
    """The fingerprint as OpenSSH's own tools print it."""
    path = tmp_path / "key.pub"
    path.write_text(public_key + "\n")
    return subprocess.run(["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True, check=True).stdout.split()[1]


def work_folders(server: Any) -> list[Path]:
    root = server.directory / "work"
    return sorted(root.iterdir()) if root.exists() else []


async def test_a_changed_host_key_is_refused_with_its_fingerprint_and_nothing_runs(
        sshd: Callable[..., Any], tmp_path: Path) -> None:
    server, other = sshd(), sshd()
    known = tmp_path / "known_hosts"
    known.write_text(f"[{server.host}]:{server.port} {other.host_public_key}\n")  # someone else's key
    executor = SshExecutor({"hosts": {"box": host_table(server, known_hosts=str(known))}})
    with pytest.raises(ExecutorError) as caught:
        async with executor.session(job("box")):
            raise AssertionError("a session opened on a host with the wrong key")
    message = str(caught.value)
    assert "box" in message and "does not match" in message and f"known in {known}" in message
    assert ssh_fingerprint(server.host_public_key, tmp_path) in message
    assert work_folders(server) == []


async def test_unknown_key_strict_refused_accept_new_saves_it_pin_accepted(sshd: Callable[..., Any], tmp_path: Path) -> None:
    server = sshd()
    known = tmp_path / "fresh" / "known_hosts"
    strict = SshExecutor({"hosts": {"box": host_table(server, known_hosts=str(known))}})
    with pytest.raises(ExecutorError, match=ssh_fingerprint(server.host_public_key, tmp_path).replace("+", r"\+")):
        async with strict.session(job("box")):
            pass
    trusting = SshExecutor({"hosts": {"box": host_table(server, known_hosts=str(known), host_key_policy="accept-new")}})
    for _ in range(2):  # the second time the key is known: not written twice
        async with trusting.session(job("box")) as session:
            assert (await run(session, "echo on the host"))[1] == "on the host\n"
    assert known.read_text() == f"[{server.host}]:{server.port} {server.host_public_key}\n"
    pinned = SshExecutor({"hosts": {"box": host_table(server, known_hosts=str(tmp_path / "none"),
                                                      host_key=server.host_public_key)}})
    async with pinned.session(job("box")) as session:
        assert (await run(session, "true"))[0].exit_code == 0


async def test_nothing_listening_is_a_clear_error_within_30_seconds(sshd: Callable[..., Any]) -> None:
    server = sshd()
    kill_server(server)
    executor = SshExecutor({"hosts": {"box": host_table(server)}})
    started = time.monotonic()
    with pytest.raises(ExecutorError, match=r"cannot connect to host box \(127\.0\.0\.1:\d+\): Connection refused"):
        async with executor.session(job("box")):
            pass
    assert time.monotonic() - started < 30


async def test_a_host_dying_mid_step_fails_its_job_naming_it_and_others_go_on(sshd: Callable[..., Any]) -> None:
    doomed, healthy = sshd(), sshd("127.0.0.2")
    executor = SshExecutor({"hosts": {"doomed": host_table(doomed), "healthy": host_table(healthy)}})
    marker = sleeper()
    async with executor.session(job("doomed")) as lost, executor.session(job("healthy")) as kept:
        output = Output()
        step = asyncio.ensure_future(lost.execute(shell(lost, f"echo started; sleep {marker}"), output))
        other = asyncio.ensure_future(kept.execute(shell(kept, "echo waiting; read line < /dev/null; sleep 1; echo done"), Output()))
        await output.wait_for("started\n")
        started = time.monotonic()
        kill_server(doomed)
        with pytest.raises(ExecutorError, match="lost connection to doomed"):
            await step
        assert time.monotonic() - started < 45
        assert (await other).exit_code == 0
        with pytest.raises(ExecutorError, match="lost connection to doomed"):
            await run(lost, "true")
    kill_command_line(f"sleep {marker}")  # what the dead host left: gone with the host in real life


async def test_labels_choose_the_host_or_say_which_hosts_have_which(sshd: Callable[..., Any]) -> None:
    first, second = sshd(), sshd("127.0.0.2")
    executor = SshExecutor({"hosts": {"gpu-1": host_table(first, labels=["linux", "gpu"], capacity=2),
                                      "arm-1": host_table(second, labels=["linux", "arm64"])}})
    assert executor.host_capacities() == {"gpu-1": 2, "arm-1": 1}  # the engine counts the slots
    for labels, name in [(("self-hosted", "GPU"), "gpu-1"), (("arm64",), "arm-1")]:
        async with executor.session(job(*labels)) as session:
            assert isinstance(session, SshSession) and session.host_name == name
    async with executor.session(job("gpu", host="arm-1")) as session:  # the engine's choice wins
        assert isinstance(session, SshSession) and session.host_name == "arm-1"
    with pytest.raises(ExecutorError, match=r"no SSH host has all of the labels \['gpu', 'windows'\].*gpu-1: gpu, gpu-1"):
        async with executor.session(job("gpu", "windows")):
            pass


def kill_command_line(line: str) -> None:
    """SIGKILL the processes whose command line is exactly ``line`` (a test's own marker)."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().replace(b"\0", b" ").strip() == line.encode():
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            continue


async def test_jump_host_and_ssh_config_alias(sshd: Callable[..., Any], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bastion, inner = sshd(), sshd("127.0.0.2")
    (bastion.known_hosts_path.parent / "both").write_text(
        bastion.known_hosts_path.read_text() + inner.known_hosts_path.read_text())
    known = str(bastion.known_hosts_path.parent / "both")
    executor = SshExecutor({"hosts": {
        "bastion": host_table(bastion, known_hosts=known),
        "inner": host_table(inner, known_hosts=known, jump="bastion", identity=str(inner.client_key_path)),
    }})
    async with executor.session(job("inner")) as session:
        assert (await run(session, "echo through"))[1] == "through\n"
    config = tmp_path / "ssh_config"
    config.write_text(f"Host box-alias\n  HostName {inner.host}\n  Port {inner.port}\n  User {inner.user}\n"
                      f"  IdentityFile {inner.client_key_path}\n  UserKnownHostsFile {inner.known_hosts_path}\n")
    monkeypatch.setenv("BATON_SSH_CONFIG", str(config))
    async with SshExecutor({}).session(job("ubuntu-latest", host="box-alias")) as session:
        assert (await run(session, "echo aliased"))[1] == "aliased\n"


async def test_hash_files_hashes_the_files_on_the_host(shared_sshd: Any, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "deps" / "deeper").mkdir(parents=True)
    (source / "deps" / "a.lock").write_text("one\n")
    (source / "deps" / "deeper" / "b.lock").write_text("two\n")
    (source / "other.txt").write_text("three\n")
    patterns = ["**/*.lock", "!deps/deeper/**"]
    executor = SshExecutor({"hosts": {"box": host_table(shared_sshd)}})
    async with executor.session(job("box")) as session:
        assert isinstance(session, SshSession)
        await session.upload(source, session.workspace)
        digest = await asyncio.to_thread(hash_through, session.workspace, patterns, session.hash_files)
    assert digest == hash_workspace_files(str(source), patterns)
    assert digest == hashlib.sha256(hashlib.sha256(b"one\n").digest()).hexdigest()


def test_settings_errors_name_the_file_table_and_key(shared_sshd: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        SshExecutor({"hosts": {"box": {**host_table(shared_sshd), "adress": "x"}}})
    assert str(caught.value).startswith("[executors.ssh.hosts.box]: unknown key 'adress'")
    with pytest.raises(ConfigError, match=r"^/etc/x/baton.toml: \[executors.ssh.hosts.box\]: host_key_policy must be one of"):
        asyncio.run(prepare("local", {}, "never", [], {"ssh": {"hosts": {"box": {"host_key_policy": "trusting"}}}},
                            sources="/etc/x/baton.toml"))


async def test_closing_kills_what_steps_left_running(shared_sshd: Any) -> None:
    marker = sleeper()
    executor = SshExecutor({"hosts": {"box": host_table(shared_sshd)}})
    async with executor.session(job("box")) as session:
        outcome, text = await run(session, f"sleep {marker} >/dev/null & echo left")
        assert (outcome.exit_code, text) == (0, "left\n")
    await no_process_with(f"sleep {marker}")
    assert work_folders(shared_sshd) == []


async def test_step_files_are_the_users_alone_and_links_are_not_read(shared_sshd: Any, tmp_path: Path) -> None:
    secret_file = tmp_path / "private"
    secret_file.write_text("not for the job\n")
    executor = SshExecutor({"hosts": {"box": host_table(shared_sshd)}})
    async with executor.session(job("box")) as session:
        script, planted = f"{session.temp}/step.sh", f"{session.temp}/planted"
        command = Command(argv=(script,), env={}, cwd=session.workspace,
                          files={script: b"#!/bin/sh\nln -s " + str(secret_file).encode() + b" " + planted.encode() + b"\n"},
                          collect=(planted,))
        outcome = await session.execute(command, Output())
        _, modes = await run(session, f"stat -c '%a' {session.root} {session.temp} {script}")
    assert outcome.exit_code == 0 and outcome.files == {}  # the planted link was not followed
    assert modes.split() == ["700", "700", "700"]


ESCAPES = ("nohup sleep {m}1 >/dev/null 2>&1 &", "setsid sleep {m}2 &", "(setsid sh -c 'sleep {m}3 &' &)",
           "setsid sh -c 'trap \"\" TERM; sleep {m}4' &")
"""Orphans that leave the step's process group: nohup, setsid, a double fork, one ignoring TERM."""


async def test_closing_stops_orphans_that_left_the_steps_group(shared_sshd: Any) -> None:
    marker = sleeper()
    executor = SshExecutor({"grace_seconds": 1.0, "hosts": {"box": host_table(shared_sshd)}})
    async with executor.session(job("box")) as session:
        outcome, _ = await run(session, "\n".join(line.format(m=marker) for line in ESCAPES))
        assert outcome.exit_code == 0
        outcome, text = await run(session, f"sleep 0.2; pgrep -fx 'sleep {marker}[1-4]' | wc -l")
        assert text.strip() == "4"  # they serve later steps of the job, as on GitHub
    await no_process_with(f"sleep {marker}")
    assert work_folders(shared_sshd) == []


async def test_gc_stops_what_a_killed_run_left_and_removes_its_folder(shared_sshd: Any) -> None:
    from tests.plugins.executors.test_contract import AllRunsBut

    marker = sleeper()
    folder = shared_sshd.directory / "work" / f"baton-dead-build-{uuid.uuid4().hex[:8]}"
    (folder / "work").mkdir(parents=True)
    (folder / ".baton-run").write_text("dead")
    # what the dead run's step left on the host: detached, marked as every step's processes are
    orphan = subprocess.Popen(["setsid", "sleep", marker], env={**os.environ, "RUNNER_TRACKING_ID": f"baton_{folder.name}"})
    try:
        executor = SshExecutor({"grace_seconds": 1.0, "hosts": {"box": host_table(shared_sshd)}})
        removed = await executor.collect_garbage(AllRunsBut("dead"))
        assert removed == [f"folder {folder} on box (run dead)"]
        assert orphan.wait(timeout=10) == -signal.SIGTERM
        assert not folder.exists()
    finally:
        orphan.kill()
        orphan.wait()


async def test_the_key_comes_from_the_environment_or_a_missing_one_is_named(
        shared_sshd: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    table = {**host_table(shared_sshd, identity_secret="BATON_TEST_BOX_KEY")}
    del table["identity"]
    executor = SshExecutor({"hosts": {"box": table}})
    with pytest.raises(ExecutorError, match="^host box: identity_secret BATON_TEST_BOX_KEY is not set$"):
        async with executor.session(job("box")):
            pass
    monkeypatch.setenv("BATON_TEST_BOX_KEY", shared_sshd.client_key_path.read_text())
    async with executor.session(job("box")) as session:
        assert (await run(session, "echo in"))[1] == "in\n"


async def test_a_secret_in_a_step_file_is_in_no_process_list(shared_sshd: Any) -> None:
    secret, marker = f"s3cr3t-{uuid.uuid4().hex}", sleeper()
    executor = SshExecutor({"hosts": {"box": host_table(shared_sshd)}})
    async with executor.session(job("box")) as session:
        script = f"{session.temp}/step.sh"
        body = f"#!/bin/sh\n# {secret}\necho started; sleep {marker}\n".encode()
        output = Output()
        step = asyncio.ensure_future(session.execute(Command(argv=("sh", script), env={}, cwd=session.workspace,
                                                             files={script: body}), output))
        await output.wait_for("started\n")
        assert [line for line in host_command_lines() if secret in line] == []
        step.cancel()
        with pytest.raises(asyncio.CancelledError):
            await step


async def test_a_host_that_stops_answering_is_lost_within_the_keepalive_window(
        sshd: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from plugins.executors.ssh import connection
    from tests.sshd import freeze_connections

    assert connection.KEEPALIVE_SECONDS + connection.REPLY_SECONDS <= 30  # the bound, at full scale
    monkeypatch.setattr(connection, "KEEPALIVE_SECONDS", 0.5)
    monkeypatch.setattr(connection, "REPLY_SECONDS", 1.0)
    server, marker = sshd(), sleeper()
    executor = SshExecutor({"hosts": {"box": host_table(server)}})
    frozen: list[int] = []
    try:
        async with executor.session(job("box")) as session:
            output = Output()
            step = asyncio.ensure_future(session.execute(shell(session, f"echo started; sleep {marker}"), output))
            await output.wait_for("started\n")
            frozen = freeze_connections(server.pid)
            started = time.monotonic()
            with pytest.raises(ExecutorError, match="lost connection to box"):
                await step
            assert time.monotonic() - started < 5
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGKILL)
        kill_command_line(f"sleep {marker}")


async def test_a_refused_session_channel_names_the_host_and_maxsessions(sshd: Callable[..., Any]) -> None:
    server = sshd()
    config, log = server.directory / "sshd_config", server.directory / "sshd.log"
    config.write_text(config.read_text().replace("MaxSessions 100", "MaxSessions 1"))
    listening = log.read_text().count("Server listening")
    os.kill(server.pid, signal.SIGHUP)  # sshd re-reads its config and listens again
    deadline = time.monotonic() + 10
    while log.read_text().count("Server listening") <= listening:
        assert time.monotonic() < deadline, log.read_text()
        await asyncio.sleep(0.05)
    executor = SshExecutor({"hosts": {"box": host_table(server)}})
    with pytest.raises(ExecutorError, match=r"^host box refused a new session .*MaxSessions"):
        async with executor.session(job("box")) as session:
            assert (await run(session, "echo \"in the job's shell\""))[1] == "in the job's shell\n"
            await run(session, "true")
            await asyncio.to_thread(session.hash_files, ["."], lambda name: True)  # a second channel beside the shell
