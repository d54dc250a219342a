"""``baton run --ui`` in a real terminal (tmux, 120×35): the dashboard of the process's own run.

The run goes on in the same process as the dashboard; once it ended, ``q`` closes the
dashboard and the summary follows (exit 0). Quitting while it goes on asks what becomes of
it; ``c`` cancels it: its steps stop and the process exits 130.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.security.hostile import kill_all, processes_with
from tests.tui.tmux import Terminal

TWO_JOBS = """
name: two
on: push
jobs:
  first:
    runs-on: self-hosted
    steps:
      - run: for i in $(seq 1 {lines}); do echo "line $i"; sleep {pause}; done
  second:
    runs-on: self-hosted
    steps:
      - run: for i in $(seq 1 {lines}); do echo "other $i"; sleep {pause}; done
"""


def shown_lines(screen: str, word: str) -> set[int]:
    """The numbers of the ``word N`` lines the log pane shows."""
    return {int(n) for n in re.findall(rf"│\s+{word} (\d+)\s*$", screen, re.MULTILINE)}


def has_both_jobs(screen: str, state: str) -> bool:
    """Whether the job tree shows both jobs, each with ``state``'s icon."""
    return all(re.search(rf"^\S\s+{state}\s+{job}\b", screen, re.MULTILINE) for job in ("first", "second"))


class RunInTerminal:
    """``baton run --ui`` of a two-job workflow in a tmux window; its exit status in a file."""

    def __init__(self, tmp_path: Path, *, lines: int) -> None:
        self.pause = f"0.2{random.randrange(10_000, 99_999)}"
        """The steps' ``sleep`` argument: no other process on the machine uses it."""
        self.repo = tmp_path / "repo"
        (self.repo / ".github" / "workflows").mkdir(parents=True)
        (self.repo / ".github" / "workflows" / "two.yml").write_text(TWO_JOBS.format(lines=lines, pause=self.pause))
        for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"]):
            subprocess.run(["git", *args], cwd=self.repo, check=True)
        self.env = {"BATON_HOME": str(tmp_path / "home"), "TERM": "xterm-256color"}
        if os.environ.get("PYTHONPATH"):
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        self.status = tmp_path / "status"
        command = (f"cd {shlex.quote(str(self.repo))} && {shlex.quote(sys.executable)} -m runner.cli run --ui "
                   f"--executor local; echo $? > {shlex.quote(str(self.status))}")
        self.terminal = Terminal(f"sh -c {shlex.quote(command)}", self.env, width=120, height=35)

    def exit_status(self, seconds: float) -> int:
        """The exit status of ``baton run --ui``, once it ended."""
        deadline = time.monotonic() + seconds
        while not (self.status.exists() and self.status.read_text().strip()):
            assert time.monotonic() < deadline, f"baton run --ui did not exit; the window shows:\n{self.terminal.screen()}"
            time.sleep(0.1)
        return int(self.status.read_text())

    def runs(self) -> str:
        """What ``baton runs`` lists for this test's BATON_HOME."""
        env = {**os.environ, **self.env, "NO_COLOR": "1"}
        return subprocess.run([sys.executable, "-m", "runner.cli", "runs"], env=env, check=True,
                              capture_output=True, text=True).stdout

    def close(self) -> list[int]:
        """Stop the window and whatever of the steps outlived it; the pids of those."""
        self.terminal.close()
        left = processes_with(self.pause)
        kill_all(left)
        return left


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[RunInTerminal]]:
    if shutil.which("tmux") is None:
        require("tmux is not installed")
    made: list[RunInTerminal] = []
    yield made
    for one in made:
        one.close()


def test_the_dashboard_shows_the_run_live_and_q_after_its_end_exits_with_the_summary(
    tmp_path: Path, started: list[RunInTerminal]
) -> None:
    run = RunInTerminal(tmp_path, lines=15)
    started.append(run)
    terminal = run.terminal
    live = terminal.wait_for(lambda s: len(shown_lines(s, "line")) >= 2 and has_both_jobs(s, "●"), 30,
                             "both jobs running and the first one's log")
    assert "#1 two" in live and "● running" in live
    ended = terminal.wait_for(lambda s: has_both_jobs(s, "✓") and "✓ success" in s.splitlines()[0], 30,
                              "the run ended, both jobs succeeded")
    assert shown_lines(ended, "line") == set(range(1, 16))
    terminal.keys("q")  # the run has ended: no question, the dashboard closes
    assert run.exit_status(15) == 0
    summary = terminal.screen()
    assert re.search(r"first\s+success", summary) and re.search(r"two: success in", summary), summary
    assert re.search(r"^1\s.*success", run.runs(), re.MULTILINE), run.runs()


def test_q_then_c_cancels_the_run_stops_its_steps_and_exits_130(tmp_path: Path, started: list[RunInTerminal]) -> None:
    run = RunInTerminal(tmp_path, lines=1000)
    started.append(run)
    terminal = run.terminal
    terminal.wait_for(lambda s: len(shown_lines(s, "line")) >= 3 and has_both_jobs(s, "●"), 30,
                      "both jobs running and the first one's log")
    assert processes_with(run.pause), "the steps' processes are not found by their marker"
    terminal.keys("q")
    asked = terminal.wait_for(lambda s: "The run is still going." in s, 10, "the question of what becomes of the run")
    assert "k quit and let it finish here" in asked and "c cancel it and quit" in asked and "esc stay" in asked
    terminal.keys("c")
    assert run.exit_status(30) == 130
    assert re.search(r"^1\s.*cancelled", run.runs(), re.MULTILINE), run.runs()
    deadline = time.monotonic() + 10
    while processes_with(run.pause) and time.monotonic() < deadline:  # a killed process may take a moment to go
        time.sleep(0.05)
    assert not run.close(), "processes of the steps outlived the cancelled run"
