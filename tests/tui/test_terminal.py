"""``baton ui`` in a real terminal (tmux, 160×45) beside a real ``baton run`` in another process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.tui.tmux import Terminal

QUICK = """
name: quick
on: push
jobs:
  hello:
    runs-on: self-hosted
    steps:
      - run: echo hello
"""

LONG = """
name: long
on: push
jobs:
  stream:
    runs-on: self-hosted
    steps:
      - run: |
          i=0
          while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); sleep 0.02; done
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "quick.yml").write_text(QUICK)
    (folder / "long.yml").write_text(LONG)
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=folder, check=True)
    return folder


@pytest.fixture
def terminal_env(tmp_path: Path) -> dict[str, str]:
    env = {"BATON_HOME": str(tmp_path / "home"), "TERM": "xterm-256color"}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for terminal in made:
        terminal.close()


def test_the_dashboard_follows_and_cancels_a_run_of_another_process(
    repo: Path, terminal_env: dict[str, str], terminals: list[Terminal], tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        require("tmux is not installed")
    env = {**os.environ, **terminal_env, "NO_COLOR": "1"}
    cli = [sys.executable, "-m", "runner.cli"]
    subprocess.run([*cli, "run", "--executor", "local"], cwd=repo, env=env, check=True, capture_output=True)
    status = tmp_path / "status"
    terminal = Terminal(f"sh -c '{sys.executable} -m runner.cli ui; echo $? > {status}'", terminal_env)
    terminals.append(terminal)
    terminal.wait_for(lambda s: re.search(r"✓\s+1\s.*quick", s) is not None, 15, "the stored run, succeeded")

    run = subprocess.Popen([*cli, "run", "--executor", "local", "-W", "long.yml"], cwd=repo, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        terminal.wait_for(lambda s: re.search(r"●\s+2\s", s) is not None, 10, "the new run within 10 s")
        terminal.keys("Enter")
        first = terminal.wait_for(lambda s: "line " in s and re.search(r"● stream", s) is not None, 10,
                                  "its running job and the live log")
        last_line = max(int(n) for n in re.findall(r"line (\d+)", first))
        terminal.wait_for(lambda s: max(map(int, re.findall(r"line (\d+)", s) or ["0"])) > last_line + 20, 10,
                          "new log lines coming")
        terminal.keys("c")
        terminal.wait_for(lambda s: "Cancel run #2" in s, 5, "the confirmation")
        terminal.keys("y")
        assert run.wait(timeout=10) == 130
        terminal.wait_for(lambda s: "⊘ cancelled" in s, 10, "the run cancelled")
        terminal.keys("Escape")
        terminal.wait_for(lambda s: re.search(r"⊘\s+2\s.*long", s) is not None, 10, "the run cancelled in the list")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    listed = subprocess.run([*cli, "runs"], env=env, check=True, capture_output=True, text=True).stdout
    assert re.search(r"^2\s.*cancelled", listed, re.MULTILINE), listed
    terminal.keys("q")
    deadline = time.monotonic() + 10
    while not status.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.read_text().strip() == "0"
