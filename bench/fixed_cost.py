"""What a run costs beyond its work, each figure beside its reference in the same run.

(a) a one-step job (``run: "true"``) in Docker: baton at most 2x a bare
    ``docker run --rm IMAGE true`` (container create, start, wait, removal: the same engine work);
(b) ``baton run -n`` (plan only) of one trivial workflow: at most 0.3 s, printed beside the
    interpreter's own start-up (``python -c pass``, what no Python program can go below).

The two commands of a pair run in turn (A B A B …) so a drift of the machine's speed hits
both; the median is the figure (this machine is shared), the minimum shows the spread.

Python's bytecode cache is on, as for any installed package (``pip install`` compiles it,
an editable install writes it on first use): ``PYTHONDONTWRITEBYTECODE`` is dropped and the
cache goes to a temporary folder (``PYTHONPYCACHEPREFIX``), so no checkout is written to.
``--no-bytecode-cache`` measures a Python that compiles every module afresh instead.

Run: python -m bench.fixed_cost [--image IMAGE] [--rounds N] [--no-bytecode-cache]
Needs a Docker engine with the image (``python -m tests.environment`` builds it).
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

ONE_STEP_LIMIT = 2.0
"""baton's one-step job within this multiple of ``docker run --rm``."""
DRY_RUN_LIMIT_SECONDS = 0.3
"""``baton run -n`` of one trivial workflow, whole process."""

WORKFLOW = 'name: one\non: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n'


def repository(folder: Path, workflow: str = WORKFLOW) -> Path:
    """A git repository holding ``workflow`` (the one-step workflow unless told)."""
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "one.yml").write_text(workflow)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@e"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, env=env)
    return folder


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of the whole command; a failure stops the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {result.returncode}): {result.stderr.decode()[-500:]}")
    return took


def pairs(a: list[str], b: list[str], rounds: int, cwd: Path, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """``rounds`` timings of each, in turn, after one warm-up of each (caches, bytecode)."""
    timed(a, cwd, env)
    timed(b, cwd, env)
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        ours.append(timed(a, cwd, env))
        theirs.append(timed(b, cwd, env))
    return ours, theirs


def line(name: str, times: list[float]) -> str:
    return f"    {name:<22} median {statistics.median(times):6.3f} s   min {min(times):6.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="baton-test/shell:latest")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--no-bytecode-cache", action="store_true", help="compile every module afresh, each run")
    args = parser.parse_args()
    docker = shutil.which("docker")
    baton = str(Path(sys.executable).with_name("baton"))
    if docker is None:
        print("needs the docker CLI and a Docker engine")
        return 2
    ok = True
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        env = {**os.environ, "BATON_HOME": str(Path(tmp) / "home")}
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        repo = repository(Path(tmp) / "repo")
        platform = ["-P", f"ubuntu-latest={args.image}"]
        cache = "off" if args.no_bytecode_cache else "on"

        ours, theirs = pairs([baton, "run", *platform, "--executor", "docker"],
                             [docker, "run", "--rm", args.image, "true"], args.rounds, repo, env)
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"(a) a one-step job (run: \"true\") in {args.image}, {args.rounds} pairs, bytecode cache {cache}")
        print(line("baton run", ours))
        print(line("docker run --rm", theirs))
        print(f"    ratio of medians {ratio:.2f}x (limit {ONE_STEP_LIMIT:.1f}x)")
        ok &= ratio <= ONE_STEP_LIMIT

        ours, theirs = pairs([baton, "run", "-n", *platform], [sys.executable, "-c", "pass"], args.rounds, repo, env)
        median = statistics.median(ours)
        print(f"(b) baton run -n, one trivial workflow, {args.rounds} pairs, bytecode cache {cache}")
        print(line("baton run -n", ours))
        print(line("python -c pass", theirs))
        print(f"    {median:.3f} s (limit {DRY_RUN_LIMIT_SECONDS} s), {median / statistics.median(theirs):.1f}x the "
              "interpreter's start-up")
        ok &= median <= DRY_RUN_LIMIT_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
