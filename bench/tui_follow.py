"""The dashboard following a flood: memory, and how soon a key press shows, in tmux.

A step prints 100,000 lines a second for 10 seconds (``baton run`` on the host
executor); ``baton ui`` (160x45, in a private tmux server) shows that run and follows
its log. Meanwhile a key moves the job tree's cursor between the flooding job's step
and a quiet job, which switches the log shown; the time from ``send-keys`` to the screen
showing the switch is a key press's latency. The reference is the same measurement on
an idle dashboard (the same run once it has ended), in the same run of this script.

Targets: the dashboard under 200 MB; median latency under 100 ms.

Run: python -m bench.tui_follow [--presses N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MEMORY_LIMIT_MB = 200
LATENCY_LIMIT_MS = 100
MARKER = "QUIET-JOB-MARKER"
FLOOD = """
import sys, time
for second in range(10):
    started = time.time()
    for block in range(10):
        sys.stdout.write("".join(f"line {second}.{block}.{i} of a step that floods its log\\n" for i in range(10000)))
        sys.stdout.flush()
        time.sleep(max(0.0, started + (block + 1) / 10 - time.time()))
"""
FLOOD_INDENTED = "\n".join("          " + line for line in FLOOD.strip().splitlines())
WORKFLOW = f"""
name: flood
on: push
jobs:
  flood:
    runs-on: self-hosted
    steps:
      - run: |
          cat > flood.py <<'PY'
{FLOOD_INDENTED}
          PY
          python3 flood.py
  quiet:
    runs-on: self-hosted
    steps:
      - run: echo {MARKER}
"""


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True).stdout


def wait_for(socket: str, holds: object, seconds: float) -> float:
    """Seconds until the screen satisfies ``holds`` (polled as fast as tmux answers)."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if holds(tmux(socket, "capture-pane", "-p")):  # type: ignore[operator]
            return time.perf_counter() - started
    raise SystemExit("the dashboard never showed what was expected; it shows:\n" + tmux(socket, "capture-pane", "-p"))


def log_side(screen: str) -> str:
    """The right-hand part of the screen: the log, without the job tree."""
    return "\n".join(line.split("│", 1)[-1] for line in screen.splitlines())


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def presses(socket: str, count: int) -> list[float]:
    """Latencies (ms) of ``count`` cursor moves between the two jobs."""
    found: list[float] = []
    for n in range(count):
        key, shown = ("Up", False) if n % 2 == 0 else ("Down", True)
        started = time.perf_counter()
        tmux(socket, "send-keys", key)
        wait_for(socket, lambda s, shown=shown: (MARKER in log_side(s)) == shown, 5)
        found.append((time.perf_counter() - started) * 1000)
    return found


def _has_run(database: Path) -> bool:
    import sqlite3

    if not database.exists():
        return False
    try:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "repo"
        (repo / ".github" / "workflows").mkdir(parents=True)
        (repo / ".github" / "workflows" / "flood.yml").write_text(WORKFLOW)
        for argv in (["init", "-q"], ["add", "-A"], ["-c", "user.email=b@b", "-c", "user.name=b", "commit", "-qm", "b"]):
            subprocess.run(["git", *argv], cwd=repo, check=True)
        env = {**os.environ, "BATON_HOME": str(Path(scratch) / "home")}
        run = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", "--executor", "local"], cwd=repo, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        socket = f"baton-bench-{uuid.uuid4().hex[:8]}"
        exports = [f"{k}={v}" for k, v in env.items() if k in ("BATON_HOME", "PYTHONPATH")]
        try:
            database = Path(scratch) / "home" / "baton.db"
            while not _has_run(database):
                time.sleep(0.05)
            tmux(socket, "new-session", "-d", "-x", "160", "-y", "45", "env", *exports, sys.executable, "-m", "runner.cli", "ui", "1")
            pid = int(tmux(socket, "list-panes", "-F", "#{pane_pid}").split()[0])
            wait_for(socket, lambda s: "line " in s, 20)  # following the flood
            for _ in range(2):  # from the flooding job (the cursor starts on it) past its step onto the quiet job
                tmux(socket, "send-keys", "Down")
            wait_for(socket, lambda s: MARKER in log_side(s), 5)
            busy = presses(socket, args.presses)
            flooding = run.poll() is None
            run.wait(timeout=120)
            idle = presses(socket, args.presses)
            memory = peak_mb(pid)
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
            if run.poll() is None:
                run.kill()
    busy_ms, idle_ms = statistics.median(busy), statistics.median(idle)
    print(f"key press while following 100,000 lines/s: median {busy_ms:.0f} ms (max {max(busy):.0f}); "
          f"idle dashboard: median {idle_ms:.0f} ms; ratio {busy_ms / idle_ms:.2f}x"
          f"{'' if flooding else '  (the flood ended before the presses did: use fewer --presses)'}")
    print(f"dashboard peak memory: {memory:.0f} MB (limit {MEMORY_LIMIT_MB})")
    is_ok = busy_ms < LATENCY_LIMIT_MS and memory < MEMORY_LIMIT_MB
    print("PASS" if is_ok else "FAIL")
    return 0 if is_ok else 1


if __name__ == "__main__":
    sys.exit(main())
