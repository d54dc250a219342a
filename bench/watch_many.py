"""``baton watch`` over many repositories: memory and child processes over time, and the
time from the start of ``git push`` to the run's ``started_at`` by polling.

    PYTHONPATH=$PWD python -m bench.watch_many [--repos 30] [--seconds 80] [--interval 1]

Prints the service's RSS and its number of child processes every 10 s, the growth of
both from the first sample (after start-up) to the last, and the median and worst
push-to-start latency of the pushes made meanwhile.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo built\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=cwd, check=True, capture_output=True)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    count += 1
            except (OSError, ValueError, IndexError):
                continue
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=80)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baton-bench-watch-") as scratch:
        top = Path(scratch)
        works = []
        for n in range(args.repos):
            bare, work = top / f"r{n}.git", top / f"w{n}"
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
            subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, capture_output=True)
            (work / ".github" / "workflows").mkdir(parents=True)
            (work / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
            git(work, "checkout", "-q", "-b", "main")
            git(work, "add", "-A")
            git(work, "commit", "-qm", "one")
            git(work, "push", "-q", "origin", "main")
            works.append(work)
        home = top / "home"
        environment = {**os.environ, "BATON_HOME": str(home), "XDG_CONFIG_HOME": str(top / "config"), "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "runner", "watch", *(str(top / f"r{n}.git") for n in range(args.repos)),
                   "--interval", str(args.interval), "--executor", "local"]  # fmt: skip
        service = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            time.sleep(5)  # start-up and first sight
            samples = [(rss_kib(service.pid), children(service.pid))]
            print(f"t=0s rss={samples[0][0]} KiB children={samples[0][1]}")
            pushes: list[tuple[str, float]] = []
            began = time.monotonic()
            next_sample = began + 10
            count = 0
            while time.monotonic() - began < args.seconds:
                if len(pushes) < 8 and time.monotonic() - began > 4 * len(pushes) + 2:
                    work = works[len(pushes) % len(works)]
                    (work / "f.txt").write_text(str(count))
                    count += 1
                    git(work, "add", "-A")
                    git(work, "commit", "-qm", f"push {len(pushes)}")
                    at = time.time()
                    git(work, "push", "-q", "origin", "main")
                    pushes.append((f"push {len(pushes)}", at))
                if time.monotonic() >= next_sample:
                    samples.append((rss_kib(service.pid), children(service.pid)))
                    print(f"t={time.monotonic() - began:.0f}s rss={samples[-1][0]} KiB children={samples[-1][1]}")
                    next_sample += 10
                time.sleep(0.2)
            samples.append((rss_kib(service.pid), children(service.pid)))
        finally:
            service.send_signal(signal.SIGTERM)
            service.wait(15)
        with sqlite3.connect(home / "baton.db") as db:
            started = dict(db.execute("SELECT title, started_at FROM runs"))
        latencies = [started[title] - at for title, at in pushes if started.get(title)]
        first, last = samples[0], samples[-1]
        print(f"rss: {first[0]} -> {last[0]} KiB ({(last[0] - first[0]) / first[0]:+.1%}); children: {first[1]} -> {last[1]}")
        print(f"push to started_at (polling every {args.interval:g} s): median {statistics.median(latencies):.2f} s, "
              f"worst {max(latencies):.2f} s, over {len(latencies)} pushes")  # fmt: skip
        print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
