"""An executor's settings, read from its options (``[executors.<name>]`` of baton.toml, flags)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from runner.api import ConfigError, Value

_KNOWN = frozenset({"grace_seconds", "host_dir", "health_timeout_seconds", "allow_host_access"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorSettings:
    """The options the host and Docker executors understand."""

    grace_seconds: float = 5.0
    """How long a cancelled process gets between SIGTERM and SIGKILL."""
    host_dir: Path
    """The folder under which each job's ``baton-<run>-<job>-XXXX`` folder is made."""
    health_timeout_seconds: float = 300.0
    """How long a service container may take to become healthy."""
    is_host_access_allowed: bool = False
    """Whether a workflow's containers may bind host folders, run privileged, add
    capabilities or devices, or share the host's namespaces (``allow_host_access``)."""

    @classmethod
    def from_options(cls, executor: str, options: Mapping[str, Value]) -> ExecutorSettings:
        """Validate ``options``; a wrong type or an unknown key is a :class:`ConfigError`."""
        where = f"executors.{executor}"
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            raise ConfigError(
                f"unknown option {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})", where=where
            )
        host_dir = options.get("host_dir")
        if host_dir is not None and not isinstance(host_dir, str):
            raise ConfigError("host_dir must be a folder path", where=where)
        return cls(
            grace_seconds=_seconds(options, "grace_seconds", 5.0, where),
            host_dir=Path(host_dir or tempfile.gettempdir()).expanduser().resolve(),  # binds need it absolute
            health_timeout_seconds=_seconds(options, "health_timeout_seconds", 300.0, where),
            is_host_access_allowed=_flag(options, "allow_host_access", where),
        )


def _flag(options: Mapping[str, Value], key: str, where: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {value!r}", where=where)
    return value


def _seconds(options: Mapping[str, Value], key: str, default: float, where: str) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{key} must be a number of seconds, not {value!r}", where=where)
    return float(value)
