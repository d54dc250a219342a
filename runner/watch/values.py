"""The secrets and variables of a watched repository's runs, read afresh for each start
(an edited file applies to the next run) and never stored or logged.

A secrets file must be readable by its owner only (as ssh insists on for its keys);
any other file is refused with the command that fixes it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from runner.dotenv import read_dotenv
from runner.errors import BatonError, ConfigError
from runner.expr import Value
from runner.watch.settings import RepoSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class RunValues:
    """What the runs of one repository are given."""

    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, Value] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """Warnings for the service's log (a named variable missing from the environment)."""


def read_values(settings: RepoSettings) -> RunValues:
    """Secrets from ``secrets_file`` then ``secrets_env``; variables from ``vars``, then
    ``vars_file``, then ``vars_env``. Raises :class:`ConfigError` naming the repository and
    the file (never a value)."""
    notes: list[str] = []
    secrets: dict[str, str] = {}
    if settings.secrets_file is not None:
        _check_private(settings, settings.secrets_file)
        secrets.update(_read(settings, settings.secrets_file, is_secret=True))
    secrets.update(_from_environment(settings.secrets_env, "secrets_env", notes))
    variables: dict[str, Value] = dict(settings.vars)
    if settings.vars_file is not None:
        variables.update(_read(settings, settings.vars_file, is_secret=False))
    variables.update(_from_environment(settings.vars_env, "vars_env", notes))
    return RunValues(secrets=secrets, vars=variables, notes=tuple(notes))


def _check_private(settings: RepoSettings, path: Path) -> None:
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"[repos.{settings.name}] secrets_file: cannot read {path}: {exc.strerror or exc}", where=settings.source) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or info.st_uid != os.getuid():
        raise ConfigError(
            f"[repos.{settings.name}] secrets_file: {path} may be read by others than its owner "
            f"(mode {stat.filemode(info.st_mode)}); refused: run `chmod 600 {path}`",
            where=settings.source,
        )


def _read(settings: RepoSettings, path: Path, *, is_secret: bool) -> dict[str, str]:
    key = "secrets_file" if is_secret else "vars_file"
    try:
        return read_dotenv(str(path), is_secret=is_secret)
    except BatonError as exc:
        raise ConfigError(f"[repos.{settings.name}] {key}: {exc}", where=settings.source) from None


def _from_environment(names: tuple[str, ...], key: str, notes: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = os.environ.get(name)
        if value is None:
            notes.append(f"{key}: {name} is not set in the service's environment; runs get an empty value")
            continue
        values[name] = value
    return values
