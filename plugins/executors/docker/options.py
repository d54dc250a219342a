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

    def create_arguments(self) -> dict[str, Any]:
        """Keyword arguments for the SDK's ``containers.create`` (``--env`` excepted)."""
        values, lists = self.values, self.lists
        args: dict[str, Any] = {}
        if "--cpus" in values:
            args["nano_cpus"] = int(_number(values["--cpus"], "--cpus") * 1e9)
        for flag, key in (("--memory", "mem_limit"), ("--memory-swap", "memswap_limit"),
                          ("--shm-size", "shm_size"), ("--user", "user"), ("--hostname", "hostname"),
                          ("--workdir", "working_dir"), ("--ipc", "ipc_mode"), ("--pid", "pid_mode"),
                          ("--stop-signal", "stop_signal"), ("--platform", "platform")):
            if flag in values:
                args[key] = values[flag]
        if "--pids-limit" in values:
            args["pids_limit"] = int(_number(values["--pids-limit"], "--pids-limit"))
        if "--entrypoint" in values:
            args["entrypoint"] = [values["--entrypoint"]]  # one word, as docker create takes it
        for flag, key in (("--privileged", "privileged"), ("--init", "init"), ("--read-only", "read_only")):
            if flag in self.switches:
                args[key] = True
        for flag, key in (("--cap-add", "cap_add"), ("--cap-drop", "cap_drop"), ("--dns", "dns"),
                          ("--security-opt", "security_opt"), ("--device", "devices"),
                          ("--group-add", "group_add")):
            if flag in lists:
                args[key] = list(lists[flag])
        if "--ulimit" in lists:
            args["ulimits"] = [_ulimit(item) for item in lists["--ulimit"]]
        if "--add-host" in lists:
            args["extra_hosts"] = dict(_split_pair(i, ":", "--add-host") for i in lists["--add-host"])
        if "--label" in lists:
            args["labels"] = dict(_split_pair(i, "=", "--label") for i in lists["--label"])
        if "--tmpfs" in lists:
            args["tmpfs"] = dict(_split_pair(i, ":", "--tmpfs") for i in lists["--tmpfs"])
        if "--sysctl" in lists:
            args["sysctls"] = dict(_split_pair(i, "=", "--sysctl") for i in lists["--sysctl"])
        healthcheck = self.healthcheck()
        if healthcheck is not None:
            args["healthcheck"] = healthcheck
        return args

    def healthcheck(self) -> dict[str, Any] | None:
        """The ``--health-*`` flags as the SDK's healthcheck, ``NONE`` for ``--no-healthcheck``."""
        if "--no-healthcheck" in self.switches:
            return {"test": ["NONE"]}
        values = self.values
        if not any(flag.startswith("--health-") for flag in values):
            return None
        check: dict[str, Any] = {}
        if "--health-cmd" in values:
            check["test"] = ["CMD-SHELL", values["--health-cmd"]]
        for flag, key in (("--health-interval", "interval"), ("--health-timeout", "timeout"),
                          ("--health-start-period", "start_period")):
            if flag in values:
                check[key] = duration_nanoseconds(values[flag], flag)
        if "--health-retries" in values:
            check["retries"] = int(_number(values["--health-retries"], "--health-retries"))
        return check


def container_arguments(spec: ContainerSpec) -> tuple[ContainerOptions, dict[str, Any]]:
    """``spec``'s options parsed, and the ``docker create`` arguments they give, with the
    spec's own ``entrypoint`` (a one-off container's or a service's) winning over theirs."""
    options = parse_options(spec.options)
    arguments = options.create_arguments()
    if spec.entrypoint is not None:
        arguments["entrypoint"] = [spec.entrypoint]
    return options, arguments


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


def _ulimit(text: str) -> dict[str, Any]:
    name, _, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    try:
        return {"name": name, "soft": int(soft), "hard": int(hard or soft)}
    except ValueError:
        raise ExecutorError(f"--ulimit expects NAME=SOFT[:HARD], not {text!r}") from None
