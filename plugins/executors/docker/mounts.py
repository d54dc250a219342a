"""``volumes:`` and ``ports:`` entries (and ``-v`` / ``-p`` options), parsed for the SDK."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from runner.api import ExecutorError

_MODES = frozenset({
    "ro", "rw", "z", "Z", "ro,z", "ro,Z", "rw,z", "rw,Z", "cached", "delegated", "consistent",
})


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumeEntry:
    """One ``source:target[:mode]`` entry."""

    source: str | None
    """A host folder (absolute path), a volume name, or ``None`` for an anonymous volume."""
    target: str
    mode: str = "rw"

    @property
    def is_bind(self) -> bool:
        """Whether ``source`` is a host folder rather than a volume."""
        return self.source is not None and self.source.startswith("/")

    def binding(self, source: str) -> str:
        """The SDK's ``source:target:mode`` string, with ``source`` filled in."""
        return f"{source}:{self.target}:{self.mode}"


def parse_volume(text: str) -> VolumeEntry:
    """Read a ``volumes:`` entry: ``/path`` (anonymous), ``name:/path``, ``/host:/path:ro``."""
    parts = text.split(":")
    if len(parts) >= 2 and parts[-1] in _MODES:
        mode = parts.pop()
    else:
        mode = "rw"
    if len(parts) == 1 and parts[0].startswith("/"):
        return VolumeEntry(source=None, target=parts[0], mode=mode)
    if len(parts) == 2 and parts[0] and parts[1].startswith("/"):
        return VolumeEntry(source=parts[0], target=parts[1], mode=mode)
    raise ExecutorError(f"cannot read volume {text!r}: expected /path, name:/path or /host:/path[:ro]")


def port_bindings(entries: Iterable[str]) -> dict[str, Any]:
    """``ports:`` entries (``80``, ``8080:80``, ``127.0.0.1:8080:80/udp``) as the SDK's ``ports``."""
    bindings: dict[str, list[Any]] = {}
    for text in entries:
        spec, _, protocol = str(text).partition("/")
        parts = spec.split(":")
        if len(parts) > 3 or not parts[-1].isdigit() or protocol not in {"", "tcp", "udp", "sctp"}:
            raise ExecutorError(f"cannot read port {text!r}: expected [[ip:]host:]container[/udp]")
        if not all(part.isdigit() for part in parts[-2:-1] if part):
            raise ExecutorError(f"cannot read port {text!r}: the host port is not a number")
        key = f"{parts[-1]}/{protocol or 'tcp'}"
        host_port: Any
        if len(parts) == 1:
            host_port = None
        elif len(parts) == 2:
            host_port = int(parts[0]) if parts[0] else None
        else:
            host_port = (parts[0], int(parts[1])) if parts[1] else (parts[0],)
        bindings.setdefault(key, []).append(host_port)
    return {key: values[0] if len(values) == 1 else values for key, values in bindings.items()}


def volume_bindings(client: Any, entries: Iterable[str], labels: dict[str, str]) -> list[str]:
    """``volumes:`` entries as SDK bindings, making the volumes they need (blocking).

    An anonymous volume, or a named one that does not exist yet, is created with
    ``labels`` so that the session's cleanup removes it; an existing named volume and
    a host folder are used as they are.
    """
    from plugins.executors.docker.sdk import docker

    bindings: list[str] = []
    for text in entries:
        entry = parse_volume(text)
        if entry.source is None:
            source = str(client.volumes.create(labels=labels).name)
        else:
            source = entry.source
            if not entry.is_bind:
                try:
                    client.volumes.get(source)
                except docker.errors.NotFound:
                    client.volumes.create(name=source, labels=labels)
        bindings.append(entry.binding(source))
    return bindings
