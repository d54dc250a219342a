"""The ``ssh`` executor: jobs on other machines over SSH (paramiko).

Hosts come from ``[executors.ssh.hosts.NAME]`` tables of baton.toml (see
:mod:`plugins.executors.ssh.hosts`); a job goes to a host whose labels hold all its
``runs-on`` labels, or to the host that ``-P LABEL=ssh://TARGET`` names. Paramiko
blocks, so everything it does runs in this executor's own thread pool. Paramiko is
imported when a job or gc first reaches a host, and the host settings' reader when the
executor is built: registering it (every ``baton run`` does) imports neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from plugins.executors.processes.completion import to_completion
from runner.api import (
    ConfigError,
    ExecutorClass,
    ExecutorError,
    InfrastructureError,
    JobSpec,
    Session,
    Value,
    hookimpl,
    is_owner_alive,
)

if TYPE_CHECKING:
    from plugins.executors.ssh.hosts import Host

T = TypeVar("T")

_KNOWN = frozenset({"grace_seconds", "hosts"})
_POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="baton-ssh")
"""The ssh executors' own worker threads, shared by all of them (a running step holds one
for as long as it runs; idle threads cost nothing)."""


class SshExecutor:
    """Runs each job in a folder on an SSH host chosen by labels."""

    name = "ssh"

    def __init__(self, options: Mapping[str, Value]) -> None:
        where = "executors.ssh"
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            raise ConfigError(f"unknown key '{unknown[0]}' (known: {', '.join(sorted(_KNOWN))})", where=f"[{where}]")
        grace = options.get("grace_seconds", 5.0)
        if isinstance(grace, bool) or not isinstance(grace, (int, float)) or grace < 0:
            raise ConfigError(f"grace_seconds must be a number of seconds, not {grace!r}", where=f"[{where}]")
        self.grace_seconds = float(grace)
        from plugins.executors.ssh.hosts import read_hosts

        self.hosts: dict[str, Host] = read_hosts(options.get("hosts"), where)
        """The configured hosts by name."""
        self._pool = _POOL

    def host_labels(self) -> dict[str, frozenset[str]]:
        """Each configured host's labels (its ``labels``, its name and ``self-hosted``)."""
        return {name: host.labels for name, host in self.hosts.items()}

    def host_capacities(self) -> dict[str, int]:
        """Each configured host's ``capacity``: jobs at once there."""
        return {name: host.capacity for name, host in self.hosts.items()}

    def notes(self) -> list[str]:
        """What a run should say up front: hosts whose keys are not checked."""
        return [f"host {host.name}: host key not checked (host_key_policy = \"insecure\")"
                for host in self.hosts.values() if host.host_key_policy == "insecure"]

    async def check(self) -> None:
        """Nothing to check up front: each host is reached when a job needs it."""

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        """A folder on the job's host (see :meth:`_host`); leaving removes it."""
        if job.container is not None or job.services:
            raise ExecutorError(f"job '{job.name}' asks for a container or services, which the ssh executor cannot provide")
        from plugins.executors.ssh import connection as connections
        from plugins.executors.ssh.session import SshSession

        host = self._host(job)
        try:
            connection = await to_completion(self._thread_call(connections.acquire, host, [], job.secrets))
            try:
                session = SshSession(connection, self._pool, self.grace_seconds)
                try:
                    await to_completion(session.create(job))
                    yield session
                finally:
                    await to_completion(self._thread_call(session.close))
            finally:
                await to_completion(self._thread_call(connections.release, connection))
        except connections.ConnectionLost as exc:
            raise InfrastructureError(exc.message) from None

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Stop the processes and remove the job folders that runs not in ``active_runs``
        left on the configured hosts (a host that cannot be reached now is left for the
        next time)."""
        removed: list[str] = []
        for host in self.hosts.values():
            try:
                removed += await self._thread_call(_collect_on, host, active_runs, self.grace_seconds)
            except ExecutorError:
                continue
        return removed

    def _host(self, job: JobSpec) -> Host:
        """The host ``job.host`` names (the engine chose it, counting slots), or else the
        first whose labels hold all of the job's."""
        if job.host is not None:
            from plugins.executors.ssh.hosts import resolve_target

            try:
                return resolve_target(job.host, self.hosts)
            except ConfigError as exc:
                raise ExecutorError(exc.message) from None
        wanted = {label.lower() for label in job.labels}
        found = [host for host in self.hosts.values() if wanted <= host.labels]
        if not found:
            known = "; ".join(f"{h.name}: {', '.join(sorted(h.labels))}" for h in self.hosts.values()) or "none configured"
            raise ExecutorError(f"no SSH host has all of the labels {sorted(wanted)} (hosts: {known})")
        return found[0]

    async def _thread_call(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)


def _collect_on(host: Host, active_runs: Collection[str], grace_seconds: float) -> list[str]:
    from plugins.executors.ssh import connection as connections
    from plugins.executors.ssh.channel import run_command
    from plugins.executors.ssh.leftovers import end_script
    from plugins.executors.ssh.remote_script import q

    connection = connections.acquire(host, [])
    try:
        listing = (f"for d in {q(host.work_root)}/baton-*/; do [ -f \"$d.baton-run\" ] || continue; "
                   "printf '%s\\t%s\\t%s\\n' \"$d\" \"$(cat \"$d.baton-run\")\" \"$(cat \"$d.baton-owner\" 2>/dev/null)\"; done")
        _, out, _ = run_command(connection, listing)
        removed: list[str] = []
        for line in out.decode(errors="replace").splitlines():
            path, run_id, owner = (line.split("\t") + ["", ""])[:3]
            if run_id in active_runs or (owner and is_owner_alive(owner)):
                continue
            folder = path.rstrip("/")
            run_command(connection, end_script(folder, (), grace_seconds), timeout=grace_seconds + 30)
            removed.append(f"folder {folder} on {host.name} (run {run_id})")
        return removed
    finally:
        connections.release(connection)


@hookimpl
def baton_register_executors() -> list[ExecutorClass]:
    """The ``ssh`` executor."""
    return [SshExecutor]
