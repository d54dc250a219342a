"""``baton.toml``: settings that outlive one command line.

Read from the repository's root, then the user's (``$XDG_CONFIG_HOME/baton/baton.toml``,
default ``~/.config/baton/baton.toml``); the repository's file wins key by key, and
command-line flags win over both. Example::

    [run]
    executor = "auto"        # auto | docker | local | <plugin>
    jobs = 4                 # jobs running at once
    pull = "missing"         # missing | always | never
    retry = 1                # retries of a job the infrastructure broke (0: none)
    retry_delay = 1.0        # seconds before the first retry (then 2, 4 … times as long)

    [labels]                 # runs-on label -> image ("-self-hosted": the host)
    ubuntu-latest = "ubuntu:24.04"
    gpu = "-self-hosted"

    [executors.docker]       # options handed to an executor plugin
    grace_seconds = 10

    [actions]
    source = "https://github.com"    # where owner/repo@ref actions come from (or a folder of repositories)
    node = "/usr/bin/node"           # the node baton provides to JavaScript actions
    not-native = ["actions/cache"]   # run these as the real actions ("all": every one)
    cache-size-limit = "10 GB"       # the repository's cache, least recently used evicted

    [repos.app]              # watched by `baton watch` (see runner.watch.settings)
    path = "/srv/git/app.git"
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.api import Pull
from runner.errors import ConfigError
from runner.expr import Value

_RUN_KEYS: dict[str, type | tuple[type, ...]] = {
    "executor": str, "jobs": int, "pull": str, "retry": int, "retry_delay": (int, float),
}
_PULL = ("missing", "always", "never")
_TABLES = ("run", "labels", "executors", "actions", "notify", "repos")
_ACTION_PATHS = ("source", "node")
_SIZE = r"(?i)\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*"
"""Compiled by ``re`` when a first size is read (and kept in its cache): most runs read none."""
_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The merged settings."""

    executor: str | None = None
    jobs: int | None = None
    pull: Pull | None = None
    retry: int | None = None
    """``[run] retry``: retries of a job the infrastructure broke."""
    retry_delay: float | None = None
    """``[run] retry_delay``: seconds before the first retry."""
    labels: dict[str, str] = field(default_factory=dict)
    """runs-on label → image (or ``-self-hosted``)."""
    executors: dict[str, dict[str, Value]] = field(default_factory=dict)
    """Executor name → its options."""
    actions: dict[str, Value] = field(default_factory=dict)
    """The ``[actions]`` table (checked: ``source`` and ``node`` strings, ``not-native`` a list of
    names, ``cache-size-limit`` a size)."""
    notify: dict[str, dict[str, Value]] = field(default_factory=dict)
    """Notifier name → its ``[notify.<name>]`` table (checked by :mod:`runner.launch.notifications`)."""
    files: tuple[Path, ...] = ()
    """The files read, most specific first."""
    repos: dict[str, dict[str, Value]] = field(default_factory=dict)
    """``[repos.NAME]`` tables, for ``baton watch`` (checked by :mod:`runner.watch.settings`)."""
    repos_files: dict[str, Path] = field(default_factory=dict)
    """The file each ``[repos.NAME]`` came from."""


