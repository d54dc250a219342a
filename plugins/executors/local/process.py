"""Running one command as a host process: streamed output, process-group stop on cancel."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Mapping, Sequence

from plugins.executors.processes import process_tree
from plugins.executors.processes.completion import to_completion
from runner.api import OutputSink

CHUNK_BYTES = 64 * 1024
"""How much output one read takes: big reads keep a chatty step bound by the step itself."""

_POLL_SECONDS = 0.02


async def run_process(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: str, output: OutputSink, grace_seconds: float
) -> int:
    """Run ``argv`` in a new session, stdout and stderr merged, and return its exit status.

    A process ended by a signal returns ``128 + signo``, as a shell reports it. A command
    that cannot start (missing program or folder) returns 127 after saying why. When the
    calling task is cancelled the whole process group gets SIGTERM, then SIGKILL after
    ``grace_seconds``, before the cancellation goes on.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, env=dict(env), cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, limit=CHUNK_BYTES,
        )
    except OSError as exc:
        output(f"baton: cannot run {argv[0]!r} in {cwd}: {exc.strerror or exc}\n".encode())
        return 127
    try:
        assert process.stdout is not None
        while chunk := await process.stdout.read(CHUNK_BYTES):
            output(chunk)
        status = await process.wait()
    except asyncio.CancelledError:
        await to_completion(stop_group(process.pid, grace_seconds))
        raise
    return 128 - status if status < 0 else status


async def stop_group(group: int, grace_seconds: float) -> None:
    """SIGTERM every process of ``group``, then SIGKILL what is left after the grace period."""
    try:
        os.killpg(group, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace_seconds
    while _is_group_alive(group):
        if time.monotonic() >= deadline:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            return
        await asyncio.sleep(_POLL_SECONDS)


def _is_group_alive(group: int) -> bool:
    if process_tree.has_proc():  # zombies waiting for a slow PID 1 do not count
        return bool(process_tree.group_members(group))
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
