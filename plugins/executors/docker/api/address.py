"""Where a Docker engine listens, and opening a connection to it.

``DOCKER_HOST`` (or a configured engine) names the engine as the ``docker`` CLI takes it:
``unix:///path`` (the default ``/var/run/docker.sock``), ``tcp://host:port`` (TLS when
``DOCKER_TLS_VERIFY`` is set, with ``ca.pem``, ``cert.pem`` and ``key.pem`` from
``DOCKER_CERT_PATH``, default ``~/.docker``), ``ssh://[user@]host[:port]`` (the OpenSSH
client runs ``docker system dial-stdio`` there, as the CLI does), ``npipe://`` is Windows'.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal
from urllib.parse import urlsplit

DEFAULT_ENGINE = "unix:///var/run/docker.sock"
"""Where the engine listens unless ``DOCKER_HOST`` says otherwise."""

Scheme = Literal["unix", "tcp", "ssh"]


class AddressError(ValueError):
    """An engine address baton cannot use (the message names it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineAddress:
    """One engine's address, read from its URL."""

    url: str
    """As given (shown in messages)."""
    scheme: Scheme
    path: str = ""
    """The socket's path (``unix``)."""
    host: str = ""
    port: int = 0
    user: str | None = None
    """``ssh``'s login name, when the URL gives one."""
    tls: ssl.SSLContext | None = None
    """``tcp`` with TLS: the context holding the client certificate and the CA."""

    def open(self, timeout: float | None) -> socket.socket:
        """A connected socket to the engine; ``OSError`` when it does not answer."""
        if self.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                raise
            return sock
        if self.scheme == "tcp":
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return self.tls.wrap_socket(sock, server_hostname=self.host) if self.tls else sock
        return _dial_over_ssh(self, timeout)


def parse_address(url: str, environment: dict[str, str] | None = None) -> EngineAddress:
    """Read an engine URL (see the module's text); TLS settings come from ``environment``
    (default: this process's)."""
    env = os.environ if environment is None else environment
    parts = urlsplit(url)
    if parts.scheme in {"unix", ""} and (parts.path or parts.netloc):
        return EngineAddress(url=url, scheme="unix", path=parts.path or parts.netloc)
    if parts.scheme in {"tcp", "http", "https"} and parts.hostname:
        is_tls = parts.scheme == "https" or bool(env.get("DOCKER_TLS_VERIFY"))
        port = parts.port or (2376 if is_tls else 2375)
        context = _tls_context(env) if is_tls else None
        return EngineAddress(url=url, scheme="tcp", host=parts.hostname, port=port, tls=context)
    if parts.scheme == "ssh" and parts.hostname:
        return EngineAddress(url=url, scheme="ssh", host=parts.hostname, port=parts.port or 0, user=parts.username)
    raise AddressError(
        f"cannot use Docker engine address {url!r}: expected unix:///path, tcp://host:port or ssh://[user@]host"
    )


def _tls_context(env: os._Environ[str] | dict[str, str]) -> ssl.SSLContext:
    folder = Path(env.get("DOCKER_CERT_PATH") or Path.home() / ".docker")
    context = ssl.create_default_context(cafile=str(folder / "ca.pem") if (folder / "ca.pem").exists() else None)
    if (folder / "cert.pem").exists():
        context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    return context


def transport_words(sock: socket.socket | None) -> str:
    """What the program carrying a connection said on failing (``ssh``'s last error line), if any."""
    return sock.said() if isinstance(sock, _SshSocket) else ""


def _dial_over_ssh(address: EngineAddress, timeout: float | None) -> socket.socket:
    """One end of a socket pair whose other end is an ``ssh … docker system dial-stdio``."""
    ours, theirs = socket.socketpair()
    errors = tempfile.TemporaryFile()
    argv = ["ssh", "-T", "-o", "BatchMode=yes"]
    if address.port:
        argv += ["-p", str(address.port)]
    if address.user:
        argv += ["-l", address.user]
    argv += ["--", address.host, "docker", "system", "dial-stdio"]
    try:
        process = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=theirs.fileno(), stderr=errors,
                                   start_new_session=True)
    except OSError:
        ours.close()
        errors.close()
        raise
    finally:
        theirs.close()
    sock = _SshSocket(ours, process, errors)
    sock.settimeout(timeout)
    return sock


class _SshSocket(socket.socket):
    """A socket pair's end that also ends its ``ssh`` process when closed."""

    def __init__(self, sock: socket.socket, process: subprocess.Popen[bytes], errors: IO[bytes]) -> None:
        super().__init__(sock.family, sock.type, sock.proto, fileno=sock.detach())
        self._process = process
        self._errors = errors
        self._said = ""

    def said(self) -> str:
        """The last line ``ssh`` (or the remote ``docker``) wrote on its error stream."""
        if self._errors.closed:
            return self._said
        self._errors.seek(0)
        lines = [line.strip() for line in self._errors.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def close(self) -> None:
        super().close()
        if self._process.poll() is None:
            self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if not self._errors.closed:
            self._said = self.said()
            self._errors.close()
