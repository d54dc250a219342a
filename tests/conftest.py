"""Shared fixtures: a real Docker engine, real sshd servers, real git repositories.

Docker and SSH tests use the real thing. On a laptop without them they skip; under
``CI=true`` a missing engine or sshd is a failure, never a skip (see STYLE.md).
Every docker object a test creates carries the label ``baton.test=<session id>``
(the ``docker_labels`` fixture) and is removed when the session ends.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests import environment

TEST_LABEL = "baton.test"
"""Label key on every docker object a test creates; its value is ``SESSION_ID``."""

SESSION_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
"""Identifies this pytest session's docker objects, so parallel sessions clean only their own."""

SSHD_START_SECONDS = 10.0


def is_ci() -> bool:
    """Whether we run under CI, where a missing engine or sshd must fail, not skip."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def require(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere: for a missing Docker engine or OpenSSH server."""
    if is_ci():
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


# --- docker -------------------------------------------------------------------------------


def remove_labelled(session_id: str = SESSION_ID) -> list[str]:
    """Remove every container, network, volume and image labelled ``baton.test=<session_id>``
    (through the docker executor's own sweep); what was removed, for diagnostics."""
    from plugins.executors.docker.engine import connect
    from plugins.executors.docker.leftovers import remove_labelled as remove

    engine, _arch = connect()
    try:
        return remove(engine, {TEST_LABEL: session_id})
    finally:
        engine.close()


@pytest.fixture(scope="session")
def docker_labels() -> dict[str, str]:
    """Labels to put on every docker object a test creates, so the session removes it."""
    return {TEST_LABEL: SESSION_ID}


@pytest.fixture(scope="session")
def docker_engine(docker_client: Any) -> Iterator[Any]:
    """baton's own Engine API client, for calling the executor's engine functions directly."""
    from plugins.executors.docker.engine import connect

    engine, _arch = connect()
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    """The docker SDK client; removes this session's labelled objects at the end."""
    if not environment.docker_available():
        require("the Docker engine does not answer (run `python3 -m tests.environment` as root)")
    client = environment.docker_client()
    try:
        yield client
    finally:
        remove_labelled()
        client.close()


@pytest.fixture(scope="session")
def shell_image(docker_client: Any) -> str:
    """The tag of the test image (bash + busybox FROM scratch), built if missing or stale."""
    return environment.ensure_test_image()


