"""The dashboard on a big store: time to the first screen of runs, and a key press, in tmux.

A store of 100,000 recorded runs (written by the real recorder, one job each) is opened
with ``baton ui`` (160x45, in a private tmux server); the time from starting the
process to the screen showing the newest run is the open time. Then a key moves the
runs table's cursor one row and the time until the screen shows the move is a key
press's latency. The reference is the same measurement on a store of one screen of runs
(40), in the same run of this script: what the dashboard costs whatever the store holds
(Python and Textual starting), so the ratio is what 100,000 runs add.

Targets: the big store opens in under 1 s; median key press under 100 ms.

Run: python -m bench.tui_open [--runs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from runner.events import EventBus, JobFinished, JobQueued, JobStarted, RunFinished, RunStarted
from runner.status import Conclusion, RunId
from runner.store import Recorder

OPEN_LIMIT_S = 1.0
LATENCY_LIMIT_MS = 100
SMALL_RUNS = 40
"""The reference store: one screen of runs."""
T0 = 1_780_000_000.0


def fill(home: Path, runs: int) -> None:
    """Record ``runs`` finished runs of one job each, as ``baton run`` would have."""
    bus = EventBus()
    with Recorder.open(home) as recorder:
        recorder.attach(bus)
        for n in range(runs):
            rid, at = RunId(str(10**11 + n)), T0 + n * 60
            conclusion = Conclusion.FAILURE if n % 7 == 0 else Conclusion.SUCCESS
            for event in (
                RunStarted(run_id=rid, workflow=f"CI {n % 5}", workflow_path=".github/workflows/ci.yml", event="push",
                           ref=f"refs/heads/branch-{n % 40}", sha=f"{n:040x}", repository="/src/app", at=at),
                JobQueued(run_id=rid, job_key="build", job_id="build", name="build", needs=()),
                JobStarted(run_id=rid, job_key="build", executor="local", at=at),
                JobFinished(run_id=rid, job_key="build", conclusion=conclusion, outputs={}, at=at + 30),
                RunFinished(run_id=rid, conclusion=conclusion, at=at + 30),
            ):  # fmt: skip
                bus.publish(event)
        recorder.flush()


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True).stdout


def seconds_until(socket: str, holds: Callable[[str], bool], limit: float) -> float:
    """Seconds until the screen (with its colours: a cursor is one) satisfies ``holds``,
    polled as fast as tmux answers."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if holds(tmux(socket, "capture-pane", "-p", "-e")):
            return time.perf_counter() - started
    raise SystemExit("the dashboard never showed what was expected; it shows:\n" + tmux(socket, "capture-pane", "-p"))


def settle(socket: str) -> None:
    """Wait until the screen stops changing (the table has its cursor; keys now land)."""
    shown = tmux(socket, "capture-pane", "-p", "-e")
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        now = tmux(socket, "capture-pane", "-p", "-e")
        if now == shown:
            return
        shown = now


def measure(home: Path, newest: int) -> tuple[float, float]:
    """(open seconds, median key press ms) of ``baton ui`` on ``home``."""
    socket = f"baton-bench-{uuid.uuid4().hex[:8]}"
    exports = [f"BATON_HOME={home}", *(f"{name}={os.environ[name]}" for name in ("PYTHONPATH",) if name in os.environ)]
    tmux(socket, "new-session", "-d", "-x", "160", "-y", "45", "-s", "bench", "sleep", "600")
    try:
        started = time.perf_counter()
        tmux(socket, "respawn-pane", "-k", "-t", "bench", "env", *exports, sys.executable, "-m", "runner.cli", "ui")
        row = re.compile(rf"^\s*\S\s+{newest}\s", re.MULTILINE)  # the newest run's row: status, number
        seconds_until(socket, lambda s: row.search(re.sub(r"\x1b\[[0-9;:]*m", "", s)) is not None, 30)
        opened = time.perf_counter() - started
        settle(socket)
        latencies: list[float] = []
        for n in range(10):
            key = "Down" if n % 2 == 0 else "Up"
            before = tmux(socket, "capture-pane", "-p", "-e")
            pressed = time.perf_counter()
            tmux(socket, "send-keys", key)
            seconds_until(socket, lambda s, before=before: s != before, 5)  # type: ignore[misc]
            latencies.append((time.perf_counter() - pressed) * 1000)
        return opened, statistics.median(latencies)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        big, small = Path(scratch) / "big", Path(scratch) / "small"
        started = time.perf_counter()
        fill(big, args.runs)
        print(f"recorded {args.runs} runs in {time.perf_counter() - started:.1f} s")
        fill(small, SMALL_RUNS)
        rows: list[tuple[float, float, float, float]] = []
        for _ in range(args.repeat):
            big_open, big_key = measure(big, args.runs)
            small_open, small_key = measure(small, SMALL_RUNS)
            rows.append((big_open, big_key, small_open, small_key))
    big_open, big_key, small_open, small_key = (statistics.median(column) for column in zip(*rows, strict=True))
    print(f"open {args.runs} runs: {big_open:.2f} s (limit {OPEN_LIMIT_S:.0f} s); {SMALL_RUNS} runs: {small_open:.2f} s; "
          f"ratio {big_open / small_open:.2f}x")
    print(f"key press with {args.runs} runs: median {big_key:.0f} ms; {SMALL_RUNS} runs: {small_key:.0f} ms")
    is_ok = big_open < OPEN_LIMIT_S and big_key < LATENCY_LIMIT_MS
    print("PASS" if is_ok else "FAIL")
    return 0 if is_ok else 1


if __name__ == "__main__":
    sys.exit(main())
