"""baton's own Engine API client: addresses, streams, credentials, build contexts (pure), and
requests to the real engine over its socket and over SSH (``docker system dial-stdio``)."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.docker.api import AddressError, Engine, EngineError, NotFound, Unreachable, parse_address
from plugins.executors.docker.api.auth import DOCKER_HUB, auth_header, registry_of
from plugins.executors.docker.api.build import context_archive
from plugins.executors.docker.api.streams import payloads, progress, text_of
from plugins.executors.docker.engine import connect
from runner.api import ExecutorError


def _frame(kind: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(data)) + data


@pytest.mark.parametrize(("url", "scheme", "where"), [
    ("unix:///var/run/docker.sock", "unix", "/var/run/docker.sock"),
    ("unix:///tmp/x/engine.sock", "unix", "/tmp/x/engine.sock"),
    ("tcp://10.0.0.5:2375", "tcp", "10.0.0.5:2375"),
    ("tcp://engine.lan", "tcp", "engine.lan:2375"),
    ("ssh://ci@node-2", "ssh", "ci@node-2:0"),
    ("ssh://node-3:2222", "ssh", "None@node-3:2222"),
])  # fmt: skip
def test_addresses(url: str, scheme: str, where: str) -> None:
    address = parse_address(url, {})
    assert address.scheme == scheme
    shown = address.path if scheme == "unix" else f"{address.host}:{address.port}"
    if scheme == "ssh":
        shown = f"{address.user}@{shown}"
    assert shown == where


def test_tls_is_asked_for_by_the_environment(tmp_path: Path) -> None:
    assert parse_address("tcp://engine.lan", {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}).port == 2376
    assert parse_address("tcp://engine.lan", {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}).tls


@pytest.mark.parametrize("url", ["npipe:////./pipe/docker_engine", "http://", "engine.lan:2375", "ssh://"])
def test_unusable_addresses_are_named(url: str) -> None:
    with pytest.raises(AddressError, match="cannot use Docker engine address"):
        parse_address(url, {})


def test_payloads_join_frames_cut_across_chunks() -> None:
    stream = _frame(1, b"out 1\n") + _frame(2, b"err 1\n") + _frame(1, b"") + _frame(1, b"out 2\n")
    chunks = [stream[i:i + 5] for i in range(0, len(stream), 5)]
    assert list(payloads(chunks)) == [b"out 1\n", b"err 1\n", b"out 2\n"]
    assert text_of([stream]) == "out 1\nerr 1\nout 2\n"


def test_a_cut_off_last_frame_keeps_what_arrived() -> None:
    partial = _frame(1, b"partial line")[:-4]
    assert list(payloads([_frame(1, b"whole\n") + partial])) == [b"whole\n", partial]


def test_progress_reads_objects_across_chunks_and_stops_at_an_error() -> None:
    text = b'{"status":"Pulling"}\r\n{"status":"Downloading","progress":"[=>  ]"}{"aux":{"ID":"sha256:1"}}'
    assert [item.get("status") for item in progress([text[:7], text[7:30], text[30:]])] == [
        "Pulling", "Downloading", None]
    failed = b'{"status":"Pulling"}\n{"error":"manifest unknown","errorDetail":{"message":"manifest unknown"}}\n'
    seen: list[dict[str, Any]] = []
    with pytest.raises(EngineError, match="manifest unknown") as caught:
        seen.extend(progress([failed]))
    assert not caught.value.is_engine_fault  # the registry refused: a retry does not mend it


@pytest.mark.parametrize(("image", "registry"), [
    ("ubuntu:24.04", DOCKER_HUB),
    ("library/ubuntu", DOCKER_HUB),
    ("ghcr.io/owner/image:1", "ghcr.io"),
    ("localhost:5000/ci/ubuntu", "localhost:5000"),
    ("localhost/x", "localhost"),
    ("registry.lan:5000/ci/ubuntu:24.04@sha256:" + "a" * 64, "registry.lan:5000"),
])  # fmt: skip
def test_registry_of_an_image(image: str, registry: str) -> None:
    assert registry_of(image) == registry


def _decoded(header: dict[str, str]) -> dict[str, str]:
    return dict(json.loads(base64.urlsafe_b64decode(header["X-Registry-Auth"])))


def test_credentials_given_by_the_workflow_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert _decoded(auth_header("ghcr.io/o/i", "me", "s3cret")) == {
        "username": "me", "password": "s3cret", "serveraddress": "ghcr.io"}


def test_credentials_docker_login_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert auth_header("ghcr.io/o/i") == {}  # no config: an anonymous pull
    stored = base64.b64encode(b"bot:tok:en").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"auth": stored}}}))
    assert _decoded(auth_header("ghcr.io/o/i:1")) == {"username": "bot", "password": "tok:en", "serveraddress": "ghcr.io"}
    assert auth_header("quay.io/o/i") == {}


def test_credentials_from_a_helper_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text('#!/bin/sh\nread registry\n[ "$registry" = ghcr.io ] || exit 1\n'
                      'echo \'{"ServerURL":"ghcr.io","Username":"helped","Secret":"from-helper"}\'\n')
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {"ghcr.io": "fake"}}))
    assert _decoded(auth_header("ghcr.io/o/i"))["password"] == "from-helper"
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "fake"}))
    assert auth_header("quay.io/o/i") == {}  # the helper has nothing for it


def _names(archive: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return sorted(member.name for member in tar if not member.isdir())


def test_a_build_context_leaves_out_what_dockerignore_says(tmp_path: Path) -> None:
    for path in ("Dockerfile", "app/main.py", "app/test_main.py", "node_modules/x/index.js", "docs/a.md",
                 "docs/keep.md", "deep/er/cache.tmp", "notes.tmp"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(path)
    (tmp_path / ".dockerignore").write_text("# comment\nnode_modules\n**/*.tmp\ndocs\n!docs/keep.md\napp/test_*\nDockerfile\n")
    assert _names(context_archive(tmp_path, keep={"Dockerfile", ".dockerignore"})) == [
        ".dockerignore", "Dockerfile", "app/main.py", "docs/keep.md"]


def test_a_build_context_keeps_links_as_links(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "outside").symlink_to("/etc/passwd")
    with tarfile.open(fileobj=io.BytesIO(context_archive(tmp_path, keep=set()))) as tar:
        link = tar.getmember("outside")
    assert link.issym() and link.linkname == "/etc/passwd"


# --- the real engine ------------------------------------------------------------------------


def test_requests_errors_and_streams_against_the_engine(docker_engine: Engine, shell_image: str,
                                                       docker_labels: dict[str, str]) -> None:
    assert docker_engine.get("/_ping") == b"OK"
    with pytest.raises(NotFound) as missing:
        docker_engine.get("/containers/baton-no-such-container/json")
    assert missing.value.status == 404 and "No such container" in missing.value.message
    with pytest.raises(EngineError) as refused:
        docker_engine.post("/containers/create", body={"Image": shell_image, "HostConfig": {"Memory": -5}})
    assert refused.value.status == 400 and not refused.value.is_engine_fault
    created = docker_engine.post("/containers/create", body={
        "Image": shell_image, "Cmd": ["sh", "-c", "echo out; echo err >&2; exit 3"], "Labels": docker_labels})
    container = created["Id"]
    try:
        docker_engine.post(f"/containers/{container}/start")
        assert docker_engine.post(f"/containers/{container}/wait", timeout=None)["StatusCode"] == 3
        logs = docker_engine.stream("GET", f"/containers/{container}/logs", {"stdout": True, "stderr": True})
        assert sorted(text_of(logs).splitlines()) == ["err", "out"]
    finally:
        docker_engine.delete(f"/containers/{container}", {"force": True})


def test_many_threads_share_the_pool(docker_engine: Engine) -> None:
    answers: list[object] = []
    threads = [threading.Thread(target=lambda: answers.extend(docker_engine.get("/_ping") for _ in range(20)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [b"OK"] * 160


def test_an_engine_that_does_not_answer_is_named(tmp_path: Path) -> None:
    with pytest.raises(ExecutorError, match=f"not reachable at unix://{tmp_path}/none.sock"):
        connect(base_url=f"unix://{tmp_path}/none.sock")
    with pytest.raises(Unreachable) as caught:
        Engine(parse_address(f"unix://{tmp_path}/none.sock")).get("/_ping")
    assert caught.value.is_engine_fault


def test_an_engine_over_ssh(docker_client: Any, sshd: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ssh://`` runs ``docker system dial-stdio`` on the host, as the docker CLI does (the
    test's ``ssh`` on PATH adds this server's key and known_hosts)."""
    server = sshd()
    config = tmp_path / "ssh_config"
    config.write_text(f"Host {server.host}\n  IdentityFile {server.client_key_path}\n"
                      f"  UserKnownHostsFile {server.known_hosts_path}\n  IdentitiesOnly yes\n")
    wrapper = tmp_path / "bin" / "ssh"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {config} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    engine, arch = connect(base_url=f"ssh://{server.user}@{server.host}:{server.port}")
    try:
        assert arch and engine.get("/_ping") == b"OK"
        assert engine.get("/info")["ID"] == docker_client.info()["ID"]
    finally:
        engine.close()


