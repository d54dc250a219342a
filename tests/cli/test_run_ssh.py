"""``baton run`` with SSH hosts from a user's baton.toml: placement, parity with Docker,
Ctrl-C and secrets. The host is a real sshd on loopback (so this machine's processes
and folders are the host's)."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_run_faults import baton, run_rows, wait_for_log
from tests.plugins.executors.conftest import host_command_lines
from tests.sshd import host_table, toml_table

PARITY = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      word: ${{ steps.w.outputs.word }}
      hash: ${{ steps.w.outputs.hash }}
    steps:
      - uses: actions/checkout@v4
      - id: w
        run: |
          echo "word=$(cat word.txt)" >> "$GITHUB_OUTPUT"
          echo "hash=${{ hashFiles('**/*.txt') }}" >> "$GITHUB_OUTPUT"
          echo "LATER=from-env-file" >> "$GITHUB_ENV"
          echo to-stderr >&2
      - run: echo "later is $LATER"; exit 3
        continue-on-error: true
      - id: shell
        shell: bash
        run: echo "is=$(basename "$SHELL")-${{ runner.os }}" >> "$GITHUB_OUTPUT"; printf 'no newline'
  on-box:
    runs-on: [self-hosted, box]
    needs: build
    steps:
      - run: echo "got ${{ needs.build.outputs.word }} ${{ needs.build.outputs.hash }}"
"""


def write_config(home: Path, table: dict[str, object], **more: dict[str, object]) -> dict[str, str]:
    """A user baton.toml (under XDG_CONFIG_HOME) with host ``box`` (and the hosts of
    ``more``, by name); the env that finds it."""
    config = home / "config"
    (config / "baton").mkdir(parents=True)
    tables = {"box": table, **more}
    (config / "baton" / "baton.toml").write_text("".join(toml_table(name, t) for name, t in tables.items()))
    return {"XDG_CONFIG_HOME": str(config)}


def run_json(args: list[str], root: Path, home: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = baton(["run", "--format", "json", *args], root, home, env)
    out, err = proc.communicate(timeout=180)
    assert "Traceback" not in err, err
    document: dict[str, Any] = json.loads(out)
    return document


def comparable(document: dict[str, Any], workspace_pattern: str) -> list[Any]:
    """Conclusions, outputs and logs, with the workspace path (which differs by executor) left out."""
    found = []
    for job in document["jobs"]:
        logs = [re.sub(workspace_pattern, "WORKSPACE", Path(s["log"]).read_text()) if s["log"] else None
                for s in job["steps"]]
        found.append((job["key"], job["conclusion"], job["outputs"],
                      [(s["outcome"], s["conclusion"], s["outputs"]) for s in job["steps"]], logs))
    return found


def test_runs_on_labels_land_on_the_host_and_ssh_runs_as_docker_does(
        shared_sshd: Any, git_repo: Callable[..., Any], shell_image: str, tmp_path: Path) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": PARITY, "word.txt": "hello\n", "sub/more.txt": "x\n"}).working_tree_dir)
    env = write_config(tmp_path, host_table(shared_sshd, labels=["linux"]))
    over_ssh = run_json(["-P", "ubuntu-latest=ssh://box"], root, tmp_path / "home-ssh", env)
    in_docker = run_json(["-P", f"ubuntu-latest={shell_image}", "-P", "box=-self-hosted"], root, tmp_path / "home-docker", env)
    assert over_ssh["status"] == "success"
    pattern = r"(/[\w.-]+)+/work/\w+/\w+"
    assert comparable(over_ssh, pattern) == comparable(in_docker, pattern)
    build = over_ssh["jobs"][0]
    assert build["outputs"]["word"] == "hello" and len(build["outputs"]["hash"]) == 64
    assert [s["outputs"] for s in build["steps"]][-1] == {"is": "bash-Linux"}
    assert list((shared_sshd.directory / "work").iterdir()) == []


def test_ctrl_c_mid_step_leaves_no_process_folder_or_secret_on_the_host_and_the_key_comes_from_a_secret(
        shared_sshd: Any, git_repo: Callable[..., Any], tmp_path: Path) -> None:
    marker = f"{uuid.uuid4().int % 90_000 + 10_000}"
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    workflow = ("on: push\njobs:\n  sleepy:\n    runs-on: [self-hosted, box]\n    steps:\n"
                "      - env:\n          TOKEN: ${{ secrets.API_TOKEN }}\n"
                f"        run: echo \"step-is-running ${{#TOKEN}}\"; sleep {marker} & sleep {marker}; wait\n")
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    work_root = tmp_path / "work"
    table = host_table(shared_sshd, work_root=str(work_root), identity_secret="BOX_KEY")
    del table["identity"]  # the client key comes from a secret, not a file
    env = write_config(tmp_path, table)
    key = shared_sshd.client_key_path.read_text()
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f'BOX_KEY="{key}"\n')
    home = tmp_path / "home"
    proc = baton(["run", "-s", "API_TOKEN", "--secret-file", str(secrets)], root, home, {**env, "API_TOKEN": secret})
    try:
        wait_for_log(home, f"step-is-running {len(secret)}", proc)
        secrets.unlink()
        hidden = [secret, *(line for line in key.splitlines() if "PRIVATE KEY" not in line)]
        assert [line for line in host_command_lines() if any(text in line for text in hidden)] == []
        assert [path for path in (*work_root.rglob("*"), *home.rglob("*"))
                if path.is_file() and any(text.encode() in path.read_bytes() for text in hidden)] == []
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        while any(f"sleep {marker}" in line for line in host_command_lines()) or list(work_root.iterdir()):
            assert time.monotonic() - started < 10, "the job's processes or folder outlived Ctrl-C by 10 s"
            time.sleep(0.05)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert run_rows(home) == [("completed", "cancelled")]


