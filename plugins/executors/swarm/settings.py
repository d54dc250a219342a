"""The swarm executor's settings: ``[executors.swarm]`` and its ``placement`` and ``nodes`` tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from plugins.executors.settings import ExecutorSettings
from runner.api import ConfigError, Value

_OWN = frozenset({"manager", "placement", "nodes", "queue_timeout_seconds"})
_SHARED = frozenset({"grace_seconds", "health_timeout_seconds"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SwarmSettings:
    """Where the swarm is and how jobs are placed on it."""

    manager: str | None = None
    """A manager's engine (``unix://…``, ``tcp://…``); None: where ``DOCKER_HOST`` says."""
    placement: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A ``runs-on`` label (lower case) → the placement constraints its jobs get."""
    nodes: dict[str, str] = field(default_factory=dict)
    """A node's hostname → the engine baton reaches it at (for steps of tasks placed there)."""
    queue_timeout_seconds: float = 600.0
    """How long a job may wait for a node that meets its constraints before it fails."""
    shared: ExecutorSettings
    """The settings every executor has (grace period, health-check timeout)."""

    @classmethod
    def from_options(cls, options: Mapping[str, Value]) -> SwarmSettings:
        """Validate ``options``; a wrong type or an unknown key is a :class:`ConfigError`."""
        where = "executors.swarm"
        unknown = sorted(set(options) - _OWN - _SHARED)
        if unknown:
            known = ", ".join(sorted(_OWN | _SHARED))
            raise ConfigError(f"unknown option {unknown[0]!r} (known: {known})", where=where)
        manager = options.get("manager")
        if manager is not None and (not isinstance(manager, str) or "://" not in manager):
            raise ConfigError("manager must be an engine address such as unix:///var/run/docker.sock",
                              where=where)
        shared = ExecutorSettings.from_options("swarm", {k: v for k, v in options.items() if k in _SHARED})
        queue = options.get("queue_timeout_seconds", 600.0)
        if isinstance(queue, bool) or not isinstance(queue, (int, float)) or queue <= 0:
            raise ConfigError(f"queue_timeout_seconds must be a number of seconds, not {queue!r}", where=where)
        return cls(manager=manager, placement=_placement(options.get("placement", {}), f"{where}.placement"),
                   nodes=_nodes(options.get("nodes", {}), f"{where}.nodes"),
                   queue_timeout_seconds=float(queue), shared=shared)

    def constraints(self, labels: tuple[str, ...]) -> list[str]:
        """The placement constraints of a job with these ``runs-on`` labels, in label order."""
        found: list[str] = []
        for label in labels:
            for constraint in self.placement.get(label.lower(), ()):
                if constraint not in found:
                    found.append(constraint)
        return found


def _placement(table: Value, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise ConfigError("must be a table of label = [constraints]", where=where)
    placement: dict[str, tuple[str, ...]] = {}
    for label, constraints in table.items():
        if isinstance(constraints, str):
            constraints = [constraints]
        if not isinstance(constraints, list) or not all(
            isinstance(item, str) and any(op in item for op in ("==", "!=")) for item in constraints
        ):
            raise ConfigError(f"{label} must list constraints such as \"node.labels.gpu==true\"", where=where)
        placement[label.lower()] = tuple(str(item) for item in constraints)
    return placement


def _nodes(table: Value, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError("must be a table of [executors.swarm.nodes.<hostname>] tables", where=where)
    nodes: dict[str, str] = {}
    for name, node in table.items():
        engine = node.get("engine") if isinstance(node, dict) else None
        if not isinstance(engine, str) or "://" not in engine:
            raise ConfigError("needs engine = \"ssh://user@host\" or \"tcp://host:2376\"", where=f"{where}.{name}")
        unknown = sorted(set(node) - {"engine"}) if isinstance(node, dict) else []
        if unknown:
            raise ConfigError(f"unknown option {unknown[0]!r} (known: engine)", where=f"{where}.{name}")
        nodes[name] = engine
    return nodes
