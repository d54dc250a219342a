"""The swarm executor beyond the contract suite: sidecars by name, secrets kept out of
service specs, placement, cancel, garbage collection after kill -9 (single-node swarm)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.swarm import SwarmExecutor
from plugins.executors.swarm.settings import SwarmSettings
from runner.api import ConfigError, ContainerSpec, ExecutorError, JobSpec
from tests.plugins.executors.conftest import GRACE_SECONDS
from tests.plugins.executors.test_contract import AllRunsBut, Output, run, shell

on_swarm = pytest.mark.usefixtures("swarm")


def make_job(run_id: str, image: str, **fields: Any) -> JobSpec:
    return JobSpec(run_id=run_id, job_key="build", name="build", labels=fields.pop("labels", ("test",)),
                   image=image, repository="octo/project", **fields)


def services_of(client: Any, run_id: str) -> list[Any]:
    return list(client.services.list(filters={"label": f"baton.run={run_id}"}))


def inspect_all(run_id: str) -> str:
    """``docker service inspect`` of every service of the run, as the CLI prints it."""
    names = subprocess.run(["docker", "service", "ls", "-q", "--filter", f"label=baton.run={run_id}"],
                           check=True, capture_output=True, text=True).stdout.split()
    assert names
    return subprocess.run(["docker", "service", "inspect", *names], check=True, capture_output=True,
                          text=True).stdout


@on_swarm
async def test_sidecar_answers_by_name_after_its_health_check_and_keeps_its_secret(
        docker_client: Any, run_id: str, shell_image: str) -> None:
    secret = f"pw-{uuid.uuid4().hex}"
    web = ContainerSpec(
        image=shell_image, env={"PASSWORD": secret},
        command=("sh", "-c", 'mkdir -p /www && echo "len ${#PASSWORD}" > /www/index.html && '
                             "sleep 1 && exec busybox httpd -f -p 8080 -h /www"),
        options="--health-cmd 'busybox wget -q -O- http://127.0.0.1:8080/' --health-interval 1s",
    )
    job = make_job(run_id, shell_image, services={"web": web},
                   container=ContainerSpec(image=shell_image, env={"TOKEN": secret}))
    executor = SwarmExecutor({"grace_seconds": GRACE_SECONDS})
    async with executor.session(job) as session:
        outcome, text = await run(session, 'busybox wget -q -O- http://web:8080/; echo "token ${#TOKEN}"')
        assert (outcome.exit_code, text) == (0, f"len {len(secret)}\ntoken {len(secret)}\n")
        assert len(services_of(docker_client, run_id)) == 2  # listed under baton.run while it runs
        shown = inspect_all(run_id)
        assert secret not in shown
        assert "baton-env" in shown  # the sidecar's variables: a Swarm secret
    assert services_of(docker_client, run_id) == []


@on_swarm
async def test_the_service_is_one_task_with_its_resources_and_labels(docker_client: Any, run_id: str,
                                                                     shell_image: str) -> None:
    job = make_job(run_id, shell_image, labels=("test", "big"),
                   container=ContainerSpec(image=shell_image, options="--cpus 0.5 --memory 64m"))
    executor = SwarmExecutor({"placement": {"big": ["node.role==manager"]}})
    async with executor.session(job) as session:
        outcome, _ = await run(session, "true")
        assert outcome.exit_code == 0
        [service] = services_of(docker_client, run_id)
        spec = service.attrs["Spec"]
        assert spec["Mode"]["ReplicatedJob"]["TotalCompletions"] == 1
        template = spec["TaskTemplate"]
        assert template["RestartPolicy"]["Condition"] == "none"
        assert template["Placement"]["Constraints"] == ["node.role==manager"]
        assert template["Resources"]["Limits"] == {"NanoCPUs": 500_000_000, "MemoryBytes": 64 * 2**20}
        assert spec["Labels"]["baton.run"] == run_id and "baton.owner" in spec["Labels"]


@on_swarm
async def test_a_constraint_no_node_meets_queues_the_job_then_times_out(
        docker_client: Any, run_id: str, shell_image: str, caplog: pytest.LogCaptureFixture) -> None:
    executor = SwarmExecutor({"placement": {"gpu": ["node.labels.gpu==true"]}, "queue_timeout_seconds": 3})
    job = make_job(run_id, shell_image, labels=("gpu",))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="baton.swarm"):
        with pytest.raises(ExecutorError, match=r"job build was not placed on any swarm node within 3 s: "
                                                r"no suitable node \(scheduling constraints"):
            async with executor.session(job):
                pass
    assert time.monotonic() - started < 15
    assert any("job build is queued: no suitable node" in record.getMessage() for record in caplog.records)
    assert services_of(docker_client, run_id) == []


@on_swarm
async def test_cancel_removes_the_service_within_10_seconds(docker_client: Any, run_id: str,
                                                            shell_image: str) -> None:
    executor = SwarmExecutor({"grace_seconds": GRACE_SECONDS})
    output = Output()

    async def job_body() -> None:
        async with executor.session(make_job(run_id, shell_image)) as session:
            await session.execute(shell(session, "echo started; sleep 1000"), output)

    task = asyncio.ensure_future(job_body())
    await output.wait_for("started")
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert services_of(docker_client, run_id) == []
    assert time.monotonic() - started < 10


@on_swarm
async def test_an_option_a_service_cannot_carry_is_refused_by_name(run_id: str, shell_image: str) -> None:
    job = make_job(run_id, shell_image, container=ContainerSpec(image=shell_image, options="--shm-size 1g"))
    with pytest.raises(ExecutorError, match="container option --shm-size of job build is not supported"):
        async with SwarmExecutor({}).session(job):
            pass


@on_swarm
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"container": "--privileged"}, "container: options --privileged gives the job this machine"),
        ({"service": "/etc:/host-etc"}, "services.side: volume '/etc:/host-etc' mounts a folder of this machine"),
    ],
)
async def test_what_would_reach_this_machine_is_refused_as_in_docker(
        docker_client: Any, run_id: str, shell_image: str, fields: dict[str, str], named: str) -> None:
    if "container" in fields:
        job = make_job(run_id, shell_image, container=ContainerSpec(image=shell_image, options=fields["container"]))
    else:
        job = make_job(run_id, shell_image, services={"side": ContainerSpec(image=shell_image, volumes=(fields["service"],))})
    with pytest.raises(ExecutorError, match=re.escape(named)):
        async with SwarmExecutor({}).session(job):
            pass
    assert services_of(docker_client, run_id) == []


_HOLDER = """
import asyncio, sys
from plugins.executors.swarm import SwarmExecutor
from runner.api import JobSpec

