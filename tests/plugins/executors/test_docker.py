"""What only the Docker executor does: services, options, pull policy, engine loss, garbage."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.docker import DockerExecutor
from plugins.executors.docker.api import Engine
from runner.api import Command, ContainerSpec, ExecutorError, JobSpec, ServiceInfo, owner_token
from plugins.executors.docker.exec import run_exec
from plugins.executors.docker.leftovers import list_leftovers, remove_labelled, remove_leftover
from tests.plugins.executors.test_contract import AllRunsBut, Output, no_process_with, run, sleeper


HTTPD = "mkdir -p /www && echo hello from web > /www/index.html && exec httpd -f -p 8080 -h /www"


@pytest.fixture
def docker_executor(docker_client: Any, host_dir: Path) -> DockerExecutor:
    """The docker executor on the test engine."""
    return DockerExecutor({"grace_seconds": 3, "host_dir": str(host_dir), "health_timeout_seconds": 60})


def make_job(run_id: str, image: str, **fields: Any) -> JobSpec:
    return JobSpec(run_id=run_id, job_key="build", name="build", labels=("test",), image=image, **fields)


def labelled(client: Any, run_id: str) -> list[str]:
    selector = {"label": f"baton.run={run_id}"}
    return [
        *(f"container {c.name}" for c in client.containers.list(all=True, filters=selector)),
        *(f"network {n.name}" for n in client.networks.list(filters=selector)),
        *(f"volume {v.name}" for v in client.volumes.list(filters=selector)),
    ]


async def test_a_service_answers_by_name(docker_executor: DockerExecutor, docker_client: Any, run_id: str,
                                         shell_image: str) -> None:
    web = ContainerSpec(image=shell_image, command=("sh", "-c", HTTPD), volumes=("/cache",), ports=("8080",))
    job = make_job(run_id, shell_image, services={"web": web})
    async with docker_executor.session(job) as session:
        (container,) = docker_client.api.containers(filters={"label": f"baton.run={run_id}", "name": "--web"})
        (network,) = docker_client.api.networks(filters={"label": f"baton.run={run_id}"})
        host_port = container["Ports"][0]["PublicPort"]
        assert session.services == {"web": ServiceInfo(id=container["Id"], network=network["Id"], ports={"8080": str(host_port)})}
        assert len(labelled(docker_client, run_id)) == 4  # job, service, network, anonymous volume
        outcome, text = await run(session, "wget -q -O - http://web:8080/index.html")
        assert (outcome.exit_code, text) == (0, "hello from web\n")
    assert labelled(docker_client, run_id) == []


async def test_a_service_health_check_is_waited_for(docker_executor: DockerExecutor, docker_client: Any, run_id: str,
                                                    shell_image: str) -> None:
    slow = ContainerSpec(
        image=shell_image, command=("sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000"),
        options="--health-cmd 'test -e /tmp/ready' --health-interval 100ms --health-retries 100",
    )
    async with docker_executor.session(make_job(run_id, shell_image, services={"slow": slow})):
        (service,) = docker_client.containers.list(filters={"label": f"baton.run={run_id}", "name": "slow"})
        assert service.attrs["State"]["Health"]["Status"] == "healthy"


async def test_an_unhealthy_service_fails_the_session(docker_executor: DockerExecutor, docker_client: Any,
                                                      run_id: str, shell_image: str) -> None:
    broken = ContainerSpec(image=shell_image, command=("sleep", "1000"),
                           options="--health-cmd 'echo nope; exit 1' --health-interval 100ms --health-retries 2")
    with pytest.raises(ExecutorError, match=r"service db is unhealthy.*nope"):
        async with docker_executor.session(make_job(run_id, shell_image, services={"db": broken})):
            pass
    assert labelled(docker_client, run_id) == []


async def test_container_options(docker_executor: DockerExecutor, run_id: str, shell_image: str) -> None:
    container = ContainerSpec(image=shell_image, env={"FROM_SPEC": "yes"},
                              options="--user 1000 --env A=B -h x --cpus 1 --memory 256m --init")
    async with docker_executor.session(make_job(run_id, shell_image, container=container)) as session:
        script, out = f"{session.temp}/step.sh", f"{session.temp}/out"
        command = Command(argv=("bash", script), env={"OUT": out}, cwd=session.workspace,
                          files={script: b'echo "$(id -u) $A $(hostname) $FROM_SPEC"\ntouch made; echo k=v >> "$OUT"\n',
                                 out: b""}, collect=(out,))
        output = Output()
        outcome = await session.execute(command, output)
        assert output.text == "1000 B x yes\n"
        assert outcome.exit_code == 0 and outcome.files == {out: b"k=v\n"}
        assert session.host_workspace is not None and (session.host_workspace / "made").exists()


async def test_an_unknown_option_is_named(docker_executor: DockerExecutor, run_id: str, shell_image: str) -> None:
    container = ContainerSpec(image=shell_image, options="--cpus 1 --frobnicate 3")
    with pytest.raises(ExecutorError, match="--frobnicate"):
        async with docker_executor.session(make_job(run_id, shell_image, container=container)):
            pass


@pytest.mark.parametrize(("pull", "message"), [
    ("never", r"image baton-test/absent:1 is not present locally and the pull policy is 'never'"),
    ("missing", r"image baton-test/absent:1 is not present locally and could not be pulled"),
])
async def test_a_missing_image_is_named(docker_executor: DockerExecutor, run_id: str, pull: str, message: str,
                                        host_dir: Path) -> None:
    job = make_job(run_id, "baton-test/absent:1", pull=pull)
    with pytest.raises(ExecutorError, match=message):
        async with docker_executor.session(job):
            pass
    assert list(host_dir.iterdir()) == []


async def test_a_vanished_job_container_is_an_executor_error(docker_executor: DockerExecutor, docker_client: Any,
                                                              run_id: str, shell_image: str) -> None:
    async with docker_executor.session(make_job(run_id, shell_image)) as session:
        output = Output()
        step = asyncio.ensure_future(session.execute(
            Command(argv=("sh", "-c", "echo started; sleep 1000"), env={}, cwd=session.workspace), output
        ))
        await output.wait_for("started")
        await asyncio.to_thread(docker_client.containers.get(session.container).remove, force=True)
        with pytest.raises(ExecutorError, match="job container .* disappeared"):
            await step
        with pytest.raises(ExecutorError, match="job container .* disappeared"):
            await run(session, "true")


async def test_build_image_is_removed_at_close(docker_executor: DockerExecutor, docker_client: Any, run_id: str,
                                               shell_image: str, tmp_path: Path) -> None:
    import docker.errors

    (tmp_path / "Dockerfile").write_text(f"FROM {shell_image}\nRUN echo built > /built\n")
    tag = f"baton-test/built:{run_id}"
    async with docker_executor.session(make_job(run_id, shell_image)) as session:
        image_id = await session.build_image(tmp_path, "Dockerfile", tag)
        output = Output()
        outcome = await session.run_container(ContainerSpec(image=tag), Command(
            argv=("cat", "/built"), env={}, cwd=session.workspace), output)
        assert (outcome.exit_code, output.text) == (0, "built\n")
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(image_id)


async def test_collect_garbage_removes_objects_of_inactive_runs(docker_engine: Engine, docker_executor: DockerExecutor, docker_client: Any,
                                                                run_id: str, shell_image: str,
                                                                docker_labels: dict[str, str]) -> None:
    dead = f"{run_id}-dead"
    labels = {"baton.run": dead, "baton.job": "build", **docker_labels}
    container = docker_client.containers.create(shell_image, ["sleep", "1000"], labels=labels)
    network = docker_client.networks.create(f"baton-{dead}", labels=labels)
    volume = docker_client.volumes.create(labels=labels)
    async with docker_executor.session(make_job(run_id, shell_image)) as session:
        removed = await docker_executor.collect_garbage(AllRunsBut(dead))
        # Other processes on this engine sweep too (the dead run is garbage to them as
        # well), so each object was removed by this sweep or, just before, by another.
        assert set(removed) <= {
            f"container {container.name} (run {dead})",
            f"network {network.name} (run {dead})",
            f"volume {volume.name} (run {dead})",
        }
        left = list_leftovers(docker_engine, {"baton.run": dead})
        assert left == []
        outcome, _ = await run(session, "true")  # the active session was left alone
        assert outcome.exit_code == 0


def test_an_object_removed_by_its_own_run_meanwhile_is_not_an_error(docker_engine: Engine, docker_client: Any, run_id: str,
                                                                   shell_image: str,
                                                                   docker_labels: dict[str, str]) -> None:
    dead = f"{run_id}-gone"
    # owned by this live process, so no other process's sweep of the shared engine takes them
    labels = {"baton.run": dead, "baton.job": "build", "baton.owner": owner_token(), **docker_labels}
    container = docker_client.containers.create(shell_image, ["true"], labels=labels)
    network = docker_client.networks.create(f"baton-{dead}", labels=labels)
    listed = [item for item in list_leftovers(docker_engine) if item.labels.get("baton.run") == dead]
    assert sorted(item.kind for item in listed) == ["container", "network"]
    container.remove(force=True)  # the other run is quicker
    network.remove()
    assert [remove_leftover(docker_engine, item) for item in listed] == [False, False]


async def test_check_names_an_unreachable_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    with pytest.raises(ExecutorError) as caught:
        await DockerExecutor({}).check()
    assert str(caught.value) == (
        f"Docker engine is not reachable at unix://{tmp_path}/no.sock: start dockerd or use --executor local"
    )


async def test_cancel_without_a_view_of_the_engine_kills_inside(docker_engine: Engine, docker_client: Any, run_id: str,
                                                                shell_image: str,
                                                                docker_labels: dict[str, str]) -> None:
    container = docker_client.containers.run(
        shell_image, entrypoint=["tail", "-f", "/dev/null"], detach=True,
        labels={"baton.run": run_id, "baton.job": "build", **docker_labels},
    )
    try:
        marker = sleeper()
        output = Output()
        step = asyncio.ensure_future(run_exec(
            docker_engine, container.id, argv=("sh", "-c", f"sleep {marker} & echo started; sleep {marker}"),
            env={}, workdir="/", output=output, grace_seconds=3, stop="inside",
        ))
        await output.wait_for("started")
        step.cancel()
        with pytest.raises(asyncio.CancelledError):
            await step
        await no_process_with(f"sleep {marker}")
        container.reload()
        assert container.status == "running"  # its init was spared
    finally:
        container.remove(force=True)


async def test_running_steps_hold_the_executors_own_threads_not_the_loops(
    docker_executor: DockerExecutor, run_id: str, shell_image: str
) -> None:
    """More steps run at once than the loop's default pool has threads (each holds a thread
    for its stream), and a blocking call of anyone else still gets one at once."""
    default_threads = min(32, (os.cpu_count() or 1) + 4)
    count = default_threads + 2
    async with docker_executor.session(make_job(run_id, shell_image)) as session:
        gate = f"{session.workspace}/gate"
        assert session.host_workspace is not None
        here = session.host_workspace
        steps = [asyncio.ensure_future(run(session, f"touch started-{i}; while [ ! -f {gate} ]; do sleep 0.05; done"))
                 for i in range(count)]
        try:
            async with asyncio.timeout(60):
                while len(list(here.glob("started-*"))) < count:
                    await asyncio.sleep(0.05)
            async with asyncio.timeout(5):
                assert await asyncio.to_thread(lambda: "answered") == "answered"
            (here / "gate").touch()
            outcomes = await asyncio.gather(*steps)
        finally:
            for step in steps:
                step.cancel()
        assert [outcome.exit_code for outcome, _ in outcomes] == [0] * count


def test_a_close_removes_the_job_container_while_it_lists_the_rest_then_its_network(
        docker_engine: Engine,
        docker_client: Any, run_id: str, shell_image: str, docker_labels: dict[str, str]) -> None:
    labels = {"baton.run": run_id, "baton.job": "build", "baton.owner": owner_token(), **docker_labels}
    network = docker_client.networks.create(f"baton-{run_id}-close", labels=labels)
    job = docker_client.containers.create(shell_image, ["sleep", "1000"], labels=labels, network=network.name)
    service = docker_client.containers.create(shell_image, ["sleep", "1000"], labels=labels, network=network.name)
    job.start()
    service.start()
    removed = remove_labelled(docker_engine, labels, first=job.id)
    assert removed == [f"container {job.id}", f"container {service.name}", f"network {network.name}"]
    assert list_leftovers(docker_engine, labels) == []
