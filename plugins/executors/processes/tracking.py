"""Every process a job started, found again when the job ends so that none outlives it.

GitHub's runner puts ``RUNNER_TRACKING_ID`` in the environment of every step and, when
the job ends, kills each process whose environment still carries it. We do the same:
:func:`new_tracking_id` names the job, the executor adds ``RUNNER_TRACKING_ID`` to each
step's environment, and :func:`end_tracked` stops what is left (SIGTERM, SIGKILL after
the grace period). A process is also the job's while it stays in the session of one of
the job's steps (each step starts a session of its own), so a program that clears its
environment is still found unless it also leaves that session.

Why the environment and not something else:

- A process group or session is left by ``setsid``, ``nohup … &`` under ``set -m``, and
  every daemon; the environment survives fork, exec, ``setsid``, ``nohup`` and
  daemonising alike.
- ``PR_SET_CHILD_SUBREAPER`` would re-parent orphans to baton, which tells only "some
  job of this process" (not which one), and makes baton reap them: asyncio waits only for
  the children it started, so in a long-running service zombies would pile up.
- A cgroup per job needs a writable, delegated cgroup v2 tree: root on a pure v2 host,
  or a systemd delegation for a normal user; many machines (this one: hybrid v1/v2)
  have neither, and containers usually cannot write theirs.

The value names the job, its run and the baton process running it
(``baton_<32 random hex digits>@<run id>@<owner>``), so when that process died (kill -9) what its jobs
left running is found by :func:`orphans` and stopped by the next ``baton gc`` or
service start, as the job folders are.

``/proc/<pid>/environ`` is readable for every process of the same user, so this works
as root and as a normal user alike. What escapes: a process that both replaces its
environment (``env -i``) and leaves its step's session. Without ``/proc`` (macOS), only
the steps' sessions are stopped.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Collection

from plugins.executors.processes import process_tree, stopping
from plugins.executors.processes.process_tree import ProcessInfo
from runner.api import is_owner_alive, owner_token

VARIABLE = "RUNNER_TRACKING_ID"
"""The environment variable that marks a job's processes (GitHub's name)."""


def new_tracking_id(run_id: str) -> str:
    """A fresh value for one job's :data:`VARIABLE`: the job, its run, this process."""
    return f"baton_{os.urandom(16).hex()}@{run_id}@{owner_token()}"


def orphans(active_runs: Collection[str]) -> list[tuple[ProcessInfo, str]]:
    """Live processes marked by a job of a run not in ``active_runs`` whose baton process
    is gone, with that run's id."""
    entry = f"{VARIABLE}=baton_".encode()
    found: list[tuple[ProcessInfo, str]] = []
    for info in process_tree.all_processes():
        value = process_tree.variable_value(info.pid, entry)
        if value is None:
            continue
        _, _, rest = value.partition("@")
        run_id, _, owner = rest.partition("@")
        if run_id and owner and run_id not in active_runs and not is_owner_alive(owner):
            found.append((info, run_id))
    return found


def tracked(tracking_id: str, sessions: Collection[ProcessInfo] = ()) -> list[ProcessInfo]:
    """The live processes marked with ``tracking_id``, or in the session one of ``sessions``
    (the steps' main processes) started, other than baton's own."""
    entry = f"{VARIABLE}={tracking_id}".encode()
    leaders = {info.pid: info.started for info in sessions}
    me = os.getpid()
    return [
        info for info in process_tree.all_processes()
        if info.pid != me and (
            (info.session in leaders and info.started >= leaders[info.session])
            or process_tree.has_variable(info.pid, entry)
        )
    ]  # fmt: skip


async def end_tracked(tracking_id: str, sessions: Collection[ProcessInfo], grace_seconds: float) -> None:
    """SIGTERM every process of the job still running, then SIGKILL what is left after
    ``grace_seconds``; returns once none runs (or only unkillable ones do)."""
    if not process_tree.has_proc():
        for leader in sessions:
            stopping.signal_group(leader.pid, signal.SIGKILL)
        return
    await stopping.stop(stopping.FoundProcesses(lambda: tracked(tracking_id, sessions)), grace_seconds)
