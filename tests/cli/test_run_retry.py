"""Retries of what the infrastructure broke, with real SSH hosts (sshd on loopback) and a
real Docker engine: a host killed mid-job, a job container removed mid-step. The job runs
again as attempt 2 and both attempts stay in the store; a step's own failure is never
retried, and ``[run] retry = 0`` switches retries off."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_run_faults import baton, wait_for_log
from tests.sshd import host_table, kill_server, revive_server, stop_revived, toml_table

BLOCKED_ON_FIRST_ATTEMPT = """
on: push
jobs:
  build:
    runs-on: [self-hosted, pool]
    outputs:
      attempt: ${{{{ steps.say.outputs.attempt }}}}
    steps:
      - id: say
        run: |
          if [ "${{{{ github.run_attempt }}}}" = 1 ]; then echo step-is-running; sleep {marker}; fi
          echo "done on attempt ${{{{ github.run_attempt }}}}"
          echo "attempt=${{{{ github.run_attempt }}}}" >> "$GITHUB_OUTPUT"
"""


def _config(tmp_path: Path, hosts: dict[str, dict[str, object]], run: str = "retry_delay = 0.1\n") -> dict[str, str]:
    """A user baton.toml with SSH ``hosts`` by name and a ``[run]`` table; the env that finds it."""
    config = tmp_path / "config"
    (config / "baton").mkdir(parents=True)
    (config / "baton" / "baton.toml").write_text("".join(toml_table(name, t) for name, t in hosts.items()) + f"[run]\n{run}")
    return {"XDG_CONFIG_HOME": str(config)}


def _rows(home: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "baton.db") as db:
        return list(db.execute(query))


def _running_on(home: Path, proc: subprocess.Popen[str]) -> str:
    """The executor of the job once it runs (``ssh box``)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = [row[0] for row in _rows(home, "SELECT executor FROM jobs WHERE status = 'running'") if row[0]]
        if found:
            return str(found[0])
        time.sleep(0.05)
    raise AssertionError(f"the job did not start: {_rows(home, 'SELECT * FROM jobs')}")


def _finish(proc: subprocess.Popen[str], marker: str) -> tuple[str, str]:
    from tests.plugins.executors.test_ssh import kill_command_line

    try:
        return proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        kill_command_line(f"sleep {marker}")  # what the killed host left: gone with the host in real life


def test_a_host_killed_mid_job_retries_the_job_on_another_host_of_its_labels(
        sshd: Callable[..., Any], git_repo: Callable[..., Any], tmp_path: Path) -> None:
    servers = {"box": sshd(), "other": sshd("127.0.0.2")}
    marker = f"{uuid.uuid4().int % 90_000 + 10_000}"
    root = Path(git_repo({".github/workflows/ci.yml": BLOCKED_ON_FIRST_ATTEMPT.format(marker=marker)}).working_tree_dir)
    env = _config(tmp_path, {name: host_table(server, labels=["pool"]) for name, server in servers.items()})
    home = tmp_path / "home"
    proc = baton(["run", "--format", "json", "--executor", "local"], root, home, env)
    wait_for_log(home, "step-is-running", proc)
    first_host = _running_on(home, proc).removeprefix("ssh ")
    kill_server(servers[first_host])
    out, err = _finish(proc, marker)
    assert proc.returncode == 0, out + err
    second_host = ({"box", "other"} - {first_host}).pop()
    assert f"job build: attempt 1 failed: lost connection to {first_host}" in err
    assert "; retrying in 0.1 s (attempt 2 of 2)" in err
    job = json.loads(out)["jobs"][0]
    assert (job["conclusion"], job["attempt"], job["outputs"]) == ("success", 2, {"attempt": "2"})
    assert job["failed_attempts"][0].startswith(f"lost connection to {first_host}")
    assert "done on attempt 2" in Path(job["steps"][0]["log"]).read_text()
    assert _rows(home, "SELECT attempt, conclusion, executor FROM job_attempts ORDER BY attempt") == [
        (1, "failure", f"ssh {first_host}"), (2, "success", f"ssh {second_host}")]
    assert _rows(home, "SELECT attempt, conclusion, executor FROM jobs") == [(2, "success", f"ssh {second_host}")]
    steps = _rows(home, "SELECT attempt, idx, conclusion, log_path FROM steps ORDER BY attempt, idx")
    assert [row[:3] for row in steps] == [(1, 0, "failure"), (2, 0, "success")]
    first_log = (home / steps[0][3]).read_text()  # attempt 1's log is kept beside attempt 2's
    assert "step-is-running" in first_log and f"lost connection to {first_host}" in first_log


