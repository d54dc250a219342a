"""Eight ``baton run`` processes at once (four repositories, two runs each, one store, one
engine) neither disturb nor wait on each other's objects: all succeed, all are recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import runner
from runner.status import Conclusion
from runner.store import Store, list_runs

WORKFLOW = """
on: push
jobs:
  checkout:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test "$(cat marker.txt)" = {n}
  other:
    runs-on: ubuntu-latest
{other}
  last:
    needs: [checkout, other]
    runs-on: ubuntu-latest
    steps:
      - run: "true"
"""

PLAIN = """    steps:
      - run: "true"
"""

WITH_SERVICE = """    services:
      echo:
        image: {image}
        options: >-
          --entrypoint /bin/busybox
          --health-cmd "true" --health-interval 1s
        command: nc -ll -p 7000 -e /bin/echo pong
    steps:
      - run: test "$(busybox nc echo 7000 </dev/null)" = pong
"""


@pytest.mark.docker
def test_eight_runs_at_once_in_eight_processes(
    git_repo: Callable[..., Any], shell_image: str, docker_client: Any, tmp_path: Path
) -> None:
    roots = []
    for n in range(4):
        other = WITH_SERVICE.format(image=shell_image) if n == 0 else PLAIN
        repo = git_repo({".github/workflows/ci.yml": WORKFLOW.format(n=n, other=other), "marker.txt": f"{n}\n"})
        roots.append(Path(repo.working_tree_dir))
    home = tmp_path / "home"
    env = {**os.environ, "BATON_HOME": str(home), "PYTHONPATH": str(Path(runner.__file__).parents[1])}
    command = [sys.executable, "-m", "runner.cli", "run", "-P", f"ubuntu-latest={shell_image}", "--pull", "never"]
    processes = [
        subprocess.Popen([*command, "-C", str(root)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for root in roots
        for _ in range(2)
    ]
    try:
        results = [(p.wait(timeout=180), *p.communicate()) for p in processes]
        for code, out, err in results:
            assert (code, "Traceback" in err) == (0, False), out + err
        with Store.open(home) as store:
            runs = list_runs(store)
        assert len(runs) == 8
        assert sorted(r.number for r in runs) == list(range(1, 9))
        assert {r.conclusion for r in runs} == {Conclusion.SUCCESS}
        ids = {r.id for r in runs}
        left = [
            item
            for listing in (docker_client.api.containers(all=True, filters={"label": "baton.run"}),
                            docker_client.api.networks(filters={"label": "baton.run"}))
            for item in listing
            if (item.get("Labels") or {}).get("baton.run") in ids
        ]  # fmt: skip
        assert left == []
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        # whatever a failed run left: its process is gone now, so gc removes it
        subprocess.run([sys.executable, "-m", "runner.cli", "gc", "-q"], env=env, check=False, capture_output=True)
