"""``container.options`` / ``services.*.options``: ``docker create`` flags, parsed and checked.

Only flags that make sense for a job or service container are accepted; any other is
an :class:`ExecutorError` naming it, rather than being silently ignored.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from runner.api import ContainerSpec, ExecutorError

_NONE: Mapping[str, str] = MappingProxyType({})
_ALIASES = {
    "-m": "--memory", "-u": "--user", "-e": "--env", "-h": "--hostname", "-w": "--workdir",
    "-v": "--volume", "-p": "--publish", "-l": "--label",
}
_SWITCHES = frozenset({"--privileged", "--init", "--read-only", "--rm", "--no-healthcheck"})
_SINGLE = frozenset({
    "--cpus", "--memory", "--memory-swap", "--user", "--hostname", "--workdir", "--network",
    "--entrypoint", "--shm-size", "--pids-limit", "--ipc", "--pid", "--stop-signal",
    "--health-cmd", "--health-interval", "--health-timeout", "--health-retries",
    "--health-start-period", "--platform",
})
_REPEATED = frozenset({
    "--env", "--cap-add", "--cap-drop", "--ulimit", "--add-host", "--label", "--volume",
    "--publish", "--dns", "--security-opt", "--tmpfs", "--device", "--group-add", "--sysctl",
})
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SIZE = re.compile(r"(-?\d+(?:\.\d+)?)\s*([bkmgt]?)b?")
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_NANOS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerOptions:
    """The flags of an ``options:`` string, by long name."""

    switches: frozenset[str] = frozenset()
    """Boolean flags given as on (``--privileged``)."""
    values: dict[str, str] = field(default_factory=dict)
    """Single-valued flags, the last one winning (``--user`` → ``1000``)."""
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Repeatable flags, in order (``--env`` → ``("A=B",)``)."""

    def env(self) -> dict[str, str]:
        """The ``--env`` variables (``NAME`` alone means empty, as there is no caller env)."""
        return dict(_split_pair(item, "=", "--env") for item in self.lists.get("--env", ()))

    def create_fields(self) -> CreateFields:
        """The flags (``--env``, ``--network``, ``--volume`` and ``--publish`` excepted) as
        the Engine API's container-create fields."""
        values, lists = self.values, self.lists
        config: dict[str, Any] = {}
        host: dict[str, Any] = {}
        if "--cpus" in values:
            host["NanoCpus"] = int(_number(values["--cpus"], "--cpus") * 1e9)
        for flag, key in (("--memory", "Memory"), ("--memory-swap", "MemorySwap"), ("--shm-size", "ShmSize")):
            if flag in values:
                host[key] = byte_count(values[flag], flag)
        for flag, key in (("--user", "User"), ("--hostname", "Hostname"), ("--workdir", "WorkingDir"),
                          ("--stop-signal", "StopSignal")):
            if flag in values:
                config[key] = values[flag]
        for flag, key in (("--ipc", "IpcMode"), ("--pid", "PidMode")):
            if flag in values:
                host[key] = values[flag]
        if "--pids-limit" in values:
            host["PidsLimit"] = int(_number(values["--pids-limit"], "--pids-limit"))
        if "--entrypoint" in values:
            config["Entrypoint"] = [values["--entrypoint"]]  # one word, as docker create takes it
        for flag, key in (("--privileged", "Privileged"), ("--init", "Init"), ("--read-only", "ReadonlyRootfs")):
            if flag in self.switches:
                host[key] = True
        for flag, key in (("--cap-add", "CapAdd"), ("--cap-drop", "CapDrop"), ("--dns", "Dns"),
                          ("--security-opt", "SecurityOpt"), ("--group-add", "GroupAdd")):
            if flag in lists:
                host[key] = list(lists[flag])
        if "--device" in lists:
            host["Devices"] = [_device(item) for item in lists["--device"]]
        if "--ulimit" in lists:
            host["Ulimits"] = [_ulimit(item) for item in lists["--ulimit"]]
        if "--add-host" in lists:
            host["ExtraHosts"] = [":".join(_split_pair(i, ":", "--add-host")) for i in lists["--add-host"]]
        if "--label" in lists:
            config["Labels"] = dict(_split_pair(i, "=", "--label") for i in lists["--label"])
        if "--tmpfs" in lists:
            host["Tmpfs"] = dict(_split_pair(i, ":", "--tmpfs") for i in lists["--tmpfs"])
        if "--sysctl" in lists:
            host["Sysctls"] = dict(_split_pair(i, "=", "--sysctl") for i in lists["--sysctl"])
        healthcheck = self.healthcheck()
        if healthcheck is not None:
            config["Healthcheck"] = healthcheck
        return CreateFields(config=config, host=host, platform=values.get("--platform"))

    def healthcheck(self) -> dict[str, Any] | None:
        """The ``--health-*`` flags as the engine's ``Healthcheck``, ``NONE`` for ``--no-healthcheck``."""
        if "--no-healthcheck" in self.switches:
            return {"Test": ["NONE"]}
        values = self.values
        if not any(flag.startswith("--health-") for flag in values):
            return None
        check: dict[str, Any] = {}
        if "--health-cmd" in values:
            check["Test"] = ["CMD-SHELL", values["--health-cmd"]]
        for flag, key in (("--health-interval", "Interval"), ("--health-timeout", "Timeout"),
                          ("--health-start-period", "StartPeriod")):
            if flag in values:
                check[key] = duration_nanoseconds(values[flag], flag)
        if "--health-retries" in values:
            check["Retries"] = int(_number(values["--health-retries"], "--health-retries"))
        return check


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateFields:
    """What ``options:`` set in an Engine API container create."""

    config: dict[str, Any] = field(default_factory=dict)
    """Fields of the container's own configuration (``User``, ``Entrypoint``, ``Labels``, …)."""
    host: dict[str, Any] = field(default_factory=dict)
    """Fields of its ``HostConfig`` (``Memory``, ``CapAdd``, ``Ulimits``, …)."""
    platform: str | None = None
    """``--platform``: which variant of a multi-platform image."""


