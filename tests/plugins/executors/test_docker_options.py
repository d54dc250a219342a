"""Parsing ``container.options``, ``volumes:`` and ``ports:`` for the Engine API (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.executors.docker.host_access import refuse_host_access
from plugins.executors.docker.mounts import VolumeEntry, parse_volume, port_bindings
from plugins.executors.docker.options import container_env, duration_nanoseconds, parse_options
from runner.api import ContainerSpec, ExecutorError


@pytest.mark.parametrize(("options", "config", "host"), [
    ("", {}, {}),
    ("--cpus 1.5", {}, {"NanoCpus": 1_500_000_000}),
    ("--memory 512m", {}, {"Memory": 512 * 1024**2}),
    ("-m=1g", {}, {"Memory": 1024**3}),
    ("--memory 1024 --memory-swap -1", {}, {"Memory": 1024, "MemorySwap": -1}),
    ("--user 1000:1000", {"User": "1000:1000"}, {}),
    ("-u 1000", {"User": "1000"}, {}),
    ("--hostname x", {"Hostname": "x"}, {}),
    ("-h x", {"Hostname": "x"}, {}),
    ("--privileged", {}, {"Privileged": True}),
    ("--privileged=false", {}, {}),
    ("--cap-add NET_ADMIN --cap-add SYS_PTRACE", {}, {"CapAdd": ["NET_ADMIN", "SYS_PTRACE"]}),
    ("-w /src", {"WorkingDir": "/src"}, {}),
    ("--workdir=/src", {"WorkingDir": "/src"}, {}),
    ("--entrypoint /bin/sh", {"Entrypoint": ["/bin/sh"]}, {}),
    ("--init", {}, {"Init": True}),
    ("--shm-size 2g", {}, {"ShmSize": 2 * 1024**3}),
    ("--pids-limit 100 --ipc private --pid host", {}, {"PidsLimit": 100, "IpcMode": "private", "PidMode": "host"}),
    ("--ulimit nofile=1024:2048 --ulimit core=0", {}, {"Ulimits": [
        {"Name": "nofile", "Soft": 1024, "Hard": 2048}, {"Name": "core", "Soft": 0, "Hard": 0}]}),
    ("--add-host db:10.0.0.5", {}, {"ExtraHosts": ["db:10.0.0.5"]}),
    ("--device /dev/fuse --device /dev/sda:/dev/xvda:r", {}, {"Devices": [
        {"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"},
        {"PathOnHost": "/dev/sda", "PathInContainer": "/dev/xvda", "CgroupPermissions": "r"}]}),
    ("--tmpfs /run:size=64m --sysctl net.core.somaxconn=1024", {},
     {"Tmpfs": {"/run": "size=64m"}, "Sysctls": {"net.core.somaxconn": "1024"}}),
    ("--label team=ci -l tier=1", {"Labels": {"team": "ci", "tier": "1"}}, {}),
    ("--stop-signal SIGINT --read-only", {"StopSignal": "SIGINT"}, {"ReadonlyRootfs": True}),
    ("--rm", {}, {}),
    ('--health-cmd "pg_isready -U postgres" --health-interval 10s --health-timeout 5s '
     "--health-retries 5 --health-start-period 1m30s",
     {"Healthcheck": {"Test": ["CMD-SHELL", "pg_isready -U postgres"], "Interval": 10 * 10**9,
                      "Timeout": 5 * 10**9, "Retries": 5, "StartPeriod": 90 * 10**9}}, {}),
    ("--no-healthcheck", {"Healthcheck": {"Test": ["NONE"]}}, {}),
])
def test_create_fields(options: str, config: dict[str, Any], host: dict[str, Any]) -> None:
    fields = parse_options(options).create_fields()
    assert (fields.config, fields.host) == (config, host)


def test_platform_goes_to_the_create_request() -> None:
    assert parse_options("--platform linux/arm64").create_fields().platform == "linux/arm64"


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
    ("--memory lots", "--memory expects a size such as 512m"),
    ("--device a:b:c:d", "--device expects HOST"),
    ("--env 'unterminated", "cannot read container options"),
])
def test_bad_options_are_named(options: str, message: str) -> None:
    with pytest.raises(ExecutorError, match=message):
        parse_options(options).create_fields()


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
        "5432/tcp": [{"HostIp": "", "HostPort": ""}],
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}, {"HostIp": "", "HostPort": "8081"}],
        "90/udp": [{"HostIp": "127.0.0.1", "HostPort": "9090"}],
        "91/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}],
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