def test_a_host_killed_mid_job_retries_the_job_on_the_same_host_once_it_is_back(
        sshd: Callable[..., Any], git_repo: Callable[..., Any], tmp_path: Path) -> None:
    server = sshd()
    marker = f"{uuid.uuid4().int % 90_000 + 10_000}"
    root = Path(git_repo({".github/workflows/ci.yml": BLOCKED_ON_FIRST_ATTEMPT.format(marker=marker)}).working_tree_dir)
    env = _config(tmp_path, {"box": host_table(server, labels=["pool"])})
    home = tmp_path / "home"
    proc = baton(["run", "--format", "json", "--executor", "local"], root, home, env)
    revived: subprocess.Popen[bytes] | None = None
    try:
        wait_for_log(home, "step-is-running", proc)
        kill_server(server)  # the host dies (the job's connection with it) and comes back
        revived = revive_server(server)
        out, err = _finish(proc, marker)
    finally:
        if revived is not None:
            stop_revived(revived)
    assert proc.returncode == 0, out + err
    job = json.loads(out)["jobs"][0]
    assert (job["conclusion"], job["attempt"], job["outputs"]) == ("success", 2, {"attempt": "2"})
    assert _rows(home, "SELECT attempt, conclusion, executor FROM job_attempts ORDER BY attempt") == [
        (1, "failure", "ssh box"), (2, "success", "ssh box")]


FAILS_ITSELF = """
on: push
jobs:
  build:
    runs-on: [self-hosted, pool]
    steps:
      - run: echo "attempt ${{ github.run_attempt }}"; exit 1
"""


def test_a_step_that_fails_itself_is_not_retried(shared_sshd: Any, git_repo: Callable[..., Any], tmp_path: Path) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": FAILS_ITSELF}).working_tree_dir)
    env = _config(tmp_path, {"box": host_table(shared_sshd, labels=["pool"])}, run="retry = 3\nretry_delay = 0.1\n")
    home = tmp_path / "home"
    out, err = baton(["run", "--format", "json", "--executor", "local"], root, home, env).communicate(timeout=120)
    job = json.loads(out)["jobs"][0]
    assert (job["conclusion"], job["attempt"], job["failed_attempts"]) == ("failure", 1, [])
    assert "retrying" not in err
    assert _rows(home, "SELECT attempt, conclusion FROM job_attempts") == [(1, "failure")]


def test_retry_0_switches_retries_off(sshd: Callable[..., Any], git_repo: Callable[..., Any], tmp_path: Path) -> None:
    servers = {"box": sshd(), "other": sshd("127.0.0.2")}
    marker = f"{uuid.uuid4().int % 90_000 + 10_000}"
    root = Path(git_repo({".github/workflows/ci.yml": BLOCKED_ON_FIRST_ATTEMPT.format(marker=marker)}).working_tree_dir)
    env = _config(tmp_path, {name: host_table(server, labels=["pool"]) for name, server in servers.items()},
                  run="retry = 0\n")
    home = tmp_path / "home"
    proc = baton(["run", "--format", "json", "--executor", "local"], root, home, env)
    wait_for_log(home, "step-is-running", proc)
    first_host = _running_on(home, proc).removeprefix("ssh ")
    kill_server(servers[first_host])
    out, err = _finish(proc, marker)
    assert proc.returncode != 0
    job = json.loads(out)["jobs"][0]
    assert (job["conclusion"], job["attempt"]) == ("failure", 1)
    assert "retrying" not in err
    assert _rows(home, "SELECT attempt, conclusion FROM job_attempts") == [(1, "failure")]


REMOVED_ON_FIRST_ATTEMPT = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          if [ "${{ github.run_attempt }}" = 1 ]; then echo step-is-running; sleep 300; fi
          echo "done on attempt ${{ github.run_attempt }}"
"""


@pytest.mark.docker
def test_a_job_container_removed_mid_step_by_the_engine_is_retried(
        git_repo: Callable[..., Any], tmp_path: Path, shell_image: str, docker_client: Any) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": REMOVED_ON_FIRST_ATTEMPT}).working_tree_dir)
    env = _config(tmp_path, {})
    home = tmp_path / "home"
    proc = baton(["run", "--format", "json", "-P", f"ubuntu-latest={shell_image}", "--executor", "docker"], root, home, env)
    try:
        wait_for_log(home, "step-is-running", proc)
        (run_id,) = [row[0] for row in _rows(home, "SELECT id FROM runs")]
        containers = docker_client.containers.list(filters={"label": f"baton.run={run_id}"})
        assert len(containers) == 1, containers
        subprocess.run(["docker", "rm", "-f", containers[0].id], check=True, capture_output=True)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out + err
    job = json.loads(out)["jobs"][0]
    assert (job["conclusion"], job["attempt"]) == ("success", 2)
    assert f"the job container {containers[0].id[:12]} disappeared" in job["failed_attempts"][0]
    assert "done on attempt 2" in Path(job["steps"][0]["log"]).read_text()
    assert _rows(home, "SELECT attempt, conclusion FROM job_attempts ORDER BY attempt") == [(1, "failure"), (2, "success")]
