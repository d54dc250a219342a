"""One SSH connection per host, shared by every job on it (a channel per command).

Connections belong to the process, not to one executor or run: two runs placing jobs
on one host share its connection. The first connect is retried with backoff for a few
seconds (a host booting, sshd restarting); a watchdog sends a keepalive that the server
must answer, so a host that vanishes is noticed within ``KEEPALIVE_SECONDS +
REPLY_SECONDS`` and every command on it ends with "lost connection to HOST".

Every method here blocks: call them from a worker thread.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import paramiko

from plugins.executors.ssh.host_keys import preferred_types, verify
from plugins.executors.ssh.hosts import Host
from runner.api import ExecutorError, InfrastructureError

CONNECT_SECONDS = 10.0
"""How long one TCP connect and SSH handshake may take."""
RETRY_SECONDS = 5.0
"""How long a first connect is retried (refused, unreachable) before it fails."""
KEEPALIVE_SECONDS = 5.0
REPLY_SECONDS = 10.0
"""A keepalive unanswered this long means the host is gone."""
_DEFAULT_KEYS = ("~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa")


class ConnectionLost(InfrastructureError):
    """The connection to a host dropped while something ran there."""


class Connection:
    """An authenticated transport to one host, with its keepalive watchdog."""

    def __init__(self, host: Host, transport: paramiko.Transport, via: Connection | None) -> None:
        self.host = host
        self.transport = transport
        self._via = via
        self.users = 0
        """Sessions using the connection; the last one out closes it."""
        self.is_lost = False
        threading.Thread(target=self._watch, name=f"baton-ssh-keepalive-{host.name}", daemon=True).start()

    def open_channel(self) -> paramiko.Channel:
        """A new session channel, or :class:`ConnectionLost`."""
        try:
            if not self.transport.is_active():
                raise EOFError
            return self.transport.open_session(timeout=CONNECT_SECONDS)
        except paramiko.ChannelException as exc:  # the server said no; the connection is fine
            raise InfrastructureError(f"host {self.host.name} refused a new session ({exc.text}): sshd's MaxSessions "
                                "must be above twice the jobs the host runs at once (capacity)") from None
        except (EOFError, OSError, paramiko.SSHException) as exc:
            self.is_lost = True
            raise self.lost() from exc

    def lost(self) -> ConnectionLost:
        """The error of every command that this connection's end cut short."""
        return ConnectionLost(f"lost connection to {self.host.name} ({self.host.address}:{self.host.port})")

    def close(self) -> None:
        """Close the transport (and the jump host's, when this one owned it)."""
        self.transport.close()
        if self._via is not None:
            release(self._via)

    def _watch(self) -> None:
        while self.transport.is_active():
            time.sleep(KEEPALIVE_SECONDS)
            timer = threading.Timer(REPLY_SECONDS, self._give_up)
            timer.daemon = True
            timer.start()
            try:
                self.transport.global_request("keepalive@openssh.com", wait=True)
            except Exception:  # the transport ended under us: the loop condition sees it
                pass
            finally:
                timer.cancel()
        self.is_lost = True

    def _give_up(self) -> None:
        self.is_lost = True
        self.transport.close()


_LOCK = threading.Lock()
_OPEN: dict[Host, Connection] = {}
_CONNECTING: dict[Host, threading.Lock] = {}


def acquire(host: Host, notes: list[str], secrets: Mapping[str, str] | None = None) -> Connection:
    """The shared connection to ``host``, opening it if needed (blocking); pair with :func:`release`.

    ``identity_secret`` and ``password_secret`` name a secret of ``secrets`` (the run's),
    else a variable of baton's environment."""
    with _LOCK:
        gate = _CONNECTING.setdefault(host, threading.Lock())
    with gate:  # one connect per host at a time: the others wait and share it
        with _LOCK:
            found = _OPEN.get(host)
            if found is not None and not found.is_lost and found.transport.is_active():
                found.users += 1
                return found
        connection = _connect(host, notes, {**os.environ, **(secrets or {})})
        with _LOCK:
            connection.users += 1
            _OPEN[host] = connection
        return connection


def release(connection: Connection) -> None:
    """One user fewer; the last closes the connection."""
    with _LOCK:
        connection.users -= 1
        if connection.users > 0:
            return
        if _OPEN.get(connection.host) is connection:
            del _OPEN[connection.host]
    connection.close()