def test_ssh_says_why_it_cannot_reach_the_engine(sshd: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = sshd()
    monkeypatch.setenv("HOME", str(tmp_path))  # no key of ours, and the host key is unknown
    with pytest.raises(Unreachable) as caught:
        Engine(parse_address(f"ssh://nobody-{os.getpid()}@{server.host}:{server.port}")).get("/_ping")
    assert "Host key verification failed" in caught.value.message or "Permission denied" in caught.value.message


def _answered(*answers: bytes) -> tuple[Any, list[bytes]]:
    """A wire connection whose other end (a socket pair) sends ``answers`` and records requests."""
    import socket

    from plugins.executors.docker.api.wire import Connection

    ours, theirs = socket.socketpair()
    received: list[bytes] = []

    def serve() -> None:
        for answer in answers:
            received.append(theirs.recv(65536))
            theirs.sendall(answer)
        theirs.close()

    threading.Thread(target=serve, daemon=True).start()
    return Connection(lambda timeout: ours, 5), received


def test_the_wire_reads_lengths_chunks_and_bodies_that_end_with_the_connection() -> None:
    connection, received = _answered(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\": true}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nraw bytes until the end",
    )
    answers = []
    for method, target, body in (("GET", "/a", None), ("POST", "/b", b"{}"), ("DELETE", "/c", None), ("POST", "/d", None)):
        connection.request(method, target, body, {"Host": "docker"})
        response = connection.getresponse()
        answers.append((response.status, response.read(), response.will_close, response.getheader("content-type")))
    assert answers == [
        (200, b'{"a": true}', False, "application/json"),
        (200, b"hello, world", False, None),
        (204, b"", False, None),
        (200, b"raw bytes until the end", True, "application/vnd.docker.raw-stream"),
    ]
    assert received[1] == b"POST /b HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n\r\n{}"
    assert received[3].endswith(b"Content-Length: 0\r\n\r\n")  # a POST without a body says so


@pytest.mark.parametrize("answer", [
    b"SSH-2.0-OpenSSH_9.2\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
])
def test_the_wire_refuses_what_is_not_http(answer: bytes) -> None:
    from plugins.executors.docker.api.wire import WireError

    connection, _ = _answered(answer)
    connection.request("GET", "/_ping", None, {"Host": "docker"})
    with pytest.raises(WireError):
        connection.getresponse()


def test_an_answer_cut_off_is_an_error_not_a_short_body() -> None:
    from plugins.executors.docker.api.wire import WireError

    connection, _ = _answered(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
    connection.request("GET", "/x", None, {"Host": "docker"})
    response = connection.getresponse()
    with pytest.raises(WireError, match="ended inside an answer"):
        response.read()
