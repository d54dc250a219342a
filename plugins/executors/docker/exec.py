"""One command in a running container: an exec whose output streams to the event loop.

A step costs one exec (create, start, inspect: three requests on one worker thread). Cancelling stops the exec's processes (see :data:`StopMethod`): SIGTERM, then
SIGKILL after the grace period.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Literal

from plugins.executors.processes import process_tree, stopping
from plugins.executors.processes.completion import to_completion
from plugins.executors.docker.api import Engine, EngineError, NotFound, Stream, Unreachable
from plugins.executors.docker.api.streams import payloads
from plugins.executors.docker.engine import unreachable
from plugins.executors.docker.threads import in_thread
from plugins.executors.processes.output_relay import OutputRelay
from runner.api import ExecutorError, InfrastructureError, OutputSink

_POLL_SECONDS = 0.02
_AFTER_KILL_SECONDS = 5.0
_GONE_CHECKS = 10
"""How often a killed exec's container is checked (0.04 s apart) before the kill counts as the step's."""
"""How long to wait for the output stream to close once everything got SIGKILL."""


StopMethod = Literal["tree", "inside", "none"]
"""How a cancelled exec is stopped: ``tree`` signals its process tree through ``/proc``
(the engine runs on this machine); ``inside`` runs ``kill -1`` in the container (every
process but its init); ``none`` only drops the stream (a remote engine and ``--pid host``,
where ``kill -1`` would reach the host's processes)."""


class ContainerGone(InfrastructureError):
    """The container a command should run in no longer runs."""


class ExecRun:
    """One exec's life: created and streamed on a worker thread, stopped from the loop."""

    def __init__(self, api: Engine, container: str, relay: OutputRelay) -> None:
        self._api = api
        self._container = container
        self._relay = relay
        self._lock = threading.Lock()
        self._is_cancelled = False
        self._stream: Stream | None = None
        self.exec_id: str | None = None

    def run(self, argv: Sequence[str], env: Mapping[str, str], workdir: str) -> int | None:
        """Create, start and stream the exec (blocking); its exit code, ``None`` if never started."""
        try:
            created = self._api.post(f"/containers/{self._container}/exec", body={
                "Cmd": list(argv), "AttachStdout": True, "AttachStderr": True, "AttachStdin": False, "Tty": False,
                "Env": [f"{key}={value}" for key, value in env.items()], "WorkingDir": workdir,
            })
            self.exec_id = str(created["Id"])
            with self._lock:
                if self._is_cancelled:
                    return None
                self._stream = stream = self._api.stream(
                    "POST", f"/exec/{self.exec_id}/start", body={"Detach": False, "Tty": False}
                )
            try:
                for chunk in payloads(stream):
                    self._relay.push(chunk)
            finally:
                stream.close()
            code = self._api.get(f"/exec/{self.exec_id}/json").get("ExitCode")
        except NotFound as exc:
            raise ContainerGone(f"the job container {self._container[:12]} disappeared") from exc
        except Unreachable as exc:
            if self._is_cancelled:
                return None  # we closed the stream ourselves
            raise unreachable() from exc
        except EngineError as exc:
            if exc.status == 409:  # "container … is not running"
                raise ContainerGone(
                    f"the job container {self._container[:12]} disappeared (it is not running)"
                ) from exc
            raise ExecutorError(f"running a command in the job container failed: {exc.message}",
                                is_infrastructure=exc.is_engine_fault) from exc
        return None if code is None else int(code)

    def mark_cancelled(self) -> bool:
        """Keep a not yet started exec from starting (blocking); whether it had started."""
        with self._lock:
            self._is_cancelled = True
            return self._stream is not None

    def close_stream(self) -> None:
        """Unblock the reading thread for good (its processes are gone or unkillable)."""
        stream = self._stream
        if stream is not None:
            stream.close()

    def host_pid(self) -> int | None:
        """The exec's main process as this machine numbers it, if the engine says."""
        if self.exec_id is None:
            return None
        try:
            pid = self._api.get(f"/exec/{self.exec_id}/json").get("Pid")
        except EngineError:
            return None
        return int(pid) if pid else None

    def kill_inside(self, signo: signal.Signals) -> None:
        """Signal every process of the container but its init, with a ``kill`` exec (blocking)."""
        try:
            created = self._api.post(f"/containers/{self._container}/exec",
                                     body={"Cmd": ["kill", "-s", signo.name[3:], "-1"]})
            self._api.post(f"/exec/{created['Id']}/start", body={"Detach": True, "Tty": False})
        except EngineError:
            pass


async def run_exec(
    api: Engine, container: str, *, argv: Sequence[str], env: Mapping[str, str], workdir: str,
    output: OutputSink, grace_seconds: float, stop: StopMethod,
) -> int:
    """Run ``argv`` in ``container``, streaming output; its exit code (a kill shows as 128+n)."""
    relay = OutputRelay(asyncio.get_running_loop(), output)
    run = ExecRun(api, container, relay)
    task = asyncio.ensure_future(in_thread(run.run, argv, env, workdir))
    try:
        code = await asyncio.shield(task)
    except asyncio.CancelledError:
        await to_completion(_stop(run, task, grace_seconds, stop))
        relay.flush()
        raise
    relay.flush()
    if code is None or code == 137:  # SIGKILL: maybe the whole container went away
        await in_thread(_check_running, api, container)
    return 137 if code is None else code


async def _stop(run: ExecRun, task: asyncio.Future[int | None], grace: float, stop: StopMethod) -> None:
    if not await in_thread(run.mark_cancelled):
        await asyncio.wait({task})
        return
    pid = await in_thread(run.host_pid) if stop == "tree" else None
    target: stopping.Target | None = None
    if pid is not None:
        target = _ExecTree(pid, task)
    elif stop != "none":
        target = _Inside(run, task)
    if target is not None and await stopping.stop(target, grace):
        await asyncio.wait({task}, timeout=_AFTER_KILL_SECONDS)
    if not task.done():
        run.close_stream()
        await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # an error after we stopped it says nothing new


class _ExecTree:
    """The exec's process tree, seen from the host: gone once the exec ended and no
    process of the tree (including those that left it) still runs."""

    def __init__(self, pid: int, task: asyncio.Future[int | None]) -> None:
        self._pid = pid
        self._task = task
        self._known: list[process_tree.ProcessInfo] = []

    async def signal(self, signo: signal.Signals) -> bool:
        self._known = _union(self._known, process_tree.tree(self._pid))
        process_tree.send(self._known, signo)
        return True  # the exec itself may still have to end

    async def wait_gone(self, timeout: float) -> bool:
        return await stopping.poll_until(self._is_gone, timeout)

    def _is_gone(self) -> bool:
        self._known = _union(process_tree.alive(self._known), process_tree.tree(self._pid))
        return self._task.done() and not self._known


def _union(*groups: list[process_tree.ProcessInfo]) -> list[process_tree.ProcessInfo]:
    # keyed on pid and start time: a reparented process is still the same process
    return list({(info.pid, info.started): info for group in groups for info in group}.values())


class _Inside:
    """Without a view of the engine's processes: ``kill -1`` inside the container."""

    def __init__(self, run: ExecRun, task: asyncio.Future[int | None]) -> None:
        self._run = run
        self._task = task

    async def signal(self, signo: signal.Signals) -> bool:
        await in_thread(self._run.kill_inside, signo)
        return True

    async def wait_gone(self, timeout: float) -> bool:
        done, _ = await asyncio.wait({self._task}, timeout=timeout)
        return bool(done)


def _check_running(api: Engine, container: str) -> None:
    """Raise :class:`ContainerGone` if the container stopped or went away (blocking).

    An exec killed along with its container can end a moment before the engine marks
    the container stopped, so a running container is asked again a few times.
    """
    for attempt in range(_GONE_CHECKS):
        try:
            state = api.get(f"/containers/{container}/json")["State"]
        except NotFound as exc:
            raise ContainerGone(f"the job container {container[:12]} disappeared") from exc
        except EngineError as exc:
            raise unreachable() from exc
        if state.get("Status") == "removing":
            raise ContainerGone(f"the job container {container[:12]} disappeared (removed)")
        if not state.get("Running"):
            code = state.get("ExitCode")
            raise ContainerGone(f"the job container {container[:12]} disappeared (it exited with {code})")
        if attempt + 1 < _GONE_CHECKS:
            time.sleep(_POLL_SECONDS * 2)
