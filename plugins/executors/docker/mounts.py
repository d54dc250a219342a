"""``volumes:`` and ``ports:`` entries (and ``-v`` / ``-p`` options), parsed for the engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from plugins.executors.docker.api import Engine, NotFound, quoted
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
        """The engine's ``source:target:mode`` bind, with ``source`` filled in."""
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


def port_bindings(entries: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """``ports:`` entries (``80``, ``8080:80``, ``127.0.0.1:8080:80/udp``) as the engine's
    ``PortBindings`` (an empty ``HostPort``: any free port)."""
    bindings: dict[str, list[dict[str, str]]] = {}
    for text in entries:
        spec, _, protocol = str(text).partition("/")
        parts = spec.split(":")
        if len(parts) > 3 or not parts[-1].isdigit() or protocol not in {"", "tcp", "udp", "sctp"}:
            raise ExecutorError(f"cannot read port {text!r}: expected [[ip:]host:]container[/udp]")
        if not all(part.isdigit() for part in parts[-2:-1] if part):
            raise ExecutorError(f"cannot read port {text!r}: the host port is not a number")
        key = f"{parts[-1]}/{protocol or 'tcp'}"
        host_ip = parts[0] if len(parts) == 3 else ""
        host_port = parts[-2] if len(parts) >= 2 else ""
        bindings.setdefault(key, []).append({"HostIp": host_ip, "HostPort": host_port})
    return bindings


def volume_bindings(engine: Engine, entries: Iterable[str], labels: dict[str, str]) -> list[str]:
    """``volumes:`` entries as the engine's binds, making the volumes they need (blocking).

    An anonymous volume, or a named one that does not exist yet, is created with
    ``labels`` so that the session's cleanup removes it; an existing named volume and
    a host folder are used as they are.
    """
    bindings: list[str] = []
    for text in entries:
        entry = parse_volume(text)
        if entry.source is None:
            source = str(engine.post("/volumes/create", body={"Labels": labels})["Name"])
        else:
            source = entry.source
            if not entry.is_bind:
                try:
                    engine.get(f"/volumes/{quoted(source)}")
                except NotFound:
                    engine.post("/volumes/create", body={"Name": source, "Labels": labels})
        bindings.append(entry.binding(source))
    return bindings
