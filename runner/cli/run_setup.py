"""Turning ``baton run``'s flags into values: secrets, variables, env, inputs, the event payload."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from runner.dotenv import parse_assignments, read_dotenv
from runner.errors import UsageError
from runner.expr import Value


@dataclass(frozen=True, slots=True, kw_only=True)
class Values:
    """Secrets, variables, env and inputs given on the command line or in files."""

    secrets: dict[str, str]
    vars: dict[str, Value]
    env: dict[str, str]
    inputs: dict[str, str]


def read_values(args: object) -> Values:
    """Collect ``-s``, ``--secret-file``, ``--var``, ``--var-file``, ``--env``, ``--env-file``, ``--input``."""
    environ = dict(os.environ)
    secrets: dict[str, str] = {}
    for path in getattr(args, "secret_file", None) or []:
        secrets.update(read_dotenv(path))
    secrets.update(parse_assignments(getattr(args, "secret", None) or [], "secret", environ=environ))
    variables: dict[str, Value] = {}
    for path in getattr(args, "var_file", None) or []:
        variables.update(read_dotenv(path))
    variables.update(parse_assignments(getattr(args, "var", None) or [], "variable"))
    env: dict[str, str] = {}
    for path in getattr(args, "env_file", None) or []:
        env.update(read_dotenv(path))
    env.update(parse_assignments(getattr(args, "env", None) or [], "env"))
    inputs = parse_assignments(getattr(args, "input", None) or [], "input")
    return Values(secrets=secrets, vars=variables, env=env, inputs=inputs)


def read_event(path: str | None) -> dict[str, Value]:
    """The event payload of ``-e FILE`` (a JSON object), or an empty one."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the event payload: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the event payload must be a JSON object")
    return data


def parse_platforms(items: list[str] | None) -> dict[str, str]:
    """``-P LABEL=IMAGE`` flags as a label map."""
    out: dict[str, str] = {}
    for item in items or []:
        label, sep, image = item.partition("=")
        if not sep or not label or not image:
            raise UsageError(f"-P '{item}' needs the form LABEL=IMAGE (or LABEL=-self-hosted)")
        out[label] = image
    return out