@pytest.mark.parametrize("what", ["unknown key", "no host matches"])
def test_a_wrong_setting_or_label_is_one_clear_message(what: str, shared_sshd: Any, git_repo: Callable[..., Any],
                                                        tmp_path: Path) -> None:
    workflow = "on: push\njobs:\n  gpu:\n    runs-on: [self-hosted, gpu]\n    steps: [{run: 'true'}]\n"
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    table = host_table(shared_sshd, labels=["linux"], **({"capacty": 2} if what == "unknown key" else {}))
    env = write_config(tmp_path, table)
    proc = baton(["run", "--executor", "local"], root, tmp_path / "home", env)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    if what == "unknown key":
        assert proc.returncode == 2
        assert f"{tmp_path}/config/baton/baton.toml: [executors.ssh.hosts.box]: unknown key 'capacty'" in err
    else:  # skipped, as a job whose labels map to nothing always is, saying why
        assert "no executor for runs-on ['self-hosted', 'gpu']" in out
        assert "no SSH host has all of those labels (hosts: box (box, linux, self-hosted))" in out


GPU = """
on: push
jobs:
  train:
    runs-on: [self-hosted, gpu]
    strategy: {{matrix: {{n: [1, 2]}}}}
    steps:
      - run: while [ ! -e {gate} ]; do sleep 0.05; done
"""


def test_busy_hosts_keep_jobs_queued_saying_why_across_runs_and_jobs_name_their_host(
        sshd: Callable[..., Any], git_repo: Callable[..., Any], tmp_path: Path) -> None:
    first, second = sshd(), sshd("127.0.0.2")
    gate = tmp_path / "gate"
    workflows = {f".github/workflows/{name}.yml": GPU.format(gate=gate) for name in ("one", "two")}
    root = Path(git_repo(workflows).working_tree_dir)
    home = tmp_path / "home"
    env = write_config(tmp_path, host_table(first, labels=["gpu"], capacity=1),
                       **{"gpu-2": host_table(second, labels=["gpu"], capacity=1)})
    proc = baton(["run", "--jobs", "8", "--executor", "local"], root, home, env)  # two runs, one process
    try:
        waiting = "waiting for a slot on box (1/1 busy) or gpu-2 (1/1 busy)"
        deadline = time.monotonic() + 60
        expected = [("queued", waiting)] * 2 + [("running", "")] * 2  # the store (and so the dashboard) says why
        while sorted(job_rows(home)) != expected:
            if not (time.monotonic() < deadline and proc.poll() is None):
                proc.kill()
                raise AssertionError(f"{job_rows(home)}: {proc.communicate()}")
            time.sleep(0.05)
        gate.touch()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out + err
    assert out.count(f"queued: {waiting}") >= 2
    with sqlite3.connect(home / "baton.db") as db:
        executors = [row[0] for row in db.execute("SELECT executor FROM jobs")]
    # the first two ran on one host each; the queued two took whichever slot freed first
    assert len(executors) == 4 and set(executors) == {"ssh box", "ssh gpu-2"}, executors


