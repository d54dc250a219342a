"""Parsing ``container.options``, ``volumes:`` and ``ports:`` for the Docker SDK (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.executors.docker.host_access import refuse_host_access
from plugins.executors.docker.mounts import VolumeEntry, parse_volume, port_bindings
from plugins.executors.docker.options import container_env, duration_nanoseconds, parse_options
from runner.api import ContainerSpec, ExecutorError


@pytest.mark.parametrize(("options", "expected"), [
    ("", {}),
    ("--cpus 1.5", {"nano_cpus": 1_500_000_000}),
    ("--memory 512m", {"mem_limit": "512m"}),
    ("-m=1g", {"mem_limit": "1g"}),
    ("--user 1000:1000", {"user": "1000:1000"}),
    ("-u 1000", {"user": "1000"}),
    ("--hostname x", {"hostname": "x"}),
    ("-h x", {"hostname": "x"}),
    ("--privileged", {"privileged": True}),
    ("--privileged=false", {}),
    ("--cap-add NET_ADMIN --cap-add SYS_PTRACE", {"cap_add": ["NET_ADMIN", "SYS_PTRACE"]}),
    ("-w /src", {"working_dir": "/src"}),
    ("--workdir=/src", {"working_dir": "/src"}),
    ("--entrypoint /bin/sh", {"entrypoint": ["/bin/sh"]}),
    ("--init", {"init": True}),
    ("--shm-size 2g", {"shm_size": "2g"}),
    ("--ulimit nofile=1024:2048 --ulimit core=0", {"ulimits": [
        {"name": "nofile", "soft": 1024, "hard": 2048}, {"name": "core", "soft": 0, "hard": 0}]}),
    ("--add-host db:10.0.0.5", {"extra_hosts": {"db": "10.0.0.5"}}),
    ("--label team=ci -l tier=1", {"labels": {"team": "ci", "tier": "1"}}),
    ("--rm", {}),
    ('--health-cmd "pg_isready -U postgres" --health-interval 10s --health-timeout 5s '
     "--health-retries 5 --health-start-period 1m30s",
     {"healthcheck": {"test": ["CMD-SHELL", "pg_isready -U postgres"], "interval": 10 * 10**9,
                      "timeout": 5 * 10**9, "retries": 5, "start_period": 90 * 10**9}}),
    ("--no-healthcheck", {"healthcheck": {"test": ["NONE"]}}),
])
def test_create_arguments(options: str, expected: dict[str, Any]) -> None:
    assert parse_options(options).create_arguments() == expected


def test_env_network_volumes_and_ports_are_kept_for_the_session() -> None:
    parsed = parse_options("-e A=B --env C= -eD=E --network host -v /a:/b -p 80:80")
    assert parsed.env() == {"A": "B", "C": "", "D": "E"}
    assert parsed.values["--network"] == "host"
    assert parsed.lists["--volume"] == ("/a:/b",) and parsed.lists["--publish"] == ("80:80",)


@pytest.mark.parametrize(("options", "message"), [
    ("--frobnicate 3", "unsupported container option '--frobnicate'"),
    ("--cpus 1 -x", "unsupported container option '-x'"),
    ("--user", "--user needs a value"),
    ("--cpus many", "--cpus expects a number"),
    ("--health-interval soon", "--health-interval expects a duration"),
    ("--ulimit nofile", "--ulimit expects NAME=SOFT"),
    ("--env 'unterminated", "cannot read container options"),
])
def test_bad_options_are_named(options: str, message: str) -> None:
    with pytest.raises(ExecutorError, match=message):
        parse_options(options).create_arguments()


@pytest.mark.parametrize(("text", "nanoseconds"), [
    ("10s", 10 * 10**9), ("500ms", 500 * 10**6), ("1m30s", 90 * 10**9), ("1.5h", 5400 * 10**9), ("3", 3 * 10**9),
])
def test_durations(text: str, nanoseconds: int) -> None:
    assert duration_nanoseconds(text) == nanoseconds


@pytest.mark.parametrize(("text", "entry"), [
    ("/data", VolumeEntry(source=None, target="/data")),
    ("cache:/root/.cache", VolumeEntry(source="cache", target="/root/.cache")),
    ("/srv/in:/in:ro", VolumeEntry(source="/srv/in", target="/in", mode="ro")),
])
def test_volumes(text: str, entry: VolumeEntry) -> None:
    assert parse_volume(text) == entry


@pytest.mark.parametrize("text", ["relative", "a:b", "/a:/b:/c:/d", ""])
def test_bad_volumes(text: str) -> None:
    with pytest.raises(ExecutorError, match="cannot read volume"):
        parse_volume(text)


def test_ports() -> None:
    assert port_bindings(["5432", "8080:80", "127.0.0.1:9090:90/udp", "127.0.0.1::91", "8081:80"]) == {
        "5432/tcp": None, "80/tcp": [8080, 8081], "90/udp": ("127.0.0.1", 9090), "91/tcp": ("127.0.0.1",),
    }


@pytest.mark.parametrize("text", ["http", "a:80", "80/ftp", "1:2:3:4"])
def test_bad_ports(text: str) -> None:
    with pytest.raises(ExecutorError, match="cannot read port"):
        port_bindings([text])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ContainerSpec(image="i", volumes=("/etc:/etc",)), "container: volume '/etc:/etc' mounts a folder of this machine"),
        (ContainerSpec(image="i", options="-v /:/host:ro"), "container: volume '/:/host:ro' mounts a folder"),
        (ContainerSpec(image="i", options="--privileged"), "container: options --privileged gives the job this machine"),
        (ContainerSpec(image="i", options="--cap-add SYS_ADMIN"), "options --cap-add SYS_ADMIN widens"),
        (ContainerSpec(image="i", options="--device /dev/sda"), "options --device /dev/sda widens"),
        (ContainerSpec(image="i", options="--pid host"), "options --pid=host shares this machine's namespace"),
        (ContainerSpec(image="i", options="--network=host"), "options --network=host shares"),
    ],
)
def test_a_workflow_container_cannot_reach_this_machine(spec: ContainerSpec, message: str) -> None:
    with pytest.raises(ExecutorError) as caught:
        refuse_host_access(spec, {})
    assert message in str(caught.value) and "allow_host_access = true" in str(caught.value)
    with pytest.raises(ExecutorError, match="services.db: "):
        refuse_host_access(None, {"db": spec})


def test_volumes_and_options_that_stay_in_docker_are_fine() -> None:
    spec = ContainerSpec(image="i", volumes=("named:/data", "/anonymous"), options="--cpus 1 -e A=B")
    assert refuse_host_access(spec, {"db": spec}) is None  # no ExecutorError for the job container nor a service


def test_every_container_s_environment_has_one_precedence() -> None:
    spec = ContainerSpec(image="i", env={"A": "env", "B": "env"}, options="-e A=options -e C=options -e D=options")
    options = parse_options(spec.options)
    assert container_env(options, spec) == {"A": "env", "B": "env", "C": "options", "D": "options"}  # a service
    assert container_env(options, spec, {"B": "step", "D": "step", "E": "step"}) == {
        "A": "env", "B": "step", "C": "options", "D": "step", "E": "step",
    }  # a one-off container: the step's own variables last
