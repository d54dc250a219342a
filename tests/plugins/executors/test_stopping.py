"""The one TERM → grace → KILL sequence every executor stops processes with, on real
processes: a group that ends at SIGTERM, one that ignores it, what a search finds."""

from __future__ import annotations

import asyncio
import signal

from plugins.executors.processes import process_tree, stopping
from plugins.executors.processes.process_tree import ProcessInfo

GRACE_SECONDS = 0.5
WAIT_SECONDS = 30


async def start_group(script: str) -> asyncio.subprocess.Process:
    """``sh -c script`` in a session of its own, returned once it printed ``ready``."""
    process = await asyncio.create_subprocess_exec(
        "sh", "-c", script, stdout=asyncio.subprocess.PIPE, start_new_session=True,
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"ready\n"
    return process


async def test_a_group_that_ends_at_sigterm_is_not_killed() -> None:
    process = await start_group("sleep 1000 & echo ready; wait")
    async with asyncio.timeout(WAIT_SECONDS):
        killed = await stopping.stop(stopping.ProcessGroup(process.pid), GRACE_SECONDS)
        status = await process.wait()
    assert not killed
    assert status == -signal.SIGTERM
    assert not stopping.is_group_alive(process.pid)


async def test_a_group_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    process = await start_group("trap '' TERM; sleep 1000 & echo ready; while :; do wait; done")
    async with asyncio.timeout(WAIT_SECONDS):
        killed = await stopping.stop(stopping.ProcessGroup(process.pid), GRACE_SECONDS)
        status = await process.wait()
    assert killed
    assert status == -signal.SIGKILL
    assert not stopping.is_group_alive(process.pid)


async def test_a_group_that_is_gone_is_not_signalled() -> None:
    process = await start_group("echo ready")
    await process.wait()
    assert not await stopping.stop(stopping.ProcessGroup(process.pid), GRACE_SECONDS)


async def test_found_processes_are_asked_for_again_until_none_is_left() -> None:
    process = await start_group("trap '' TERM; echo ready; while :; do sleep 1; done")
    info = process_tree.read_info(process.pid)
    assert info is not None
    searches: list[int] = []

    def find() -> list[ProcessInfo]:
        living = process_tree.alive([info])
        searches.append(len(living))
        return living

    async with asyncio.timeout(WAIT_SECONDS):
        killed = await stopping.stop(stopping.FoundProcesses(find), GRACE_SECONDS)
        status = await process.wait()
    assert killed and status == -signal.SIGKILL
    assert searches[0] == 1 and searches[-1] == 1  # found for SIGTERM, still found for SIGKILL
    assert not await stopping.stop(stopping.FoundProcesses(find), GRACE_SECONDS)  # nothing left: no signal
    assert searches[-1] == 0
