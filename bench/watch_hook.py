"""Push to run start through the git hook: ``baton watch BARE --interval 60`` with
``baton hook install BARE``, then 8 pushes (one commit each, waiting for each run to
end); each figure is from the start of ``git push`` to the run's ``started_at`` in the
store. The reference, in the same run of this script, is ``git push`` alone (the same
pushes, the hook there, the service stopped): what the hook's poke and the service add
to a push is the difference.

Target: median under 1 s (with polling every 60 s, only the hook can start it that fast).

Run: python -m bench.watch_hook [--pushes N]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner.store import Store, list_runs

LIMIT_S = 1.0
ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = "name: CI\non: push\njobs:\n  build:\n    runs-on: self-hosted\n    steps:\n      - run: echo built\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=cwd, check=True, capture_output=True)


def wait(holds: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not holds():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: not within {seconds} s: {what}")
        time.sleep(0.01)


def push(work: Path, n: int) -> float:
    """Commit and push; the Unix time the push started."""
    (work / "n.txt").write_text(f"{n}\n")
    git(work, "commit", "-qam", f"change {n}")
    started = time.time()
    git(work, "push", "-q", "origin", "main")
    return started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baton-bench-hook-") as folder:
        tmp = Path(folder)
        bare, work, home = tmp / "app.git", tmp / "work", tmp / "home"
        env = {**os.environ, "BATON_HOME": str(home), "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp / "config")}
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
        subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, capture_output=True)
        git(work, "checkout", "-q", "-b", "main")
        (work / ".github" / "workflows").mkdir(parents=True)
        (work / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
        (work / "n.txt").write_text("0\n")
        git(work, "add", "-A")
        git(work, "commit", "-qm", "the workflow")
        git(work, "push", "-q", "origin", "main")
        subprocess.run([sys.executable, "-m", "runner", "hook", "install", str(bare)], env=env, check=True, capture_output=True)
        log = (tmp / "watch.log").open("w")
        service = subprocess.Popen(
            [sys.executable, "-m", "runner", "watch", str(bare), "--interval", "60", "--executor", "local"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        latencies: list[float] = []
        try:
            wait(lambda: "watching app:" in (tmp / "watch.log").read_text(), 30, "the service's first poll")
            with Store.open(home) as store:
                for n in range(1, args.pushes + 1):
                    started = push(work, n)
                    wait(lambda: len([r for r in list_runs(store, 50) if r.is_completed]) == n, 30, f"run {n} ended")
                    run = list_runs(store, 1)[0]
                    assert run.started_at is not None
                    latencies.append(run.started_at - started)
        finally:
            service.send_signal(signal.SIGTERM)
            service.wait(20)
            log.close()
        pushes = []
        for n in range(args.pushes + 1, 2 * args.pushes + 1):
            started = push(work, n)
            pushes.append(time.time() - started)
    median, reference = statistics.median(latencies), statistics.median(pushes)
    print(f"push start -> run started_at, {args.pushes} pushes: median {median * 1000:.0f} ms "
          f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}); limit {LIMIT_S * 1000:.0f} ms")  # fmt: skip
    print(f"reference: git push alone (service stopped), median {reference * 1000:.0f} ms; "
          f"the hook and the service add {(median - reference) * 1000:.0f} ms")  # fmt: skip
    return 0 if median < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())
