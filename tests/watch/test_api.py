"""The local API end to end: a real service process on a real socket, real runs, the CLI."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.errors import BatonError, StoreError, UsageError
from runner.store import RunRecord, Store, get_run, jobs_of, list_runs
from runner.watch.client import ServiceClient
from runner.watch.wire import socket_address, socket_path

QUICK = """\
name: quick
on:
  workflow_dispatch:
    inputs:
      who: {type: string, required: true}
jobs:
  greet:
    runs-on: self-hosted
    steps:
      - run: echo "hello ${{ inputs.who }}"
"""

SLOW = """\
name: slow
on: workflow_dispatch
jobs:
  wait:
    runs-on: self-hosted
    steps:
      - run: echo started; sleep 60
"""

ROOT = Path(__file__).resolve().parents[2]


def wait_until(holds: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := holds():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def recorded(store: Store, run_id: str) -> RunRecord | None:
    """The run once the store has it (the recorder writes a moment after the event)."""
    try:
        return get_run(store, run_id)
    except StoreError:
        return None


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A BATON_HOME deeper than a socket address may be long (107 bytes), and no user baton.toml."""
    folder = tmp_path / ("deep-folder-" * 8) / "home"
    assert len(str(folder / "baton.sock")) > 107
    monkeypatch.setenv("BATON_HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


@pytest.fixture
def repo(git_repo: Callable[..., Any]) -> Path:
    made = git_repo({".github/workflows/quick.yml": QUICK, ".github/workflows/slow.yml": SLOW})
    return Path(made.working_tree_dir)


def watch_command(repo: Path) -> list[str]:
    return [sys.executable, "-m", "runner", "watch", str(repo), "--interval", "60", "--executor", "local"]


class Service:
    """``baton watch REPO`` in its own process (polling every 60 s), its output in a file."""

    def __init__(self, home: Path, repo: Path) -> None:
        self.log = home.parent / f"watch-{time.monotonic_ns()}.log"
        home.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                watch_command(repo), stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT
            )
        try:
            wait_until(lambda: self.has_polled(home) or self.process.poll() is not None, 30, "the first poll")
            assert self.process.poll() is None, self.output()
        except BaseException:
            self.stop()  # not handed to the fixture yet: stopped here
            raise

    def has_polled(self, home: Path) -> bool:
        try:
            client = ServiceClient.connect(home)
        except BatonError:
            return False
        if client is None:
            return False
        with client:
            return client.pid == self.process.pid and all(state.last_poll_at for state in client.status())

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def services() -> Iterator[Callable[[Path, Path], Service]]:
    started: list[Service] = []

    def start(home: Path, repo: Path) -> Service:
        started.append(Service(home, repo))
        return started[-1]

    yield start
    for service in started:
        service.stop()


def connect(home: Path) -> ServiceClient:
    client = ServiceClient.connect(home)
    assert client is not None, "no service answers"
    return client


def test_the_socket_is_the_owners_only_and_answers_requests_and_clear_errors(
    home: Path, repo: Path, services: Callable[[Path, Path], Service], capsys: pytest.CaptureFixture[str]
) -> None:
    service = services(home, repo)
    wait_until(lambda: main(["watch", "--status"]) == 0, 20, "the repository polled and healthy")
    assert f"  {repo.name}: {repo}: " in capsys.readouterr().out
    path = socket_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    with connect(home) as client:
        assert client.pid == service.process.pid
        (state,) = client.status()
        assert (state.name, state.location) == (repo.name, str(repo))
        client.poke(repo.name)
        with pytest.raises(BatonError, match="no watched repository 'nope'"):
            client.poke("nope")
        with pytest.raises(UsageError, match="unknown request 'frobnicate'"):
            client.request("frobnicate")
        with pytest.raises(UsageError, match="needs 'run_id'"):
            client.request("cancel")
        with pytest.raises(StoreError, match="no run '424242' in the store"):
            client.request("run", run="424242")
    raw = socket.socket(socket.AF_UNIX)
    with socket_address(path) as address:
        raw.connect(address)
    with raw, raw.makefile("rwb") as wire:
        for line, answer in ((b"{nope\n", b"not a JSON line"), (b'{"v": 9, "op": "hello"}\n', b"speaks API version 1")):
            wire.write(line)
            wire.flush()
            assert answer in wire.readline()


