"""12 one-step matrix jobs on a Docker Swarm against the same 12 on the docker executor, same run.

Each job of the matrix runs ``true``; the figure is the cost per job (the run's wall time
over 12), on the swarm and in plain containers, and their ratio. The two runs go in turn
(A B A B …) so a drift of the machine's speed hits both; medians are the figures.

A job on the swarm costs a service (the manager schedules its one task), two volumes made
on the node, and a sweep that waits until the task's container is gone before the volumes
and the service go: the ratio says what that costs beside one container per job.

Run: python -m bench.swarm_jobs [--image IMAGE] [--rounds N] [--jobs N]
Needs a Docker engine with the image (``python -m tests.environment`` builds it). An engine
outside any swarm is made a single-node swarm for the benchmark and leaves it afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

from bench.fixed_cost import line, pairs
from bench.run_vs_act import repository

JOBS = 12
WORKFLOW = f"""name: matrix
on: push
jobs:
  leg:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [{", ".join(str(n) for n in range(1, JOBS + 1))}]
    steps:
      - run: "true"
"""


def plugin_path(folder: Path) -> str:
    """A folder that registers the swarm executor (entry point group ``baton``) for a baton
    whose installed metadata predates it; empty when it is installed already."""
    if any(entry.name == "swarm" for entry in entry_points(group="baton")):
        return ""
    info = folder / "baton_swarm_bench-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: baton-swarm-bench\nVersion: 0\n")
    (info / "entry_points.txt").write_text("[baton]\nswarm = plugins.executors.swarm\n")
    return str(folder)


def swarm_state() -> str:
    """``active``, ``inactive``, … as the engine says."""
    return subprocess.run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"], check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="baton-test/shell:latest")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=4, help="jobs at once (baton run --jobs)")
    args = parser.parse_args()
    made = swarm_state() != "active"
    if made:
        subprocess.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"], check=True,
                       capture_output=True)
    try:
        with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
            root = Path(__file__).resolve().parents[1]
            paths = [str(root), plugin_path(Path(tmp) / "plugins"), os.environ.get("PYTHONPATH", "")]
            env = {**os.environ, "BATON_HOME": str(Path(tmp) / "home"), "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pyc"),
                   "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            repo = repository(Path(tmp) / "repo", WORKFLOW)
            baton = [sys.executable, "-m", "runner", "run", "-P", f"ubuntu-latest={args.image}",
                     "--jobs", str(args.jobs), "--executor"]
            swarm, docker = pairs([*baton, "swarm"], [*baton, "docker"], args.rounds, repo, env)
    finally:
        if made:
            subprocess.run(["docker", "swarm", "leave", "--force"], check=True, capture_output=True)
    per_swarm = [took / JOBS for took in swarm]
    per_docker = [took / JOBS for took in docker]
    print(f"{JOBS} one-step matrix jobs ({args.image}), --jobs {args.jobs}, {args.rounds} pairs; cost per job:")
    print(line("swarm executor", per_swarm))
    print(line("docker executor", per_docker))
    print(f"    ratio of medians {statistics.median(per_swarm) / statistics.median(per_docker):.2f}x "
          "(swarm / docker)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
