"""How fast ``baton validate`` rejects hostile files (each must take well under a second).

Run: python -m bench.bad_input
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.workflow.bad_inputs import CASES, write_case

LIMIT_SECONDS = 1.0


def main() -> int:
    baton = str(Path(sys.executable).with_name("baton"))
    ok = True
    with tempfile.TemporaryDirectory(prefix="baton-bad-") as tmp:
        for name in sorted(CASES):
            path = write_case(Path(tmp), name)
            started = time.perf_counter()
            result = subprocess.run([baton, "validate", str(path)], capture_output=True, text=True, check=False)
            took = time.perf_counter() - started
            first = result.stdout.splitlines()[0] if result.stdout else result.stderr.strip()
            good = result.returncode == 1 and "Traceback" not in result.stderr and took < LIMIT_SECONDS
            ok &= good
            print(f"{'ok ' if good else 'BAD'} {took:5.2f} s  exit {result.returncode}  {first[:110]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