def _connect(host: Host, notes: list[str], secrets: Mapping[str, str]) -> Connection:
    via = acquire(host.jump, notes, secrets) if host.jump is not None else None
    try:
        transport = _handshake(host, via)
        try:
            verify(host, transport.get_remote_server_key(), notes=notes)
            _authenticate(host, transport, secrets)
        except BaseException:
            transport.close()
            raise
    except BaseException:
        if via is not None:
            release(via)
        raise
    return Connection(host, transport, via)


def _handshake(host: Host, via: Connection | None) -> paramiko.Transport:
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.1
    where = f"{host.address}:{host.port}" + (f" through {via.host.name}" if via else "")
    while True:
        try:
            sock: socket.socket | paramiko.Channel
            if via is not None:
                sock = via.transport.open_channel("direct-tcpip", (host.address, host.port), ("127.0.0.1", 0),
                                                  timeout=CONNECT_SECONDS)
            else:
                sock = socket.create_connection((host.address, host.port), timeout=CONNECT_SECONDS)
                # A step is a handful of small messages each way: Nagle's algorithm would hold
                # each one back for the previous one's (delayed) acknowledgement.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            break
        except (OSError, paramiko.SSHException) as exc:
            if time.monotonic() + delay > deadline:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise InfrastructureError(f"cannot connect to host {host.name} ({where}): {reason} "
                                    f"(retried for {RETRY_SECONDS:.0f} s)") from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    transport = paramiko.Transport(sock)
    options = transport.get_security_options()
    wanted = _algorithms(preferred_types(host), list(options.key_types))
    options.key_types = wanted + [kind for kind in options.key_types if kind not in wanted]
    try:
        transport.start_client(timeout=CONNECT_SECONDS)
    except (EOFError, OSError, paramiko.SSHException) as exc:
        transport.close()
        raise InfrastructureError(f"host {host.name} ({where}): the SSH handshake failed: {exc or type(exc).__name__}") from None
    return transport


def _algorithms(kinds: list[str], offered: list[str]) -> list[str]:
    wanted: list[str] = []
    for kind in kinds:
        names = ["rsa-sha2-512", "rsa-sha2-256", kind] if kind == "ssh-rsa" else [kind]
        wanted.extend(name for name in names if name in offered and name not in wanted)
    return wanted


def _authenticate(host: Host, transport: paramiko.Transport, secrets: Mapping[str, str]) -> None:
    tried: list[str] = []
    for label, key in _keys(host, secrets):
        tried.append(label)
        try:
            transport.auth_publickey(host.user, key)
            return
        except paramiko.AuthenticationException:
            continue
        except paramiko.SSHException as exc:
            raise ExecutorError(f"host {host.name}: authentication failed: {exc}") from None
    if host.password_secret is not None:
        password = secrets.get(host.password_secret)
        if password is None:
            raise ExecutorError(f"host {host.name}: password_secret {host.password_secret} is not set")
        tried.append(f"password of {host.password_secret}")
        try:
            transport.auth_password(host.user, password)
            return
        except paramiko.AuthenticationException:
            pass
    raise ExecutorError(f"host {host.name}: {host.user}@{host.address}:{host.port} refused "
                        f"every credential tried ({', '.join(tried) or 'none found: set identity or agent'})")


def _keys(host: Host, secrets: Mapping[str, str]) -> list[tuple[str, paramiko.PKey]]:
    keys: list[tuple[str, paramiko.PKey]] = []
    if host.identity_secret is not None:
        text = secrets.get(host.identity_secret)
        if text is None:
            raise ExecutorError(f"host {host.name}: identity_secret {host.identity_secret} is not set")
        keys.append((f"the key in {host.identity_secret}", _parse_key(host, text)))
    files = host.identities or (() if host.identity_secret or host.use_agent else _DEFAULT_KEYS)
    for name in files:
        path = Path(name).expanduser()
        if not path.is_file():
            if host.identities:
                raise ExecutorError(f"host {host.name}: identity {name} does not exist")
            continue
        try:
            keys.append((str(path), paramiko.PKey.from_path(str(path))))
        except (OSError, paramiko.SSHException) as exc:
            raise ExecutorError(f"host {host.name}: cannot load identity {name}: {exc}") from None
    if host.use_agent or not (host.identities or host.identity_secret):
        keys.extend((f"agent key {key.get_fingerprint().hex()[:12]}", key) for key in paramiko.Agent().get_keys())
    return keys


def _parse_key(host: Host, text: str) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ExecutorError(f"host {host.name}: identity_secret {host.identity_secret} holds no private key baton can read")
