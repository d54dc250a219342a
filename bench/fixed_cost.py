"""What a run costs beyond its work, each figure beside its reference in the same run.

(a) a one-step job (``run: "true"``) in Docker: baton at most 2x a bare
    ``docker run --rm IMAGE true`` (container create, start, wait, removal: the same engine work);
(b) ``baton run -n`` (plan only) of one trivial workflow: at most 0.3 s, printed beside the
    interpreter's own start-up (``python -c pass``, what no Python program can go below);
(c) one step printing 200,000 lines (``seq 200000``) in Docker: baton at most 1.3x a bare
    ``docker run --rm IMAGE seq 200000`` (whose output the ``docker`` CLI reads and prints),
    and baton's peak memory (the largest RSS of its process tree) under 100 MB.

The two commands of a pair run in turn (A B A B …) so a drift of the machine's speed hits
both; the median is the figure (this machine is shared), the minimum shows the spread.

Python's bytecode cache is on, as for any installed package (``pip install`` compiles it,
an editable install writes it on first use): ``PYTHONDONTWRITEBYTECODE`` is dropped and the
cache goes to a temporary folder (``PYTHONPYCACHEPREFIX``), so no checkout is written to.
``--no-bytecode-cache`` measures a Python that compiles every module afresh instead.

Run: python -m bench.fixed_cost [--image IMAGE] [--rounds N] [--no-bytecode-cache] [--only a|b|c]
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
FLOOD_LIMIT = 1.3
"""baton's 200,000-line step within this multiple of ``docker run --rm IMAGE seq 200000``."""
FLOOD_MEMORY_LIMIT_MB = 100
LINES = 200_000


def workflow(command: str) -> str:
    """One job of one step running ``command``."""
    return f'name: one\non: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "{command}"\n'


def repository(folder: Path, command: str) -> Path:
    """A git repository holding a one-step workflow running ``command``."""
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "one.yml").write_text(workflow(command))
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@e"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, env=env)
    return folder


PEAKS: dict[str, float] = {}
"""The largest peak RSS (MB) seen of each command's process tree, by its first argument."""


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of the whole command (its output read and dropped, as a terminal would
    take it); a failure stops the benchmark. Records the tree's peak RSS in :data:`PEAKS`."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed (exit {code}): {errors.read().decode()[-500:]}")
    PEAKS[argv[0]] = max(PEAKS.get(argv[0], 0.0), usage.ru_maxrss / 1024)
    return took


def pairs(a: list[str], b: list[str], rounds: int, cwd: Path, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """``rounds`` timings of each, in turn, after one warm-up of each (caches, bytecode)."""
    timed(a, cwd, env)
    timed(b, cwd, env)
    PEAKS.clear()
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
    parser.add_argument("--only", choices=("a", "b", "c"), help="measure only this figure")
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
        repo = repository(Path(tmp) / "repo", "true")
        platform = ["-P", f"ubuntu-latest={args.image}"]
        cache = "off" if args.no_bytecode_cache else "on"
        wanted = args.only or "abc"

        if "a" in wanted:
            ok &= _one_step(baton, docker, platform, args, repo, env, cache)
        if "b" in wanted:
            ok &= _dry_run(baton, platform, args, repo, env, cache)
        if "c" in wanted:
            flood = repository(Path(tmp) / "flood", f"seq {LINES}")
            ok &= _flood(baton, docker, platform, args, flood, env, cache)
    return 0 if ok else 1


def _one_step(baton: str, docker: str, platform: list[str], args: argparse.Namespace, repo: Path,
              env: dict[str, str], cache: str) -> bool:
    ours, theirs = pairs([baton, "run", *platform, "--executor", "docker"],
                         [docker, "run", "--rm", args.image, "true"], args.rounds, repo, env)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"(a) a one-step job (run: \"true\") in {args.image}, {args.rounds} pairs, bytecode cache {cache}")
    print(line("baton run", ours))
    print(line("docker run --rm", theirs))
    print(f"    ratio of medians {ratio:.2f}x (limit {ONE_STEP_LIMIT:.1f}x)")
    return ratio <= ONE_STEP_LIMIT


def _dry_run(baton: str, platform: list[str], args: argparse.Namespace, repo: Path, env: dict[str, str],
             cache: str) -> bool:
    ours, theirs = pairs([baton, "run", "-n", *platform], [sys.executable, "-c", "pass"], args.rounds, repo, env)
    median = statistics.median(ours)
    print(f"(b) baton run -n, one trivial workflow, {args.rounds} pairs, bytecode cache {cache}")
    print(line("baton run -n", ours))
    print(line("python -c pass", theirs))
    print(f"    {median:.3f} s (limit {DRY_RUN_LIMIT_SECONDS} s), {median / statistics.median(theirs):.1f}x the "
          "interpreter's start-up")
    return median <= DRY_RUN_LIMIT_SECONDS


def _flood(baton: str, docker: str, platform: list[str], args: argparse.Namespace, repo: Path,
           env: dict[str, str], cache: str) -> bool:
    ours, theirs = pairs([baton, "run", *platform, "--executor", "docker"],
                         [docker, "run", "--rm", args.image, "seq", str(LINES)], args.rounds, repo, env)
    ratio = statistics.median(ours) / statistics.median(theirs)
    peak = PEAKS[baton]
    print(f"(c) one step printing {LINES:,} lines (seq {LINES}) in {args.image}, {args.rounds} pairs, "
          f"bytecode cache {cache}")
    print(line("baton run", ours))
    print(line(f"docker run seq {LINES}", theirs))
    print(f"    ratio of medians {ratio:.2f}x (limit {FLOOD_LIMIT:.1f}x)")
    print(f"    baton peak memory {peak:.0f} MB (limit {FLOOD_MEMORY_LIMIT_MB} MB); the docker CLI's {PEAKS[docker]:.0f} MB")
    return ratio <= FLOOD_LIMIT and peak < FLOOD_MEMORY_LIMIT_MB


if __name__ == "__main__":
    sys.exit(main())