async def main() -> None:
    job = JobSpec(run_id=sys.argv[1], job_key="build", name="build", labels=(), image=sys.argv[2])
    async with SwarmExecutor({}).session(job):
        print("ready", flush=True)
        await asyncio.Event().wait()  # until killed

asyncio.run(main())
"""


@on_swarm
async def test_gc_removes_what_a_killed_process_left(docker_client: Any, run_id: str, shell_image: str,
                                                     tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, run_id, shell_image], stdout=subprocess.PIPE,
                              env=env)
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(holder.stdout.readline), 120)
        assert line == b"ready\n"
        executor = SwarmExecutor({})
        assert not [line for line in await executor.collect_garbage(AllRunsBut(run_id)) if run_id in line]  # its owner lives
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        removed = await executor.collect_garbage(AllRunsBut(run_id))
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert any(line.startswith("service baton-") and run_id in line for line in removed)
    deadline = time.monotonic() + 30
    selector = {"label": f"baton.run={run_id}"}
    while (docker_client.containers.list(all=True, filters=selector) or docker_client.volumes.list(filters=selector)):
        assert time.monotonic() < deadline, "the killed job's task container or volumes stayed"
        await asyncio.sleep(0.2)
        await executor.collect_garbage(AllRunsBut(run_id))  # the task's container goes a moment after its service
    assert services_of(docker_client, run_id) == []


@pytest.mark.parametrize(("options", "message"), [
    ({"manager": "here"}, "manager must be an engine address"),
    ({"placement": {"gpu": 3}}, "gpu must list constraints"),
    ({"placement": {"gpu": ["gpu"]}}, "gpu must list constraints"),
    ({"nodes": {"build-2": {}}}, "needs engine ="),
    ({"nodes": {"build-2": {"engine": "ssh://b", "port": 2}}}, "unknown option 'port'"),
    ({"queue_timeout_seconds": "soon"}, "queue_timeout_seconds must be a number"),
    ({"host_dir": "/tmp"}, "unknown option 'host_dir'"),
])
def test_bad_settings_name_the_setting(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SwarmSettings.from_options(options)


def test_labels_become_constraints_in_order_without_repeats() -> None:
    settings = SwarmSettings.from_options({"placement": {"GPU": ["node.labels.gpu==true"],
                                                         "arm": "node.platform.arch==aarch64",
                                                         "big": ["node.labels.gpu==true"]}})
    assert settings.constraints(("ubuntu-latest", "gpu", "ARM", "big")) == [
        "node.labels.gpu==true", "node.platform.arch==aarch64"]


@pytest.mark.parametrize(("parts", "expected"), [
    (("run1", "build"), "baton-run1--build"),
    (("run1", "build.2"), None),
    (("r" * 40, "caller/job", "postgres"), None),
])
def test_service_names_are_unique_dns_labels(parts: tuple[str, ...], expected: str | None) -> None:
    from plugins.executors.swarm.spec import service_name

    name = service_name(*parts)
    if expected is not None:
        assert name == expected
    assert len(name) <= 56 and all(c.isalnum() or c == "-" for c in name) and name[0].isalpha()
    assert service_name(*parts[:-1], parts[-1] + "x") != name


@on_swarm
async def test_a_job_folder_on_another_machine_goes_through_the_engine(
        run_id: str, shell_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a node elsewhere gets: step files, command files, copies and hashFiles all
    through the engine's archive API (here the volumes' folder is seen as not local)."""
    import hashlib

    from plugins.executors.swarm import launch
    from runner.api import Command, RemoteFiles

    monkeypatch.setattr(launch, "local_folder", lambda *_args: None)
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "sub" / "a.txt").write_text("alpha\n")
    async with SwarmExecutor({}).session(make_job(run_id, shell_image)) as session:
        assert session.host_workspace is None and isinstance(session, RemoteFiles)
        await session.upload(tmp_path / "src", session.workspace)
        script, env_file = f"{session.temp}/step.sh", f"{session.temp}/env"
        output = Output()
        outcome = await session.execute(Command(
            argv=(script,), env={"GITHUB_ENV": env_file}, cwd=session.workspace,
            files={script: b"#!/bin/bash\ncat sub/a.txt\necho B=2 >> \"$GITHUB_ENV\"\n", env_file: b"A=1\n"},
            collect=(env_file, f"{session.temp}/none"),
        ), output)
        assert (outcome.exit_code, output.text, outcome.files) == (0, "alpha\n", {env_file: b"A=1\nB=2\n"})
        digests = await asyncio.to_thread(session.hash_files, ["sub"], lambda name: name.endswith(".txt"))
        assert digests == {"sub/a.txt": hashlib.sha256(b"alpha\n").digest()}
        await session.download(f"{session.workspace}/sub", tmp_path / "back")
    assert (tmp_path / "back" / "a.txt").read_text() == "alpha\n"
