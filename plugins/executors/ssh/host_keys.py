"""Checking a server's host key against known_hosts or a pin; trusting a first key (accept-new).

An unknown or changed key is refused with the host's name and the key's ``SHA256:``
fingerprint, printed exactly as OpenSSH prints it, so a user can compare the two.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

import paramiko

from plugins.executors.ssh.hosts import Host
from runner.api import ExecutorError


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:…`` of ``key``, as ``ssh-keygen -l`` and ssh's warnings show it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_keys(host: Host) -> list[paramiko.PKey]:
    """The keys known for ``host``: its pin alone when it has one, else its known_hosts entries."""
    if host.host_key is not None:
        kind, text = host.host_key.split()[:2]
        try:
            return [paramiko.PKey.from_type_string(kind, base64.b64decode(text))]
        except (ValueError, paramiko.SSHException) as exc:
            raise ExecutorError(f"host {host.name}: host_key is not a public key ({exc})") from None
    keys: list[paramiko.PKey] = []
    for path in _paths(host):
        entries = paramiko.HostKeys()
        try:
            entries.load(str(path))
        except FileNotFoundError:
            continue
        except (OSError, paramiko.SSHException) as exc:
            raise ExecutorError(f"host {host.name}: cannot read {path}: {exc}") from None
        found = entries.lookup(host.key_name)
        if found is not None:
            keys.extend(found[kind] for kind in found.keys())
    return keys


def verify(host: Host, key: paramiko.PKey, *, notes: list[str]) -> None:
    """Accept ``key`` as ``host``'s, or raise :class:`ExecutorError` naming its fingerprint."""
    if host.host_key_policy == "insecure":
        notes.append(f"host {host.name}: host key not checked (host_key_policy = \"insecure\"); "
                     f"it presented {key.get_name()} {fingerprint(key)}")
        return
    known = known_keys(host)
    if any(k.get_name() == key.get_name() and k.asbytes() == key.asbytes() for k in known):
        return
    if known:
        raise ExecutorError(
            f"host {host.name} ({host.key_name}) presented a host key that does not match the known one: "
            f"{key.get_name()} {fingerprint(key)} (known in {_where_known(host)}: {', '.join(fingerprint(k) for k in known)}); "
            f"someone may be intercepting the connection, or the host was reinstalled: check it, then fix {_where_known(host)}"
        )
    if host.host_key_policy == "accept-new":
        path = _paths(host)[0]
        remember(path, host.key_name, key)
        notes.append(f"host {host.name}: trusted its new host key {key.get_name()} {fingerprint(key)}, saved in {path}")
        return
    raise ExecutorError(
        f"host {host.name} ({host.key_name}) is not known: it presented {key.get_name()} {fingerprint(key)}; "
        f"add it to {_paths(host)[0]} (ssh-keyscan, after checking the fingerprint), pin it with host_key, "
        "or set host_key_policy = \"accept-new\""
    )


def remember(path: Path, name: str, key: paramiko.PKey) -> None:
    """Append ``name key`` to known_hosts file ``path`` atomically, under a lock (other
    baton processes may add keys at the same time); a key already there is not doubled."""
    line = f"{name} {key.get_name()} {key.get_base64()}\n"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(f"{path}.baton-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = path.read_text() if path.exists() else ""
        except OSError as exc:
            raise ExecutorError(f"cannot read {path}: {exc}") from None
        if line in current.splitlines(keepends=True):
            return
        if current and not current.endswith("\n"):
            current += "\n"
        handle, scratch = tempfile.mkstemp(prefix=".known_hosts-", dir=path.parent)
        try:
            with os.fdopen(handle, "w") as out:
                out.write(current + line)
            os.chmod(scratch, 0o600 if not path.exists() else path.stat().st_mode & 0o777)
            os.replace(scratch, path)
        except BaseException:
            os.unlink(scratch)
            raise


def preferred_types(host: Host) -> list[str]:
    """Key types to ask the server for first: those already known, as OpenSSH orders them."""
    try:
        kinds = [k.get_name() for k in known_keys(host)]
    except ExecutorError:
        return []
    return list(dict.fromkeys(kinds))


def _where_known(host: Host) -> str:
    """Where the known key came from: the pin, or the known_hosts files that exist."""
    if host.host_key is not None:
        return f"host_key of host {host.name}"
    return " and ".join(str(path) for path in _paths(host) if path.exists())


def _paths(host: Host) -> list[Path]:
    return [Path(p).expanduser() for p in host.known_hosts]