def job_rows(home: Path, columns: str = "status, reason") -> list[tuple[str, str]]:
    """``columns`` of every job in ``home``'s store."""
    if not (home / "baton.db-wal").exists():  # before WAL, a reader could hold the recorder up
        return []
    with sqlite3.connect(home / "baton.db") as db:
        try:
            return list(db.execute(f"SELECT {columns} FROM jobs"))
        except sqlite3.OperationalError:  # made, not migrated yet
            return []


HOSTS_FAIL = """
on: push
jobs:
  doomed:
    runs-on: [self-hosted, doomed]
    steps:
      - run: echo step-is-running; sleep {marker}
  dead:
    runs-on: [self-hosted, dead]
    steps: [{{run: 'true'}}]
  healthy:
    runs-on: [self-hosted, healthy]
    steps:
      - run: while [ ! -e {gate} ]; do sleep 0.05; done; echo healthy-done
"""


def test_a_lost_or_unreachable_host_fails_its_job_naming_it_and_the_run_goes_on(
        sshd: Callable[..., Any], git_repo: Callable[..., Any], tmp_path: Path) -> None:
    from tests.plugins.executors.test_ssh import kill_command_line
    from tests.sshd import kill_server

    doomed, dead, healthy = sshd(), sshd("127.0.0.2"), sshd("127.0.0.3")
    kill_server(dead)
    marker, gate = f"{uuid.uuid4().int % 90_000 + 10_000}", tmp_path / "gate"
    root = Path(git_repo({".github/workflows/ci.yml": HOSTS_FAIL.format(marker=marker, gate=gate)}).working_tree_dir)
    env = write_config(tmp_path, host_table(doomed), doomed=host_table(doomed), dead=host_table(dead),
                       healthy=host_table(healthy))
    config = Path(env["XDG_CONFIG_HOME"]) / "baton" / "baton.toml"
    config.write_text(config.read_text() + "[run]\nretry = 0\n")  # retries: tests/cli/test_run_retry.py
    home = tmp_path / "home"
    proc = baton(["run", "--format", "json", "--executor", "local", "--jobs", "3"], root, home, env)
    try:
        wait_for_log(home, "step-is-running", proc)
        kill_server(doomed)
        started = time.monotonic()
        while ("completed", "failure") not in job_rows(home, "status, conclusion"):
            assert time.monotonic() - started < 45 and proc.poll() is None, job_rows(home)
            time.sleep(0.05)
        gate.touch()  # the healthy host's job was still running: it goes on to its end
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        kill_command_line(f"sleep {marker}")  # what the dead host left: gone with the host in real life
    assert "Traceback" not in err
    jobs = {job["key"]: job for job in json.loads(out)["jobs"]}
    assert {key: job["conclusion"] for key, job in jobs.items()} == {"doomed": "failure", "dead": "failure", "healthy": "success"}
    assert re.search(r"lost connection to doomed \(127\.0\.0\.1:\d+\)", Path(jobs["doomed"]["steps"][0]["log"]).read_text())
    assert re.search(r"cannot connect to host dead \(127\.0\.0\.2:\d+\): Connection refused", jobs["dead"]["reason"])


def test_kill_9_mid_step_then_gc_stops_the_hosts_orphans_and_removes_the_folder(
        shared_sshd: Any, git_repo: Callable[..., Any], tmp_path: Path) -> None:
    marker = f"{uuid.uuid4().int % 90_000 + 10_000}"
    workflow = ("on: push\njobs:\n  sleepy:\n    runs-on: [self-hosted, box]\n    steps:\n"
                f"      - run: setsid sleep {marker} & echo step-is-running; sleep {marker}\n")
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    work_root = tmp_path / "work"
    env = write_config(tmp_path, host_table(shared_sshd, work_root=str(work_root)))
    home = tmp_path / "home"
    proc = baton(["run"], root, home, env)
    try:
        wait_for_log(home, "step-is-running", proc)
        proc.kill()
        proc.wait(timeout=10)
        assert any(f"sleep {marker}" in line for line in host_command_lines()), "a killed baton cannot stop the host's processes"
        gc = baton(["gc"], root, home, env)
        out, err = gc.communicate(timeout=60)
        assert gc.returncode == 0 and "Traceback" not in err, out + err
        assert re.search(rf"folder {re.escape(str(work_root))}/baton-\S+ on box \(run \w+\)", out), out
        assert not any(f"sleep {marker}" in line for line in host_command_lines())
        assert list(work_root.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        from tests.plugins.executors.test_ssh import kill_command_line
        kill_command_line(f"sleep {marker}")
