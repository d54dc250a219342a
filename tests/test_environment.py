"""The test environment itself works: the shell image, sshd servers, git repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests import environment
from tests.conftest import TEST_LABEL, SshServer


def _ssh_run(server: SshServer, command: str) -> tuple[int, str]:
    """Run one command over SSH with strict host-key checking; return (exit status, stdout)."""
    import paramiko

    client = paramiko.SSHClient()
    client.load_host_keys(str(server.known_hosts_path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            server.host,
            port=server.port,
            username=server.user,
            key_filename=str(server.client_key_path),
            allow_agent=False,
            look_for_keys=False,
            timeout=10,
        )
        _stdin, stdout, _stderr = client.exec_command(command, timeout=10)
        output = stdout.read().decode()
        return stdout.channel.recv_exit_status(), output
    finally:
        client.close()


@pytest.mark.docker
def test_shell_image_has_the_layout_workflows_expect(
    docker_client: Any, shell_image: str, docker_labels: dict[str, str]
) -> None:
    script = (
        "echo $0; cat /etc/passwd; test -d /root; ls -ld /tmp; /usr/bin/env true;"
        # bash itself sets an unexported SHELL from /etc/passwd, so look at the environment.
        " /usr/bin/env | grep -c '^SHELL=' || true; ls -l /usr/bin/bash /usr/bin/sed /bin/sh"
    )
    container = docker_client.containers.run(
        shell_image, ["bash", "-c", script], labels=docker_labels, detach=True
    )
    try:
        assert container.labels[TEST_LABEL] == docker_labels[TEST_LABEL]
        assert container.wait(timeout=30)["StatusCode"] == 0
        output = container.logs(stdout=True, stderr=True).decode()
    finally:
        container.remove(force=True)
    lines = output.splitlines()
    assert lines[0] == "bash"
    assert "root:x:0:0:root:/root:/bin/bash" in lines
    assert any(line.startswith("drwxrwxrwt") and line.endswith("/tmp") for line in lines)
    assert "0" in lines  # no SHELL= line in the environment
    assert any("/usr/bin/bash -> /bin/bash" in line for line in lines)
    assert any("/usr/bin/sed -> /bin/busybox" in line for line in lines)
    selector = {"label": f"{TEST_LABEL}={docker_labels[TEST_LABEL]}"}
    assert container.id not in [c.id for c in docker_client.containers.list(all=True, filters=selector)]


@pytest.mark.docker
def test_shell_image_is_labelled_and_sets_no_shell(docker_client: Any, shell_image: str) -> None:
    image = docker_client.images.get(shell_image)
    assert image.labels[environment.IMAGE_VERSION_LABEL] == environment.IMAGE_VERSION
    env = image.attrs["Config"]["Env"] or []
    assert not any(entry.startswith("SHELL=") for entry in env)
    assert any(entry.startswith("PATH=") for entry in env)


@pytest.mark.docker
def test_environment_set_up_is_idempotent(docker_client: Any, shell_image: str) -> None:
    assert environment.docker_available()
    assert environment.ensure_packages() == []
    assert environment.ensure_test_image() == shell_image


@pytest.mark.ssh
def test_sshd_runs_a_command_with_strict_host_keys(sshd: Callable[..., SshServer]) -> None:
    server = sshd()
    assert server.host == "127.0.0.1"
    assert server.known_hosts_path.read_text().startswith(f"[127.0.0.1]:{server.port} ssh-ed25519 ")
    assert _ssh_run(server, "echo hi") == (0, "hi\n")


@pytest.mark.ssh
def test_two_sshd_hosts_run_side_by_side(sshd: Callable[..., SshServer]) -> None:
    first, second = sshd(), sshd("127.0.0.2")
    assert second.host == "127.0.0.2"
    assert first.host_public_key != second.host_public_key
    assert _ssh_run(first, "echo one") == (0, "one\n")
    assert _ssh_run(second, "echo two; exit 3") == (3, "two\n")


@pytest.mark.ssh
def test_sshd_rejects_a_host_key_it_does_not_know(sshd: Callable[..., SshServer]) -> None:
    import paramiko

    first, second = sshd(), sshd("127.0.0.2")
    # Second's known_hosts names second's key: connecting to first with it must fail.
    impostor = SshServer(
        host=first.host,
        port=first.port,
        user=first.user,
        client_key_path=first.client_key_path,
        host_public_key=second.host_public_key,
        known_hosts_path=second.known_hosts_path,
        pid=first.pid,
        directory=first.directory,
        sftp_supported=first.sftp_supported,
    )
    with pytest.raises(paramiko.SSHException):
        _ssh_run(impostor, "echo hi")


@pytest.mark.ssh
def test_sshd_offers_sftp_when_asked(sshd: Callable[..., SshServer]) -> None:
    import paramiko

    server = sshd(sftp=True)
    assert server.sftp_supported
    client = paramiko.SSHClient()
    client.load_host_keys(str(server.known_hosts_path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        server.host, port=server.port, username=server.user,
        key_filename=str(server.client_key_path), allow_agent=False, look_for_keys=False,
    )
    try:
        with client.open_sftp() as sftp:
            assert (sftp.stat(str(server.known_hosts_path)).st_size or 0) > 0
    finally:
        client.close()


def test_git_repo_commits_the_given_files(git_repo: Callable[..., Any]) -> None:
    repo = git_repo({"README.md": "hello\n", ".github/workflows/ci.yml": "on: push\n"})
    assert repo.active_branch.name == "main"
    assert not repo.is_dirty(untracked_files=True)
    tree = repo.head.commit.tree
    assert (tree / ".github/workflows/ci.yml").data_stream.read() == b"on: push\n"
    assert repo.head.commit.author.email == "baton-test@example.invalid"
