"""Helpers around the ``sshd`` fixtures (tests/conftest.py): baton.toml host tables, and
killing a server the way a host dies (its connections with it)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from plugins.executors.processes import process_tree


def host_table(server: Any, **extra: object) -> dict[str, object]:
    """A ``[executors.ssh.hosts.NAME]`` table for ``server`` (a ``tests.conftest.SshServer``)."""
    return {"address": server.host, "port": server.port, "user": server.user, "identity": str(server.client_key_path),
            "known_hosts": str(server.known_hosts_path), "work_root": str(server.directory / "work"), **extra}


def kill_connections(pid: int, *, everything: bool = True) -> None:
    """SIGKILL what listening sshd ``pid`` forked: its connection processes and (with
    ``everything``) what runs under them. Each connection's sshd is in a session of its
    own, so they are found as descendants, not by process group."""
    members = [info for info in process_tree.tree(pid) if info.pid != pid]
    if not everything:
        members = [info for info in members if _command_name(info.pid).startswith("sshd")]
    process_tree.send(members, signal.SIGKILL)


def freeze_connections(pid: int) -> list[int]:
    """SIGSTOP the connection processes of listening sshd ``pid``: the host stops answering
    without closing anything, as one cut off by the network does. Returns their pids."""
    members = [info for info in process_tree.tree(pid) if info.pid != pid and _command_name(info.pid).startswith("sshd")]
    process_tree.send(members, signal.SIGSTOP)
    return [info.pid for info in members]


def kill_server(server: Any) -> None:
    """The host dies: sshd and its connection processes get SIGKILL (steps are left running)."""
    kill_connections(server.pid, everything=False)
    process_tree.send([info for info in process_tree.tree(server.pid) if info.pid == server.pid], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (info := process_tree.read_info(server.pid)) is not None and not info.is_zombie:  # its port closes with it
        assert time.monotonic() < deadline, f"sshd {server.pid} outlived SIGKILL"
        time.sleep(0.01)


def revive_server(server: Any) -> subprocess.Popen[bytes]:
    """The host comes back: a new sshd with ``server``'s config (address, port, keys), once it
    greets on its port. Stop it with :func:`stop_revived`."""
    binary = shutil.which("sshd") or "/usr/sbin/sshd"
    with (server.directory / "sshd.revived.log").open("wb") as log:
        process = subprocess.Popen([binary, "-D", "-e", "-f", str(server.directory / "sshd_config")],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 10
    while process.poll() is None:
        try:
            with socket.create_connection((server.host, server.port), timeout=1.0) as conn:
                if conn.recv(8).startswith(b"SSH-"):
                    return process
        except OSError:
            assert time.monotonic() < deadline, f"sshd did not come back on {server.host}:{server.port}"
            time.sleep(0.02)
    raise AssertionError(f"revived sshd exited with {process.returncode}")


def stop_revived(process: subprocess.Popen[bytes]) -> None:
    """Stop a sshd of :func:`revive_server` with its connection processes."""
    kill_connections(process.pid)
    process.kill()
    process.wait()


def toml_table(name: str, table: dict[str, object]) -> str:
    """``[executors.ssh.hosts.NAME]`` with ``table``'s keys, as baton.toml text."""
    import json

    return f"[executors.ssh.hosts.{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
