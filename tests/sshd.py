"""A real OpenSSH server on a loopback port for tests: its own host key, client key and config.

Several servers on several ports (or 127.0.0.x addresses) stand in for several hosts.
Every process a server started is killed by :meth:`SshServer.stop`, even after a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugins.executors.processes import process_tree

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def needs_sshd() -> None:
    """Skip without sshd, or fail under ``CI=true``."""
    if not (os.path.exists(SSHD) and shutil.which("ssh-keygen")):
        if os.environ.get("CI") == "true":
            pytest.fail("sshd and ssh-keygen are needed under CI=true")
        pytest.skip("no OpenSSH server here")


def keygen(path: Path) -> str:
    """Make an ed25519 key pair at ``path``; returns the public key line."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "baton-test", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip() if path.suffix else Path(f"{path}.pub").read_text().strip()


def free_port(address: str) -> int:
    """A TCP port nobody listens on at ``address`` now."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


@dataclass
class SshServer:
    """One sshd: where it listens, the keys a client needs, and its process."""

    folder: Path
    address: str
    port: int
    client_key: Path
    host_key_line: str
    """``ssh-ed25519 AAAA…``: what a known_hosts entry holds."""
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, folder: Path, address: str = "127.0.0.1") -> SshServer:
        """Generate keys and config under ``folder`` and start ``sshd -D`` (waits until it answers)."""
        needs_sshd()
        folder.mkdir(parents=True, exist_ok=True)
        os.makedirs("/run/sshd", exist_ok=True)
        host_line = keygen(folder / "host_ed25519")
        client_line = keygen(folder / "client_ed25519")
        (folder / "authorized_keys").write_text(client_line + "\n")
        port = free_port(address)
        (folder / "sshd_config").write_text("\n".join([
            f"ListenAddress {address}:{port}",
            f"HostKey {folder / 'host_ed25519'}",
            f"PidFile {folder / 'sshd.pid'}",
            f"AuthorizedKeysFile {folder / 'authorized_keys'}",
            "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "UsePAM no", "StrictModes no", "LogLevel ERROR", "MaxSessions 64", "MaxStartups 64",
            "PermitUserEnvironment no", "AcceptEnv none", "",
        ]))
        server = cls(folder=folder, address=address, port=port, client_key=folder / "client_ed25519",
                     host_key_line=" ".join(host_line.split()[:2]))
        server.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")],
                                          stderr=open(folder / "sshd.log", "wb"), start_new_session=True)
        server.wait_until_listening()
        return server

    def wait_until_listening(self) -> None:
        """Until the port answers (sshd writes no ready signal but its banner)."""
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((self.address, self.port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                pass
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {(self.folder / 'sshd.log').read_text()}")
            time.sleep(0.02)

    @property
    def known_hosts_line(self) -> str:
        """The server's line for a known_hosts file."""
        return f"[{self.address}]:{self.port} {self.host_key_line}"

    def host_table(self, name: str, **extra: object) -> dict[str, object]:
        """A ``[executors.ssh.hosts.NAME]`` table for this server (a known_hosts file beside it)."""
        known = self.folder / "known_hosts"
        if not known.exists():
            known.write_text(self.known_hosts_line + "\n")
        return {"address": self.address, "port": self.port, "user": "root", "identity": str(self.client_key),
                "known_hosts": str(known), "work_root": str(self.folder / "work"), **extra}

    def kill(self, *, only_sshd: bool = True) -> None:
        """Kill sshd and its per-connection processes (each in a session of its own, so
        found as descendants); with ``only_sshd`` False, what runs under them too."""
        if self.process is None:
            return
        members = process_tree.tree(self.process.pid)
        if only_sshd:
            members = [info for info in members if _command_name(info.pid).startswith("sshd")]
        process_tree.send(members, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop everything this server started, the per-connection children and steps included."""
        self.kill(only_sshd=False)


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
