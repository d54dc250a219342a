"""The local executor's processes: a step ends when its shell exits, what it leaves
running serves later steps of the job, and nothing outlives the job (``nohup``,
``setsid``, a cleared environment, a process that ignores SIGTERM)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plugins.executors.processes import process_tree
from runner.status import Conclusion
from tests.engine.test_scheduler import run

WAIT_SECONDS = 30
"""Far beyond what the run needs, far below the background sleeps: a step held open fails."""


def running(pids: list[int]) -> list[int]:
    """Those of ``pids`` that still run (a zombie waiting for PID 1 does not count)."""
    return [pid for pid in pids if (info := process_tree.read_info(pid)) is not None and not info.is_zombie]


async def test_background_processes_neither_hold_the_step_open_nor_outlive_the_job(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    text = f"""
        on: push
        jobs:
          one:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  head -c 300000 /dev/zero | tr '\\0' x; echo
                  sleep 1000 &
                  echo $! > {pids}
                  nohup sleep 1001 > /dev/null 2>&1 &
                  echo $! >> {pids}
                  setsid sleep 1002 &
                  echo $! >> {pids}
                  env -i sleep 1003 &
                  echo $! >> {pids}
                  setsid sh -c 'trap "" TERM; while :; do sleep 1; done' &
                  echo $! >> {pids}
                  echo started
              - run: for p in $(cat {pids}); do kill -0 $p && echo alive; done
        """
    async with asyncio.timeout(WAIT_SECONDS):
        conclusion, seen = await run(text, tmp_path)
    assert conclusion == Conclusion.SUCCESS
    log = seen.log("one")
    assert "x" * 300000 in log.replace("\n", "") and "started" in log  # all the shell printed, then the step ended
    assert log.count("alive") == 5  # still there for the next step, as on GitHub
    assert running([int(line) for line in pids.read_text().split()]) == []
