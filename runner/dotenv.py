"""``KEY=value`` files for ``--secret-file``, ``--env-file`` and ``--var-file`` (dotenv syntax)."""

from __future__ import annotations

import re
from pathlib import Path

from runner.errors import UsageError

_LINE = r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$"
"""Compiled by ``re`` when a first file is read (and kept in its cache): most runs read none."""
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def read_dotenv(path: str, *, is_secret: bool = False) -> dict[str, str]:
    """The variables of a dotenv file: ``#`` comments, ``export``, quotes, ``\\n`` escapes.

    An error about a file of secrets never quotes the line at fault."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    values: dict[str, str] = {}
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(_LINE, line)
        if match is None:
            shown = "" if is_secret else f", got {line.strip()[:40]!r}"
            raise UsageError(f"{path}:{number}: expected KEY=VALUE{shown}")
        key, raw = match.groups()
        if raw[:1] in ("'", '"'):
            quote = raw[0]
            while len(raw) < 2 or not raw.endswith(quote):
                # A quoted value that goes on over the next lines.
                if number >= len(lines):
                    raise UsageError(f"{path}:{number}: the quoted value of {key} is never closed")
                raw += "\n" + lines[number]
                number += 1
        values[key] = _unquote(raw)
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), raw[1:-1])
    return raw.split(" #", 1)[0].rstrip()


def parse_assignments(items: list[str], what: str, *, environ: dict[str, str] | None = None) -> dict[str, str]:
    """``NAME=value`` flags; a bare ``NAME`` takes its value from ``environ`` (as act's ``-s``)."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not name:
            raise UsageError(f"{what} '{item}' needs the form NAME=value")
        if not sep:
            if environ is None or name not in environ:
                raise UsageError(f"{what} '{name}' has no value and no environment variable of that name is set")
            value = environ[name]
        values[name] = value
    return values