def container_fields(spec: ContainerSpec) -> tuple[ContainerOptions, CreateFields]:
    """``spec``'s options parsed, and the create fields they give, with the spec's own
    ``entrypoint`` (a one-off container's or a service's) winning over theirs."""
    options = parse_options(spec.options)
    fields = options.create_fields()
    if spec.entrypoint is not None:
        fields.config["Entrypoint"] = [spec.entrypoint]
    return options, fields


def container_env(options: ContainerOptions, spec: ContainerSpec, command: Mapping[str, str] = _NONE) -> dict[str, str]:
    """The environment of any container baton creates (job, service, one-off), later
    winning: the ``--env`` of ``options``, the workflow's ``env:`` of the container
    (``spec.env``), then ``command``'s (a one-off container's step)."""
    return {**options.env(), **spec.env, **command}


def parse_options(text: str) -> ContainerOptions:
    """Parse ``docker create`` flags as written in a workflow (shell quoting honoured)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ExecutorError(f"cannot read container options {text!r}: {exc}") from exc
    switches: set[str] = set()
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--"):
            name, separator, value = word.partition("=")
            has_value = bool(separator)
        elif len(word) > 2 and word[:2] in _ALIASES:  # -e A=B written as -eA=B
            name, has_value, value = word[:2], True, word[2:].removeprefix("=")
        else:
            name, has_value, value = word, False, ""
        name = _ALIASES.get(name, name)
        if name in _SWITCHES:
            if not has_value or value.lower() in {"true", "1"}:
                switches.add(name)
            continue
        if name not in _SINGLE and name not in _REPEATED:
            raise ExecutorError(f"unsupported container option {word.split('=', 1)[0]!r} in {text!r}")
        if not has_value:
            if index >= len(words):
                raise ExecutorError(f"container option {name} needs a value")
            value = words[index]
            index += 1
        if name in _SINGLE:
            values[name] = value
        else:
            lists.setdefault(name, []).append(value)
    return ContainerOptions(
        switches=frozenset(switches), values=values, lists={k: tuple(v) for k, v in lists.items()}
    )


def duration_nanoseconds(text: str, flag: str = "duration") -> int:
    """A Go duration (``1m30s``, ``500ms``; a bare number counts as seconds) in nanoseconds."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d*)?", text):
        return int(float(text) * 10**9)
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ExecutorError(f"{flag} expects a duration such as 10s or 1m30s, not {text!r}")
    return int(sum(float(number) * _NANOS[unit] for number, unit in parts))


def _number(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ExecutorError(f"{flag} expects a number, not {text!r}") from None


def _split_pair(text: str, separator: str, flag: str) -> tuple[str, str]:
    key, has_separator, value = text.partition(separator)
    if not key or (not has_separator and flag not in {"--env", "--label", "--tmpfs"}):
        raise ExecutorError(f"{flag} expects NAME{separator}VALUE, not {text!r}")
    return key, value


def byte_count(text: str, flag: str) -> int:
    """A size as ``docker create`` takes it (``512m``, ``1g``, ``1024``; ``-1``: no limit) in bytes."""
    match = _SIZE.fullmatch(text.strip().lower())
    if match is None:
        raise ExecutorError(f"{flag} expects a size such as 512m or 2g, not {text!r}")
    return int(float(match[1]) * _UNITS[match[2][:1]])


def _device(text: str) -> dict[str, str]:
    parts = text.split(":")
    if not parts[0] or len(parts) > 3:
        raise ExecutorError(f"--device expects HOST[:CONTAINER[:PERMISSIONS]], not {text!r}")
    inside = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    return {"PathOnHost": parts[0], "PathInContainer": inside,
            "CgroupPermissions": parts[2] if len(parts) > 2 else "rwm"}


def _ulimit(text: str) -> dict[str, Any]:
    name, _, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    try:
        return {"Name": name, "Soft": int(soft), "Hard": int(hard or soft)}
    except ValueError:
        raise ExecutorError(f"--ulimit expects NAME=SOFT[:HARD], not {text!r}") from None
