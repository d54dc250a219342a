"""A job that restores a 200 MB cache and uploads a 200 MB artifact, beside ``cp -r`` of the
same files twice (once each way) in the same job of the same run; prints the ratio.

Target: the two native steps take at most 1.5x the two copies. A first run makes the
files (400 files of 512 KB, incompressible) and saves them with ``actions/cache/save``;
the measured run restores them (``actions/cache/restore``), uploads them
(``actions/upload-artifact``) and copies them with ``cp -r``; step durations come from
``baton run --format json``; a ``sync`` before each part keeps one part's dirty pages
from slowing the next.

Run: python -m bench.artifacts_cache [--executor local|docker|both] [--rounds N] [--image IMAGE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run_vs_act import repository

LIMIT = 1.5
FILES, FILE_KB = 400, 512

PREPARE = f"""name: prepare
on: push
jobs:
  make:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir deps && i=0; while [ $i -lt {FILES} ]; do head -c {FILE_KB * 1024} /dev/urandom > deps/f$i; i=$((i+1)); done
      - uses: actions/cache/save@v4
        with: {{path: deps, key: deps-1}}
"""

MEASURED = """name: measured
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - run: sync
      - uses: actions/cache/restore@v4
        with: {path: deps, key: deps-1, fail-on-cache-miss: true}
      - uses: actions/upload-artifact@v4
        with: {name: deps, path: deps}
      - run: sync
      - run: cp -r deps copy-in && cp -r copy-in copy-out
"""


def run(root: Path, workflow: str, home: Path, args: list[str]) -> list[float]:
    """Step durations of ``workflow`` run in ``root`` with the baton home ``home``."""
    env = {**os.environ, "BATON_HOME": str(home), "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-m", "runner.cli", "run", "--format", "json", "-W", workflow, *args],
                         cwd=root, env=env, capture_output=True, text=True, check=False)
    document = json.loads(out.stdout)
    if document["status"] != "success":
        raise SystemExit(f"the benchmark's run failed:\n{out.stderr}")
    return [float(step["duration"]) for step in document["jobs"][0]["steps"]]


def measure(executor_args: list[str], rounds: int) -> tuple[float, float]:
    """Median seconds of (restore + upload) and of the two copies."""
    natives: list[float] = []
    copies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as folder:
        base = Path(folder)
        root = base / "repo"
        root.mkdir()
        (root / "prepare.yml").write_text(PREPARE)
        repository(root, MEASURED)
        run(root, "prepare.yml", base / "home", executor_args)
        for _ in range(rounds):
            _, restore, upload, _, copy = run(root, ".github/workflows/bench.yml", base / "home", executor_args)
            natives.append(restore + upload)
            copies.append(copy)
    return statistics.median(natives), statistics.median(copies)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executor", choices=("local", "docker", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--image", default="baton-test/shell:latest")
    args = parser.parse_args()
    kinds = ["local", "docker"] if args.executor == "both" else [args.executor]
    print(f"restore a {FILES * FILE_KB // 1000} MB cache + upload it as an artifact, vs cp -r twice; "
          f"median of {args.rounds}; load {os.getloadavg()[0]:.2f}")
    failed = False
    for kind in kinds:
        flags = ["-P", "ubuntu-latest=-self-hosted"] if kind == "local" else ["-P", f"ubuntu-latest={args.image}", "--pull", "never"]
        native, copy = measure(flags, args.rounds)
        ratio = native / copy
        failed |= ratio > LIMIT
        print(f"  {kind:6}  restore+upload {native:5.2f} s   cp -r x2 {copy:5.2f} s   ratio {ratio:.2f} (limit {LIMIT})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