def test_a_second_service_on_the_same_home_refuses_and_a_killed_ones_socket_is_replaced(
    home: Path, repo: Path, services: Callable[[Path, Path], Service]
) -> None:
    first = services(home, repo)
    second = subprocess.run(watch_command(repo), capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=60)
    assert second.returncode == 2
    assert f"baton: baton watch is already running for {home} (pid {first.process.pid})" in second.stderr
    first.stop(signal.SIGKILL)
    assert socket_path(home).exists()  # left behind by kill -9
    assert ServiceClient.connect(home) is None
    third = services(home, repo)
    with connect(home) as client:
        assert client.pid == third.process.pid


def test_dispatch_streams_events_and_cancel_stops_the_services_run(
    home: Path, repo: Path, services: Callable[[Path, Path], Service], capsys: pytest.CaptureFixture[str]
) -> None:
    services(home, repo)
    seen: list[dict[str, Any]] = []
    listener = connect(home)
    stream = listener.events()
    thread = threading.Thread(target=lambda: seen.extend(e for e in stream), daemon=True)
    thread.start()
    assert main(["dispatch", repo.name, "quick.yml", "--input", "who=world"]) == 0
    run_id = capsys.readouterr().out.strip().rpartition("run ")[2]
    wait_until(lambda: any(e["type"] == "RunFinished" and e["run_id"] == run_id for e in seen), 30, "the run's end streamed")
    types = [e["type"] for e in seen if e["run_id"] == run_id]
    assert types[0] == "RunStarted" and types[-1] == "RunFinished"
    assert any(line == "hello world" for e in seen if e["type"] == "LogLines" for line in e["lines"])
    assert [e["conclusion"] for e in seen if e["type"] == "RunFinished"] == ["success"]
    listener.close()
    with connect(home) as client:
        detail = client.request("run", run=run_id)
        assert [j["job_key"] for j in detail["jobs"]] == ["greet"]
        step = next(s for s in detail["jobs"][0]["steps"] if s["status"] == "completed" and s["log_path"])
        log = client.request("log", run_id=run_id, job_key="greet", index=step["index"])
        assert "hello world" in log["text"] and log["is_completed"]
        assert [r["id"] for r in client.request("runs", limit=5)] == [run_id]

    assert main(["dispatch", repo.name, "slow.yml"]) == 0
    slow = capsys.readouterr().out.strip().rpartition("run ")[2]
    with Store.open(home) as store:
        wait_until(lambda: recorded(store, slow), 20, "the slow run recorded")
    follow = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "logs", slow, "--follow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
    )
    try:
        assert follow.stdout is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(follow.stdout or ()), daemon=True).start()
        try:
            wait_until(lambda: "started\n" in lines, 20, "the live log followed")
        except AssertionError:
            follow.kill()
            with Store.open(home) as store:
                raise AssertionError(f"{lines} {list_runs(store)} {[ (j.job_key, j.status) for j in jobs_of(store, slow)]}") from None
        assert main(["cancel", slow]) == 0
        assert capsys.readouterr().out.startswith(f"cancelling run {slow}")
        assert follow.wait(20) == 1
        assert follow.stderr is not None and "cancelled" in follow.stderr.read()
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
    with Store.open(home) as store:
        record = get_run(store, slow)
    assert record.conclusion is not None and record.conclusion.value == "cancelled"


def test_without_a_service_dispatch_says_it_needs_it_rerun_waits_for_the_end_and_cancel_signals_a_baton_run(
    home: Path, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dispatch", "app", "quick.yml"]) == 2
    assert "dispatching quick.yml of app needs `baton watch` running" in capsys.readouterr().err
    assert main(["watch", "--status"]) == 2
    assert f"no baton watch is running for {home}" in capsys.readouterr().err
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(
        [sys.executable, "-m", "runner", "run", "workflow_dispatch", "-W", ".github/workflows/slow.yml", "-P", "self-hosted=-self-hosted"],
        cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with Store.open(home) as store:
            # started, not only recorded: a SIGTERM before the run's task exists finds nothing to cancel
            record = wait_until(lambda: next((r for r in list_runs(store, 1) if r.started_at), None), 30, "the baton run started")
        assert main(["rerun", str(record.number), "--failed"]) == 2
        assert f"run #{record.number} has not ended yet: cancel it first" in capsys.readouterr().err
        assert main(["cancel", str(record.number)]) == 0
        assert f"SIGTERM to baton process {run.pid}" in capsys.readouterr().out
        assert run.wait(20) == 130
        with Store.open(home) as store:
            assert get_run(store, record.id).conclusion is not None
            assert get_run(store, record.id).conclusion.value == "cancelled"  # type: ignore[union-attr]
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
