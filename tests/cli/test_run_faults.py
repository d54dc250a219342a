"""``baton run`` when things go wrong: killed, interrupted, no engine, secrets in play.

Each test runs the real CLI in a child process against a real git repository and the
real Docker engine, and checks what is left afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SLEEPER = """
on: push
jobs:
  sleepy:
    runs-on: ubuntu-latest
    services:
      side:
        image: {image}
        options: --entrypoint sleep
        command: "300"
    steps:
      - run: echo step-is-running; sleep 300 & wait
"""

SECRETIVE = """
on: push
jobs:
  leak:
    runs-on: ubuntu-latest
    outputs:
      token: ${{{{ steps.s.outputs.token }}}}
    steps:
      - id: s
        env:
          TOKEN: ${{{{ secrets.API_TOKEN }}}}
        run: |
          echo "the token is $TOKEN"
          echo "token=$TOKEN" >> "$GITHUB_OUTPUT"
          echo "## $TOKEN" >> "$GITHUB_STEP_SUMMARY"
          echo step-is-running
          sleep 2
"""


def baton(args: list[str], cwd: Path, home: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "BATON_HOME": str(home), "NO_COLOR": "1", **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "runner.cli", *args], cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for_log(home: Path, text: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for log in home.glob("logs/*/*/*.log"):
            if text in log.read_text(errors="replace"):
                return
        if proc.poll() is not None:
            raise AssertionError(f"baton ended early:\n{proc.stdout.read() if proc.stdout else ''}{proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.05)
    raise AssertionError(f"no log line {text!r} within {timeout} s")


def labelled(client: Any, home: Path) -> list[str]:
    """Docker objects of the runs in ``home``'s store (other tests may run beside this one)."""
    with sqlite3.connect(home / "baton.db") as db:
        run_ids = [row[0] for row in db.execute("SELECT id FROM runs")]
    found: list[str] = []
    for run_id in run_ids:
        selector = {"label": f"baton.run={run_id}"}
        objects = client.containers.list(all=True, filters=selector)
        objects += client.networks.list(filters=selector) + client.volumes.list(filters=selector)
        found += [getattr(o, "name", o.id) for o in objects]
    return found


def run_rows(home: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(home / "baton.db") as db:
        return list(db.execute("SELECT status, conclusion FROM runs"))


@pytest.fixture
def repo(git_repo: Callable[..., Any], shell_image: str) -> Callable[[str], Path]:
    def make(workflow: str) -> Path:
        made = git_repo({".github/workflows/ci.yml": workflow.format(image=shell_image)})
        return Path(made.working_tree_dir)

    return make


QUICK = "on: push\njobs:\n  quick:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"


@pytest.mark.docker
@pytest.mark.parametrize("then", ["gc", "the next run"])
def test_kill_9_then_gc_or_next_run_leaves_nothing_and_reads_interrupted(
    then: str, repo: Callable[[str], Path], tmp_path: Path, shell_image: str, docker_client: Any
) -> None:
    root, home = repo(SLEEPER), tmp_path / "home"
    proc = baton(["run", "-P", f"ubuntu-latest={shell_image}", "--executor", "docker"], root, home)
    try:
        wait_for_log(home, "step-is-running", proc)
        assert labelled(docker_client, home), "the job's containers should exist while it runs"
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    if then == "gc":
        after = baton(["gc"], root, home)
    else:
        (root / ".github" / "workflows" / "ci.yml").write_text(QUICK)
        after = baton(["run", "-P", f"ubuntu-latest={shell_image}", "--executor", "docker"], root, home)
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert "interrupted" in out
    assert labelled(docker_client, home) == []
    assert run_rows(home)[0] == ("completed", "interrupted")
    assert not list(Path(tempfile.gettempdir()).glob(f"baton-source-{proc.pid}-*")), "its snapshot folder is gone too"


HOST_SLEEPER = """
on: push
jobs:
  sleepy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          setsid sleep 300 < /dev/null > /dev/null 2>&1 &
          echo $! > {pids}/escaped
          echo step-is-running
          sleep 300
"""


@pytest.mark.parametrize("then", ["gc", "the next run"])
def test_kill_9_of_a_host_run_then_gc_or_next_run_stops_what_its_job_left_running(
    then: str, git_repo: Callable[..., Any], tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    root = Path(git_repo({".github/workflows/ci.yml": HOST_SLEEPER.format(pids=pids)}).working_tree_dir)
    home = tmp_path / "home"
    proc = baton(["run", "--executor", "local"], root, home)
    try:
        wait_for_log(home, "step-is-running", proc)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    escaped = int((pids / "escaped").read_text())
    try:
        assert _is_running(escaped), "the escaped process outlives the killed baton until collected"
        if then == "gc":
            after = baton(["gc"], root, home)
        else:
            (root / ".github" / "workflows" / "ci.yml").write_text(QUICK)
            after = baton(["run", "--executor", "local"], root, home)
        out, err = after.communicate(timeout=120)
        assert after.returncode == 0, err
        assert f"process {escaped} (run " in out + err
        deadline = time.monotonic() + 10
        while _is_running(escaped):
            assert time.monotonic() < deadline, f"process {escaped} still runs"
            time.sleep(0.05)
        assert run_rows(home)[0] == ("completed", "interrupted")
    finally:
        if _is_running(escaped):
            os.kill(escaped, signal.SIGKILL)


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.docker
def test_sigint_mid_step_cancels_and_cleans_up_quickly(
    repo: Callable[[str], Path], tmp_path: Path, shell_image: str, docker_client: Any
) -> None:
    root, home = repo(SLEEPER), tmp_path / "home"
    proc = baton(["run", "-P", f"ubuntu-latest={shell_image}", "--executor", "docker"], root, home)
    try:
        wait_for_log(home, "step-is-running", proc)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert labelled(docker_client, home) == [], f"left behind after {took:.1f} s"
    assert run_rows(home) == [("completed", "cancelled")]


def test_no_docker_engine_is_one_clear_sentence(repo: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(SLEEPER)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    proc = baton(["run", "--executor", "docker"], root, tmp_path / "home")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Docker engine is not reachable" in lines[0], err


def test_the_watch_service_never_falls_back_to_the_host(repo: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(SLEEPER)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    proc = baton(["watch", str(root), "--interval", "1"], root, tmp_path / "home")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, out + err
    assert "Traceback" not in out + err
    assert "jobs never move to this machine on their own: start dockerd, or choose --executor local" in err, err


@pytest.mark.docker
@pytest.mark.parametrize("given", ["-s NAME (from the environment)", "-s NAME=value"])
def test_secret_never_in_output_logs_store_or_process_list(
    given: str, repo: Callable[[str], Path], tmp_path: Path, shell_image: str, docker_client: Any
) -> None:
    secret = "s3cr3t-value-4242"
    root, home = repo(SECRETIVE), tmp_path / "home"
    flag = "API_TOKEN" if given.endswith("environment)") else f"API_TOKEN={secret}"
    proc = baton(
        ["run", "-P", f"ubuntu-latest={shell_image}", "--executor", "docker", "-s", flag, "--format", "json"],
        root,
        home,
        {"API_TOKEN": secret},
    )
    wait_for_log(home, "step-is-running", proc)
    listing = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True, check=True).stdout
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert secret not in listing
    assert secret not in out and secret not in err
    assert "the token is ***" in err
    document = json.loads(out)
    assert document["jobs"][0]["outputs"] == {"token": ""}, "GitHub drops a job output that holds a secret"
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
