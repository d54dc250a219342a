"""What a workflow's ``container:`` and ``services:`` may not ask for: a way onto this machine.

A bind mount of a host folder (``volumes: [/:/host]``, ``-v /etc:/etc``), ``--privileged``,
added capabilities, devices, or the host's process, IPC, network or user namespaces give
the job what the container was there to keep from it. A workflow may be anyone's (a pull
request), so baton refuses them with the setting at fault, unless the user allows them
in their own ``baton.toml`` (``[executors.docker] allow_host_access = true``; a
repository's ``baton.toml`` cannot set it).
"""

from __future__ import annotations

from collections.abc import Mapping

from plugins.executors.docker.mounts import parse_volume
from plugins.executors.docker.options import parse_options
from runner.api import ContainerSpec, ExecutorError

_SWITCHES = ("--privileged",)
_LISTS = ("--cap-add", "--device", "--security-opt")
_HOST_NAMESPACES = ("--pid", "--ipc", "--network")

HOW_TO_ALLOW = "allow it with [executors.docker] allow_host_access = true in your own baton.toml"


def refuse_host_access(container: ContainerSpec | None, services: Mapping[str, ContainerSpec]) -> None:
    """Raise :class:`ExecutorError` naming the first setting that reaches this machine."""
    specs = ([("container", container)] if container else []) + [(f"services.{n}", s) for n, s in services.items()]
    for where, spec in specs:
        options = parse_options(spec.options)
        for text in (*spec.volumes, *options.lists.get("--volume", ())):
            if parse_volume(text).is_bind:
                raise _refused(f"{where}: volume '{text}' mounts a folder of this machine")
        for flag in _SWITCHES:
            if flag in options.switches:
                raise _refused(f"{where}: options {flag} gives the job this machine")
        for flag in _LISTS:
            if options.lists.get(flag):
                raise _refused(f"{where}: options {flag} {options.lists[flag][0]} widens what the job may do here")
        for flag in _HOST_NAMESPACES:
            if options.values.get(flag) == "host":
                raise _refused(f"{where}: options {flag}=host shares this machine's namespace with the job")


def _refused(what: str) -> ExecutorError:
    return ExecutorError(f"{what}; baton keeps jobs off this machine ({HOW_TO_ALLOW})")
