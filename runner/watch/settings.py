"""What ``baton watch`` watches: ``[repos.NAME]`` tables of ``baton.toml`` and the paths
given on the command line, checked at start (an error names the file, table and key).

::

    [repos.app]
    path = "/srv/git/app.git"       # a bare repository people push to, or a working copy
    # url = "https://example.org/app.git"   # or a remote, fetched into baton's own mirror
    interval = 30                   # seconds between polls (jittered); default 2 for paths, 60 for urls
    secrets_file = "~/.config/baton/app.secrets"   # dotenv, readable by its owner only
    secrets_env = ["DEPLOY_TOKEN"]  # secrets from the service's environment
    vars_file = "~/.config/baton/app.vars"
    vars_env = ["REGION"]
    vars = { STAGE = "prod" }
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runner.config import Config
from runner.errors import ConfigError, UsageError
from runner.expr import Value

PATH_INTERVAL = 2.0
"""Seconds between polls of a repository on this machine."""
URL_INTERVAL = 60.0
"""Seconds between fetches of a remote."""
MIN_INTERVAL = 0.2
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_Fail = Callable[[str | None, str], ConfigError]
"""Makes the error of one key of one ``[repos.NAME]`` table."""
_KEYS = ("path", "url", "interval", "workflows", "secrets_file", "secrets_env", "vars_file", "vars_env", "vars")


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoSettings:
    """One watched repository."""

    name: str
    """Its name: the ``[repos.NAME]`` table, or the folder's name for a command-line path."""
    path: Path | None = None
    url: str | None = None
    interval: float
    """Seconds between polls (each wait is jittered by up to a tenth)."""
    secrets_file: Path | None = None
    secrets_env: tuple[str, ...] = ()
    vars_file: Path | None = None
    vars_env: tuple[str, ...] = ()
    vars: dict[str, Value] = field(default_factory=dict)
    workflows: str = ".github/workflows"
    """The folder of the repository's workflow files (baton's own: ``pipelines``)."""
    source: str = "the command line"
    """Where it was configured (a file, for messages)."""

    @property
    def location(self) -> str:
        """The path or the URL watched."""
        return str(self.path) if self.path is not None else str(self.url)


def watched_repos(config: Config, paths: Sequence[str], interval: float | None) -> tuple[RepoSettings, ...]:
    """The repositories of ``baton.toml`` (in file order), then those of ``paths``;
    ``interval`` (``--interval``) overrides every default and configured interval."""
    if interval is not None and interval < MIN_INTERVAL:
        raise UsageError(f"--interval must be at least {MIN_INTERVAL:g} seconds", where="--interval")
    repos = [_configured(name, table, config.repos_files.get(name), interval) for name, table in config.repos.items()]
    taken = {repo.name for repo in repos}
    known = {repo.path.resolve() for repo in repos if repo.path is not None}
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path in known:
            continue
        known.add(path)
        name = base = path.name.removesuffix(".git") or "repo"
        number = 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
        repos.append(RepoSettings(name=name, path=path, interval=interval or PATH_INTERVAL))
    if not repos:
        raise UsageError("nothing to watch: name a repository (baton watch PATH) or add [repos.NAME] to baton.toml")
    return tuple(repos)


def _configured(name: str, table: Mapping[str, Value], file: Path | None, interval: float | None) -> RepoSettings:
    where = str(file) if file else "baton.toml"

    def fail(key: str | None, message: str) -> ConfigError:
        return ConfigError(f"[repos.{name}]{' ' + key if key else ''}: {message}", where=where)

    if not _NAME.fullmatch(name):
        raise fail(None, "a repository name may hold letters, digits, '.', '_' and '-' only")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise fail(unknown[0], f"unknown setting (known: {', '.join(_KEYS)})")
    path, url = _string(table, "path", fail), _string(table, "url", fail)
    if (path is None) == (url is None):
        raise fail(None, "give exactly one of path = \"/srv/git/app.git\" or url = \"https://…\"")
    if url is not None and not re.match(r"[a-z][a-z0-9+.-]*://|[^/:]+@[^/:]+:", url):
        raise fail("url", f"{url!r} is not a git URL (https://…, ssh://…, file://… or user@host:path)")
    every = table.get("interval")
    if every is not None and (isinstance(every, bool) or not isinstance(every, (int, float)) or every < MIN_INTERVAL):
        raise fail("interval", f"must be a number of seconds, at least {MIN_INTERVAL:g}, not {every!r}")
    default = PATH_INTERVAL if path is not None else URL_INTERVAL
    variables = table.get("vars", {})
    if not isinstance(variables, dict) or not all(isinstance(v, (str, int, float, bool)) for v in variables.values()):
        raise fail("vars", "must be a table of NAME = \"value\"")
    secrets_file, vars_file = _string(table, "secrets_file", fail), _string(table, "vars_file", fail)
    folder = (_string(table, "workflows", fail) or ".github/workflows").strip("/")
    if folder.startswith("..") or "/../" in f"/{folder}/":
        raise fail("workflows", f"must be a folder inside the repository, not {folder!r}")
    return RepoSettings(
        name=name,
        path=Path(path).expanduser() if path is not None else None,
        url=url,
        interval=float(interval if interval is not None else every if every is not None else default),
        secrets_file=Path(secrets_file).expanduser() if secrets_file else None,
        secrets_env=_names(table, "secrets_env", fail),
        vars_file=Path(vars_file).expanduser() if vars_file else None,
        vars_env=_names(table, "vars_env", fail),
        vars={str(k): v for k, v in variables.items()},
        workflows=folder,
        source=where,
    )


def _string(table: Mapping[str, Value], key: str, fail: _Fail) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(key, f"must be a non-empty string, not {value!r}")
    return value


def _names(table: Mapping[str, Value], key: str, fail: _Fail) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v) for v in value):
        raise fail(key, "must be a list of environment variable names, like [\"DEPLOY_TOKEN\"]")
    return tuple(str(v) for v in value)
