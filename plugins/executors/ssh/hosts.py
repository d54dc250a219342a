"""SSH hosts: the ``[executors.ssh.hosts.NAME]`` tables, ``~/.ssh/config`` and ``ssh://`` targets.

A host is named three ways: a table of baton.toml, an ``~/.ssh/config`` alias, or
``[user@]address[:port]``. Every way ends in one :class:`Host`, the plain settings a
connection needs. ``~/.ssh/config`` fills what a table leaves unset, as OpenSSH would.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runner.api import ConfigError, Value

HostKeyPolicy = Literal["strict", "accept-new", "insecure"]
"""``strict``: the key must be known; ``accept-new``: a first key is trusted and saved;
``insecure``: any key (said on every run)."""

POLICIES: tuple[HostKeyPolicy, ...] = ("strict", "accept-new", "insecure")
DEFAULT_KNOWN_HOSTS = ("~/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts")
"""Where OpenSSH looks for host keys, user's first; the first one is written by accept-new."""
DEFAULT_WORK_ROOT = "/var/tmp/baton"
IMPLICIT_LABELS = ("self-hosted",)
"""Labels every host has besides its own ``labels`` and its name, as a GitHub self-hosted runner."""

_KEYS: dict[str, type | tuple[type, ...]] = {
    "address": str, "port": int, "user": str, "labels": list, "capacity": int, "identity": str,
    "identity_secret": str, "agent": bool, "known_hosts": (str, list), "host_key_policy": str, "host_key": str,
    "work_root": str, "jump": str, "password_secret": str, "login_shell": bool,
}
_TARGET = re.compile(r"^(?:(?P<user>[^@:/\s]+)@)?(?P<address>\[[^\]]+\]|[^@:/\s]+)(?::(?P<port>\d+))?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    """Everything needed to reach one machine and run jobs there."""

    name: str
    """How baton names the host in messages and placement (the table's name or the target)."""
    address: str
    port: int = 22
    user: str
    labels: frozenset[str] = frozenset()
    """Lower-cased ``labels``, the name and ``self-hosted``: a job whose labels all are here may run here."""
    capacity: int = 1
    identities: tuple[str, ...] = ()
    """Private key files, tried in order."""
    identity_secret: str | None = None
    """A secret holding a private key: one of the run's secrets, else a variable of baton's environment."""
    use_agent: bool = False
    known_hosts: tuple[str, ...] = DEFAULT_KNOWN_HOSTS
    host_key_policy: HostKeyPolicy = "strict"
    host_key: str | None = None
    """A pinned ``type base64`` public key; when set it is the only key accepted."""
    work_root: str = DEFAULT_WORK_ROOT
    jump: Host | None = None
    password_secret: str | None = None
    """A secret holding the user's password (tried after every key), found as ``identity_secret``."""
    is_login_shell: bool = False

    @property
    def key_name(self) -> str:
        """The host as known_hosts names it: ``address`` or ``[address]:port``."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"


def read_hosts(tables: Value, where: str) -> dict[str, Host]:
    """The hosts of ``[executors.ssh.hosts]``; a wrong or unknown key is a :class:`ConfigError`."""
    if tables is None:
        return {}
    if not isinstance(tables, dict):
        raise ConfigError("hosts must be a table of host tables", where=where)
    raw: dict[str, dict[str, Value]] = {}
    for name, table in tables.items():
        at = f"[{where}.hosts.{name}]"
        if not isinstance(table, dict):
            raise ConfigError("must be a table", where=at)
        for key, value in table.items():
            kind = _KEYS.get(key)
            if kind is None:
                raise ConfigError(f"unknown key '{key}' (known: {', '.join(sorted(_KEYS))})", where=at)
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ConfigError(f"{key} has the wrong type ({type(value).__name__})", where=at)
        raw[name] = table
    hosts: dict[str, Host] = {}
    for name in raw:
        hosts[name] = _from_table(name, raw, hosts, (), where)
    return hosts


def _from_table(name: str, raw: dict[str, dict[str, Value]], done: dict[str, Host], chain: tuple[str, ...],
                where: str) -> Host:
    if name in done:
        return done[name]
    at = f"[{where}.hosts.{name}]"
    table = raw[name]
    jump: Host | None = None
    jump_name = table.get("jump")
    if isinstance(jump_name, str):
        if jump_name in chain or jump_name == name:
            raise ConfigError(f"jump '{jump_name}' makes a loop ({' -> '.join((*chain, name, jump_name))})", where=at)
        if jump_name in raw:
            jump = _from_table(jump_name, raw, done, (*chain, name), where)
        else:
            jump = resolve_target(jump_name, {})
    policy = table.get("host_key_policy", "strict")
    if policy not in POLICIES:
        raise ConfigError(f"host_key_policy must be one of {', '.join(POLICIES)}, not {policy!r}", where=at)
    capacity = table.get("capacity", 1)
    port = table.get("port")
    if not isinstance(capacity, int) or capacity < 1:
        raise ConfigError("capacity must be at least 1", where=at)
    if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError(f"port must be 1-65535, not {port!r}", where=at)
    labels = table.get("labels", [])
    assert isinstance(labels, list)
    if not all(isinstance(label, str) for label in labels):
        raise ConfigError("labels must be a list of strings", where=at)
    known = table.get("known_hosts")
    base = ssh_config_entry(str(table.get("address", name)))
    host = Host(
        name=name,
        address=base.address,
        port=port if isinstance(port, int) else base.port,
        user=str(table.get("user") or base.user),
        labels=frozenset({*(str(label).lower() for label in labels), name.lower(), *IMPLICIT_LABELS}),
        capacity=capacity,
        identities=(str(table["identity"]),) if "identity" in table else base.identities,
        identity_secret=_text(table, "identity_secret"),
        use_agent=table.get("agent") is True,
        known_hosts=(known,) if isinstance(known, str) else tuple(str(k) for k in known) if isinstance(known, list) else base.known_hosts,
        host_key_policy=policy,
        host_key=_text(table, "host_key"),
        work_root=str(table.get("work_root", DEFAULT_WORK_ROOT)),
        jump=jump or base.jump,
        password_secret=_text(table, "password_secret"),
        is_login_shell=table.get("login_shell") is True,
    )
    if host.host_key is not None and len(host.host_key.split()) < 2:
        raise ConfigError("host_key must read 'TYPE BASE64' (as in known_hosts)", where=at)
    done[name] = host
    return host


def resolve_target(target: str, hosts: Mapping[str, Host]) -> Host:
    """The host ``ssh://TARGET`` means: a configured host, an ``~/.ssh/config`` alias, or
    ``[user@]address[:port]`` (with ``~/.ssh/config`` applied to the address)."""
    if target in hosts:
        return hosts[target]
    match = _TARGET.match(target)
    if match is None:
        raise ConfigError(f"ssh://{target} is not a host: use a configured host, an ~/.ssh/config alias or [user@]address[:port]")
    base = ssh_config_entry(match["address"].strip("[]"))
    port = int(match["port"]) if match["port"] else base.port
    name = target
    return Host(name=name, address=base.address, port=port, user=match["user"] or base.user,
                labels=frozenset({name.lower(), *IMPLICIT_LABELS}), identities=base.identities, jump=base.jump,
                known_hosts=base.known_hosts)


def ssh_config_entry(alias: str, *, depth: int = 0) -> Host:
    """What ``~/.ssh/config`` says about ``alias`` (HostName, User, Port, IdentityFile, ProxyJump)."""
    path = Path(os.environ.get("BATON_SSH_CONFIG", "~/.ssh/config")).expanduser()
    found: dict[str, object] = {}
    if path.is_file():
        import paramiko  # here, not at the top: a run that reaches no host never loads it

        try:
            found = dict(paramiko.SSHConfig.from_path(str(path)).lookup(alias))
        except (OSError, paramiko.SSHException) as exc:
            raise ConfigError(f"cannot read: {exc}", where=str(path)) from None
    jump: Host | None = None
    proxy = found.get("proxyjump")
    if isinstance(proxy, str) and proxy.lower() != "none" and depth < 8:
        first = proxy.split(",")[-1].strip()  # the last hop is the one next to the target
        match = _TARGET.match(first)
        if match is not None:
            hop = ssh_config_entry(match["address"], depth=depth + 1)
            jump = Host(name=first, address=hop.address, port=int(match["port"]) if match["port"] else hop.port,
                        user=match["user"] or hop.user, identities=hop.identities, jump=hop.jump)
    files = found.get("identityfile")
    port = found.get("port")
    known = found.get("userknownhostsfile")
    return Host(
        name=alias,
        address=str(found.get("hostname", alias)),
        port=int(port) if isinstance(port, str) and port.isdigit() else 22,
        user=str(found.get("user") or getpass.getuser()),
        identities=tuple(str(f) for f in files) if isinstance(files, list) else (),
        known_hosts=tuple(known.split()) if isinstance(known, str) else DEFAULT_KNOWN_HOSTS,
        jump=jump,
    )


def _text(table: Mapping[str, Value], key: str) -> str | None:
    value = table.get(key)
    return value if isinstance(value, str) else None
