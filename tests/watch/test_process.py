"""The real service process (``python -m runner watch BARE --interval 1``): kill -9,
pushes while it is down, a restart that builds each moved head once, and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.process import is_process_alive
from runner.status import Conclusion
from runner.store import RunRecord, Store, list_runs
from tests.watch.conftest import Remote

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 40.0

WORKFLOW = """\
name: CI
on:
  push:
    branches: ["**"]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          if [ -f slow.txt ]; then echo $$ > {pids}/$(cat slow.txt); exec sleep 60; fi
          echo built
"""


class Service:
    """``baton watch`` in its own process, its output in a file."""

    def __init__(self, bare: Path, home: Path, log: Path) -> None:
        self.log = log
        environment = {**os.environ, "BATON_HOME": str(home), "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(home / "config")}
        with log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "runner", "watch", str(bare), "--interval", "1", "--executor", "local"],
                stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=str(home.parent),
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text()

    def wait_for_line(self, text: str, count: int = 1) -> None:
        deadline = time.monotonic() + DEADLINE
        while self.output().count(text) < count:
            assert self.process.poll() is None, f"the service died: {self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in: {self.output()}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def start(remote: Remote, tmp_path: Path) -> Iterator[Callable[[], Service]]:
    started: list[Service] = []
    home = tmp_path / "home"
    home.mkdir()

    def make() -> Service:
        service = Service(remote.bare, home, tmp_path / "service.log")
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


def runs_of(home: Path) -> list[RunRecord]:
    with Store.open(home) as store:
        return list(reversed(list_runs(store, limit=100)))


def wait_runs(home: Path, check: Callable[[list[RunRecord]], bool], what: str) -> list[RunRecord]:
    deadline = time.monotonic() + DEADLINE
    while True:
        runs = runs_of(home)
        if check(runs):
            return runs
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {[(r.ref, r.sha[:7], r.status, r.conclusion) for r in runs]}"
        time.sleep(0.1)


def test_kill_9_then_restart_builds_each_moved_head_once_and_sigterm_leaves_nothing(
    remote: Remote, start: Callable[[], Service], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    pids = tmp_path / "pids"
    pids.mkdir()
    remote.commit({".github/workflows/ci.yml": WORKFLOW.format(pids=pids)}, "one")
    remote.push("main")
    first = start()
    first.wait_for_line("watching app: 1 branch, 0 tags")

    remote.commit({"a.txt": "a\n"}, "two")
    remote.push("main")
    wait_runs(home, lambda runs: len(runs) == 1 and runs[0].conclusion is Conclusion.SUCCESS, "the first run")

    # a run cut off by kill -9
    remote.checkout("slow", new=True)
    remote.commit({"slow.txt": "slow\n"}, "slow")
    remote.push("slow")
    deadline = time.monotonic() + DEADLINE
    while not (pids / "slow").exists():
        assert time.monotonic() < deadline, first.output()
        time.sleep(0.05)
    orphan = int((pids / "slow").read_text())
    try:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()

        # while it is down: two pushes to main (only the head builds) and a new branch
        remote.checkout("main")
        remote.commit({"b.txt": "b\n"}, "three")
        remote.push("main")
        main_head = remote.commit({"c.txt": "c\n"}, "four")
        remote.push("main")
        remote.checkout("feat", new=True)
        feat_head = remote.commit({"d.txt": "d\n"}, "five")
        remote.push("feat")

        second = start()
        runs = wait_runs(home, lambda runs: len(runs) == 4 and all(r.is_completed for r in runs), "the runs after restart")
        by_ref = {(r.ref, r.sha): r for r in runs}
        assert by_ref[("refs/heads/slow", runs[1].sha)].conclusion is Conclusion.INTERRUPTED
        assert by_ref[("refs/heads/main", main_head)].conclusion is Conclusion.SUCCESS
        assert by_ref[("refs/heads/feat", feat_head)].conclusion is Conclusion.SUCCESS
        assert sorted(r.title for r in runs) == ["five", "four", "slow", "two"], "none for 'three', none doubled"
        second.wait_for_line("watching app again: 3 branches, 0 tags")

        # SIGTERM during a run: stopped within 10 s, the run cancelled, nothing left
        remote.checkout("slow")
        remote.commit({"slow.txt": "slower\n"}, "slower")
        remote.push("slow")
        deadline = time.monotonic() + DEADLINE
        while not (pids / "slower").exists():
            assert time.monotonic() < deadline, second.output()
            time.sleep(0.05)
        job = int((pids / "slower").read_text())
        # the polls that saw "slower" came after the restart's: nothing else was started again
        assert sorted(r.title for r in runs_of(home)) == ["five", "four", "slow", "slower", "two"]
        began = time.monotonic()
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=10) == 0, second.output()
        assert time.monotonic() - began < 10
        assert not is_process_alive(job), "the job's process was stopped"
        last = runs_of(home)[-1]
        assert (last.title, last.conclusion) == ("slower", Conclusion.CANCELLED)
        assert not list(Path("/tmp").glob(f"baton-source-{second.process.pid}-*")), "snapshot folders removed"
    finally:
        if is_process_alive(orphan):
            os.kill(orphan, signal.SIGKILL)
