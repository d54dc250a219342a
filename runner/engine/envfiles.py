"""The files a step writes to talk to the runner: GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_PATH.

The rules are those of GitHub's runner, with two tolerances it only has on Windows:

- A line is ``NAME=value`` when its first ``=`` comes before its first ``<<`` (the value
  is everything after that ``=``, more ``=`` included, possibly empty), or
  ``NAME<<DELIMITER`` otherwise: the value is then the lines up to the first line that
  is exactly ``DELIMITER``, joined with ``\\n`` (none at all gives an empty value). So
  ``A<<EOF`` / ``x=1`` / ``EOF`` sets ``A`` to ``x=1`` and leaves ``x`` alone.
- The name is taken as written (case-sensitive, not trimmed) and must not be empty;
  the delimiter is everything after ``<<``, spaces included, and must not be empty.
- Empty lines between entries are skipped; any other line (whitespace-only included)
  is an error, and so is a delimiter that never comes.
- Tolerances: ``\\r\\n`` line ends count as ``\\n`` (GitHub's Linux runner would keep the
  ``\\r`` in the value and miss a ``EOF\\r`` delimiter), and a leading UTF-8 byte order
  mark is ignored (Windows PowerShell 5.1 writes one with ``-Encoding utf8``).

GITHUB_ENV cannot set ``NODE_OPTIONS`` (any case): GitHub refuses it with an error
annotation and applies the file's other variables; ``env_updates`` does the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from runner.errors import BatonError

BLOCKED_ENV_NAMES = frozenset({"NODE_OPTIONS"})
"""Upper-cased names GITHUB_ENV may not set (they would change how the runner's node runs)."""


class EnvFileError(BatonError):
    """An environment file a step wrote cannot be read; as on GitHub, the step fails."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvUpdates:
    """What a GITHUB_ENV file changes once blocked names are taken out."""

    values: dict[str, str]
    """Variables to set for the following steps; a later line wins over an earlier one."""
    refused: tuple[str, ...] = ()
    """One error message per blocked line, to report as error annotations."""


def _lines(text: str) -> list[str]:
    """The lines of ``text`` without their ends; no trailing empty line for a final newline."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_key_values(text: str, *, file: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE file, in order.

    ``file`` names the file in errors (``$GITHUB_ENV``, or a path); errors also give the
    1-based line number.
    """
    lines = _lines(text)
    pairs: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        index += 1
        if line == "":
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line[:equals], line[equals + 1 :]
            if not name:
                raise EnvFileError(f"invalid line {line!r}: the name before '=' is empty", where=f"{file}:{number}")
            pairs.append((name, value))
            continue
        if heredoc < 0:
            raise EnvFileError(
                f"invalid line {line!r}: expected NAME=VALUE or NAME<<DELIMITER", where=f"{file}:{number}"
            )
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        if not name or not delimiter:
            raise EnvFileError(
                f"invalid line {line!r}: the name before '<<' and the delimiter after it must not be empty",
                where=f"{file}:{number}",
            )
        try:
            end = lines.index(delimiter, index)
        except ValueError:
            raise EnvFileError(
                f"the value of {name!r} never ends: no line {delimiter!r} follows", where=f"{file}:{number}"
            ) from None
        pairs.append((name, "\n".join(lines[index:end])))
        index = end + 1
    return pairs


def parse_paths(text: str) -> list[str]:
    """The folders of a GITHUB_PATH file, in file order; blank lines skipped.

    Each one goes to the front of ``PATH`` in turn, so the last line ends up first, and
    a folder added again moves to the front rather than appearing twice.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line for line in text.split("\n") if line and not line.isspace()]


def prepend_paths(current: tuple[str, ...], added: list[str]) -> tuple[str, ...]:
    """The job's added folders (first is searched first) after a step adds ``added``."""
    result = list(current)
    for folder in added:
        if folder in result:
            result.remove(folder)
        result.insert(0, folder)
    return tuple(result)


def env_updates(pairs: list[tuple[str, str]]) -> EnvUpdates:
    """The variables a GITHUB_ENV file sets, and the refusals of blocked names."""
    values: dict[str, str] = {}
    refused: list[str] = []
    for name, value in pairs:
        if name.upper() in BLOCKED_ENV_NAMES:
            refused.append(f"Can't store {name} output parameter using '$GITHUB_ENV' command.")
        else:
            values[name] = value
    return EnvUpdates(values=values, refused=tuple(refused))