# --- sshd ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SshServer:
    """A running OpenSSH server started by the ``sshd`` fixture."""

    host: str
    """Loopback address it listens on, such as ``127.0.0.1`` or ``127.0.0.2``."""
    port: int
    """TCP port it listens on."""
    user: str
    """The user to log in as: the one running the tests."""
    client_key_path: Path
    """Private ed25519 key (no passphrase) that the server accepts."""
    host_public_key: str
    """The server's host key as ``ssh-ed25519 AAAA...`` (no comment)."""
    known_hosts_path: Path
    """A known_hosts file holding exactly this server's host key under ``[host]:port``."""
    sftp_supported: bool
    """Whether the server offers the ``sftp`` subsystem."""
    pid: int
    """The listening sshd (each connection's sshd is a child of it, in a session of its own)."""
    directory: Path
    """The server's own temp dir (config, keys, log)."""


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and Path(f"/usr/sbin/{name}").exists():
        found = f"/usr/sbin/{name}"
    return found


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _keygen(ssh_keygen: str, path: Path, comment: str) -> None:
    subprocess.run(
        [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, check=True,
    )


def _sshd_config(directory: Path, host: str, port: int, *, sftp: bool) -> str:
    lines = [
        f"ListenAddress {host}:{port}",
        f"HostKey {directory / 'host_key'}",
        f"AuthorizedKeysFile {directory / 'authorized_keys'}",
        f"PidFile {directory / 'sshd.pid'}",
        "UsePAM no",
        "StrictModes no",
        "PermitRootLogin yes",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PrintMotd no",
        "LogLevel VERBOSE",
        "MaxStartups 100",
        "MaxSessions 100",
    ]
    if sftp:
        lines.append("Subsystem sftp internal-sftp")
    return "\n".join(lines) + "\n"


def _wait_for_port(process: subprocess.Popen[bytes], host: str, port: int, log: Path) -> None:
    """Wait until sshd greets on its port: its banner is the event we wait for."""
    deadline = time.monotonic() + SSHD_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"sshd exited with status {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with socket.create_connection((host, port), timeout=1.0) as conn:
                if conn.recv(8).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"sshd did not listen on {host}:{port} within {SSHD_START_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_sshd(host: str, sftp: bool, started: list[tuple[subprocess.Popen[bytes], Path]]) -> SshServer:
    """Start an sshd on a free port of ``host`` with fresh keys (noted in ``started``)."""
    sshd_path, keygen_path = _binary("sshd"), _binary("ssh-keygen")
    if sshd_path is None or keygen_path is None:
        require("OpenSSH server (sshd, ssh-keygen) is not installed (`apt-get install openssh-server`)")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # privilege separation
    directory = Path(tempfile.mkdtemp(prefix="baton-sshd-"))
    _keygen(keygen_path, directory / "host_key", "baton-test-host")
    _keygen(keygen_path, directory / "client_key", "baton-test-client")
    shutil.copyfile(directory / "client_key.pub", directory / "authorized_keys")
    host_public_key = " ".join((directory / "host_key.pub").read_text().split()[:2])
    log = directory / "sshd.log"
    for _attempt in range(3):  # another process may take the free port before sshd binds it
        port = _free_port(host)
        config = directory / "sshd_config"
        config.write_text(_sshd_config(directory, host, port, sftp=sftp))
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [sshd_path, "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append((process, directory))
        try:
            _wait_for_port(process, host, port, log)
            break
        except RuntimeError:
            _stop(process)
            if "Address already in use" not in log.read_text(errors="replace"):
                raise
    else:
        raise RuntimeError(f"sshd could not bind a free port on {host}")
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[{host}]:{port} {host_public_key}\n")
    return SshServer(
        host=host,
        port=port,
        user=pwd.getpwuid(os.geteuid()).pw_name,
        client_key_path=directory / "client_key",
        host_public_key=host_public_key,
        known_hosts_path=known_hosts,
        sftp_supported=sftp,
        pid=process.pid,
        directory=directory,
    )


def stop_sshds(started: list[tuple[subprocess.Popen[bytes], Path]]) -> None:
    """Stop the servers of ``started`` with their connection processes; remove their folders."""
    from tests.sshd import kill_connections

    for process, _directory in started:
        kill_connections(process.pid)
        _stop(process)
    for directory in {d for _p, d in started}:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sshd() -> Iterator[Callable[..., SshServer]]:
    """A factory: ``sshd(host="127.0.0.1", *, sftp=True)`` starts a fresh sshd and returns it.

    Each server has its own temp dir, host key and client key; all are stopped (by
    pid, with the connection processes they forked) and their temp dirs removed when
    the test ends.
    """
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(host: str = "127.0.0.1", *, sftp: bool = True) -> SshServer:
        return start_sshd(host, sftp, started)

    try:
        yield start
    finally:
        stop_sshds(started)


@pytest.fixture(scope="session")
def shared_sshd() -> Iterator[SshServer]:
    """One sshd for the whole session, for tests that do not stop or break their server."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        yield start_sshd("127.0.0.1", False, started)
    finally:
        stop_sshds(started)


# --- git ----------------------------------------------------------------------------------


@pytest.fixture
def git_repo(tmp_path: Path) -> Callable[..., Any]:
    """A factory: ``git_repo({"path": "text", ...}, message=..., branch="main")`` → ``git.Repo``.

    Makes a real repository under ``tmp_path`` with the files committed in one commit,
    and a local user name and email so commits work on any machine.
    """
    import git

    count = 0

    def make(
        files: Mapping[str, str | bytes] | None = None,
        *,
        message: str = "initial commit",
        branch: str = "main",
    ) -> git.Repo:
        nonlocal count
        count += 1
        root = tmp_path / f"repo{count}"
        repo = git.Repo.init(root, initial_branch=branch)
        with repo.config_writer() as config:
            config.set_value("user", "name", "Baton Test")
            config.set_value("user", "email", "baton-test@example.invalid")
            config.set_value("commit", "gpgsign", "false")
        for name, content in (files or {}).items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        repo.git.add("--all")
        repo.git.commit("--allow-empty", "-m", message)
        return repo

    return make