def user_config_path() -> Path:
    """The user's ``baton.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "baton" / "baton.toml"


def load_config(repository: Path | None) -> Config:
    """The settings of the repository's and the user's ``baton.toml`` (either may be absent)."""
    paths = [p for p in ((repository / "baton.toml") if repository else None, user_config_path()) if p and p.is_file()]
    merged: dict[str, Any] = {"run": {}, "labels": {}, "executors": {}, "actions": {}, "notify": {}, "repos": {}}
    repos_files: dict[str, Path] = {}
    for path in reversed(paths):  # the user's first, so the repository's overrides it
        data = _read(path)
        if repository is not None and path == repository / "baton.toml":
            _check_repository_file(data, path)
        merged["run"].update(_table(data, "run", path))
        merged["labels"].update(_table(data, "labels", path))
        merged["actions"].update(_table(data, "actions", path))
        for group in ("executors", "notify"):
            for name, options in _table(data, group, path).items():
                if not isinstance(options, dict):
                    raise ConfigError(f"[{group}.{name}] must be a table of options", where=str(path))
                merged[group].setdefault(name, {}).update(options)
        for name, settings in _table(data, "repos", path).items():
            if not isinstance(settings, dict):
                raise ConfigError(f"[repos.{name}] must be a table of settings (path = \"...\" or url = \"...\")", where=str(path))
            merged["repos"][name] = settings  # a repository's settings are read whole, from one file
            repos_files[name] = path
    run = merged["run"]
    for key, value in run.items():
        kind = _RUN_KEYS.get(key)
        if kind is None:
            raise ConfigError(f"unknown setting [run] {key} (known: {', '.join(_RUN_KEYS)})", where=_where(paths))
        if not isinstance(value, kind) or isinstance(value, bool):
            noun = kind.__name__ if isinstance(kind, type) else "number"
            raise ConfigError(f"[run] {key} must be a {noun}, not {value!r}", where=_where(paths))
        if key.startswith("retry") and isinstance(value, int | float) and value < 0:
            raise ConfigError(f"[run] {key} must be 0 or more, not {value!r}", where=_where(paths))
    if run.get("pull") is not None and run["pull"] not in _PULL:
        raise ConfigError(f"[run] pull must be one of {', '.join(_PULL)}, not {run['pull']!r}", where=_where(paths))
    for label, image in merged["labels"].items():
        if not isinstance(image, str) or not image:
            raise ConfigError(f"[labels] {label} must be an image name (or \"-self-hosted\")", where=_where(paths))
    _check_actions(merged["actions"], paths)
    pull: Pull | None = run.get("pull")
    return Config(
        executor=run.get("executor"),
        jobs=run.get("jobs"),
        pull=pull,
        retry=run.get("retry"),
        retry_delay=float(run["retry_delay"]) if run.get("retry_delay") is not None else None,
        labels=dict(merged["labels"]),
        executors=merged["executors"],
        actions=merged["actions"],
        notify=merged["notify"],
        files=tuple(paths),
        repos=merged["repos"],
        repos_files=repos_files,
    )


def _check_actions(table: dict[str, Any], paths: list[Path]) -> None:
    for key in _ACTION_PATHS:
        if key in table and (not isinstance(table[key], str) or not table[key]):
            raise ConfigError(f"[actions] {key} must be a URL or a path, not {table[key]!r}", where=_where(paths))
    names = table.get("not-native", [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError("[actions] not-native must be a list of action names (\"actions/cache\", or \"all\")",
                          where=_where(paths))
    if "cache-size-limit" in table:
        table["cache-size-limit"] = parse_size(table["cache-size-limit"], "[actions] cache-size-limit", _where(paths))


def parse_size(value: object, setting: str, where: str) -> int:
    """A size in bytes from ``10 GB``, ``500MB``, ``1.5 GiB`` or a whole number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = re.fullmatch(_SIZE, value) if isinstance(value, str) else None
    if match is None or float(match[1]) <= 0:
        raise ConfigError(f"{setting} must be a size such as \"10 GB\" or \"500 MB\", not {value!r}", where=where)
    unit = (match[2] or "").lower()
    factor = _UNITS[unit[:1]] if "i" not in unit else 1024 ** "bkmgt".index(unit[0])
    return int(float(match[1]) * factor)


_REPOSITORY_EXECUTOR_OPTIONS = frozenset({"grace_seconds", "health_timeout_seconds"})
"""What a repository's baton.toml may set in ``[executors.<name>]``: timings only."""


def _check_repository_file(data: dict[str, Any], path: Path) -> None:
    """Refuse what in a repository's own baton.toml would send its jobs out of a container.

    A checkout's workflows may be anyone's (a pull request), so only the user (their own
    baton.toml, the command line) sends jobs to this machine, to an SSH host or to other
    folders: ``[run] executor`` other than auto/docker, a label mapped to ``-self-hosted``
    or ``NAME://HOST``, and executor options other than timings.
    """
    where, mine = str(path), user_config_path()
    run, labels, executors = (data.get(name, {}) for name in ("run", "labels", "executors"))
    executor = run.get("executor") if isinstance(run, dict) else None
    if executor not in (None, "auto", "docker"):
        raise ConfigError(f"[run] executor = {executor!r} would run jobs outside a container; a repository's "
                          f"baton.toml cannot choose that (set it in {mine}, or pass --executor {executor})", where=where)
    for label, image in labels.items() if isinstance(labels, dict) else ():
        if isinstance(image, str) and (image == "-self-hosted" or "://" in image):
            raise ConfigError(f"[labels] {label} = {image!r} would run jobs outside a container; a repository's "
                              f"baton.toml cannot send them there (set it in {mine}, or pass -P {label}={image})",
                              where=where)
    for name, options in executors.items() if isinstance(executors, dict) else ():
        for key in sorted(set(options) - _REPOSITORY_EXECUTOR_OPTIONS) if isinstance(options, dict) else ():
            raise ConfigError(f"[executors.{name}] {key} may be set only in your own baton.toml ({mine}), "
                              "not in a repository's", where=where)


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # only when a baton.toml exists: 1.4 ms of imports that a run without one saves

    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", where=str(path)) from None


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table", where=str(path))
    unknown = sorted(set(data) - set(_TABLES))
    if unknown:
        raise ConfigError(f"unknown table [{unknown[0]}] (known: {', '.join(_TABLES)})", where=str(path))
    return value


def _where(paths: list[Path]) -> str:
    return " or ".join(str(p) for p in paths) or "baton.toml"
