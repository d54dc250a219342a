"""Fixtures for the executor tests: each executor with a private folder, unique run ids."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.docker import DockerExecutor
from plugins.executors.local import LocalExecutor
from plugins.executors.ssh import SshExecutor
from plugins.executors.swarm import SwarmExecutor
from runner.api import Executor, JobSpec
from tests.sshd import host_table

GRACE_SECONDS = 3.0
"""A grace period long enough to tell 'stopped at SIGTERM' from 'waited for SIGKILL'."""


@pytest.fixture
def run_id(request: pytest.FixtureRequest) -> Iterator[str]:
    """A run id used by this test only; docker objects labelled with it are removed after."""
    value = f"test-{uuid.uuid4().hex[:12]}"
    yield value
    if "swarm" in request.fixturenames:
        from plugins.executors.swarm.leftovers import sweep

        leftovers = sweep(request.getfixturevalue("docker_engine"), [], {"baton.run": value})
        assert not leftovers, f"the test left swarm objects behind: {leftovers}"
    if "docker_client" in request.fixturenames:
        from plugins.executors.docker.engine import RUN_LABEL
        from plugins.executors.docker.leftovers import remove_labelled

        leftovers = remove_labelled(request.getfixturevalue("docker_engine"), {RUN_LABEL: value})
        assert not leftovers, f"the test left docker objects behind: {leftovers}"


@pytest.fixture(scope="session")
def swarm(docker_client: Any) -> Iterator[None]:
    """The engine as a swarm manager: a single-node swarm made here (and left again at the
    end) unless the engine already is in one, which is then used and kept."""
    state = docker_client.info().get("Swarm") or {}
    made = False
    if state.get("LocalNodeState") != "active":
        subprocess.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"], check=True,
                       capture_output=True)
        made = True
    elif not state.get("ControlAvailable"):
        pytest.fail("the Docker engine is a swarm worker, not a manager: the swarm tests need a manager")
    try:
        yield
    finally:
        if made:
            subprocess.run(["docker", "swarm", "leave", "--force"], check=True, capture_output=True)


@pytest.fixture
def host_dir(tmp_path: Path) -> Path:
    """The folder executors make job folders in, private to the test."""
    path = tmp_path / "jobs"
    path.mkdir()
    return path


@pytest.fixture(params=["local", "docker", "ssh", "swarm"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which executor the contract test runs against."""
    if request.param in ("docker", "swarm"):
        request.getfixturevalue("docker_client")  # skips, or fails under CI, without an engine
    if request.param == "swarm":
        request.getfixturevalue("swarm")
    return str(request.param)


@pytest.fixture
def executor(kind: str, host_dir: Path, request: pytest.FixtureRequest) -> Executor:
    """The executor under test, with a short grace period and a private host folder (on
    the SSH host, which is this machine seen through sshd, its ``work_root``)."""
    if kind == "ssh":
        server = request.getfixturevalue("shared_sshd")
        return SshExecutor({"grace_seconds": GRACE_SECONDS,
                            "hosts": {"box": host_table(server, work_root=str(host_dir), labels=["test"])}})
    if kind == "swarm":
        return SwarmExecutor({"grace_seconds": GRACE_SECONDS, "queue_timeout_seconds": 60})
    options: dict[str, Any] = {"grace_seconds": GRACE_SECONDS, "host_dir": str(host_dir)}
    return LocalExecutor(options) if kind == "local" else DockerExecutor(options)


@pytest.fixture
def job(kind: str, run_id: str, request: pytest.FixtureRequest) -> JobSpec:
    """A plain job for ``executor`` (the test shell image on docker)."""
    image = request.getfixturevalue("shell_image") if kind in ("docker", "swarm") else None
    return JobSpec(run_id=run_id, job_key="build", name="build", labels=("test",), image=image,
                   repository="octo/project")


def host_command_lines() -> list[str]:
    """Every process's command line on this machine (``ps -eo args``, container processes too)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.append(Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return found
