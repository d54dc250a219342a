"""How a ``run:`` script is executed: the ``shell:`` keyword or template, resolved to an argv.

GitHub's runner takes the first space-delimited word of ``shell:`` as the command. If
nothing follows it, the word must be a built-in (matched case-insensitively, the command
kept as written):

==========  ==============================================  =========
shell       arguments                                       extension
==========  ==============================================  =========
(none)      ``bash -e {0}``, or ``sh -e {0}`` without bash  ``.sh``
bash        ``--noprofile --norc -e -o pipefail {0}``       ``.sh``
sh          ``-e {0}``                                      ``.sh``
python      ``{0}``                                         ``.py``
pwsh        ``-command ". '{0}'"``                          ``.ps1``
powershell  ``-command ". '{0}'"``                          ``.ps1``
cmd         ``/D /E:ON /V:OFF /S /C "CALL "{0}""``           ``.cmd``
==========  ==============================================  =========

On Windows no shell means ``pwsh``. Anything else is a custom template ``command
[options] {0} [more]``: it must contain ``{0}`` (``shell: node`` and ``shell: perl -w``
are refused, as GitHub refuses them; ``shell: node {0}`` works), ``{{``/``}}`` stand for
braces, and its extension is the built-in one of its command word, if any.

The arguments are split the way GitHub's .NET runner splits them on every platform:
at spaces and tabs, with double quotes grouping (``""`` inside quotes and ``\\"`` give a
literal quote) and single quotes not special at all, so ``sh -c 'a; . {0}'`` does not
work here either. Unlike GitHub, the template is split before the script path goes in,
so a path with spaces stays one argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner.errors import BatonError

_BUILT_IN_ARGUMENTS = {
    "bash": "--noprofile --norc -e -o pipefail {0}",
    "sh": "-e {0}",
    "python": "{0}",
    "pwsh": "-command \". '{0}'\"",
    "powershell": "-command \". '{0}'\"",
    "cmd": '/D /E:ON /V:OFF /S /C "CALL "{0}""',
}
_EXTENSIONS = {"bash": ".sh", "sh": ".sh", "python": ".py", "pwsh": ".ps1", "powershell": ".ps1", "cmd": ".cmd"}
_FORMAT_PART = re.compile(r"\{\{|\}\}|\{0\}|[{}]")
_POWERSHELL_PROLOGUE = "$ErrorActionPreference = 'stop'"
_POWERSHELL_EPILOGUE = r"if ((Test-Path -LiteralPath variable:\LASTEXITCODE)) { exit $LASTEXITCODE }"


class ShellError(BatonError):
    """A step's ``shell:`` names no built-in shell and is no usable template."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShellSpec:
    """How to run a step's script file."""

    argv_template: tuple[str, ...]
    """The command and its arguments; ``{0}`` stands for the script path, ``{{`` and ``}}`` for braces."""
    extension: str
    """The script file's extension (``.sh``), or ``""`` for custom commands GitHub does not know."""
    name: str = ""
    """The command word as GitHub names the shell (``sh`` when none is given); decides script fix-ups."""
    newline: str = "\n"
    """The line end of the script file: ``\\r\\n`` on Windows."""

    def argv(self, script_path: str) -> tuple[str, ...]:
        """The command line that runs the script at ``script_path``."""
        return tuple(_FORMAT_PART.sub(lambda m: _substitute(m.group(), script_path), part) for part in self.argv_template)


def _substitute(part: str, script_path: str) -> str:
    return script_path if part == "{0}" else part[0]


def resolve_shell(shell: str | None, *, has_bash: bool, os: str = "Linux") -> ShellSpec:
    """The way to run a ``run:`` script given its step's (or the defaults') ``shell:``.

    ``has_bash`` says whether ``bash`` is on the job's ``PATH`` (for the default shell);
    ``os`` is ``runner.os`` (``Linux``, ``macOS``, ``Windows``).
    """
    newline = "\r\n" if os == "Windows" else "\n"
    text = (shell or "").strip()
    if not text:
        if os == "Windows":
            return _spec("pwsh", _BUILT_IN_ARGUMENTS["pwsh"], newline=newline)
        # GitHub names this shell "sh" (its extension, its arguments) but runs bash if it can.
        return ShellSpec(argv_template=("bash" if has_bash else "sh", "-e", "{0}"), extension=".sh", name="sh", newline=newline)
    command, _, arguments = text.partition(" ")
    arguments = arguments.lstrip() or _BUILT_IN_ARGUMENTS.get(command.lower(), "")
    if "{0}" not in arguments:
        raise ShellError(
            f"invalid shell {text!r}: use a built-in shell (bash, sh, python, pwsh, powershell, cmd)"
            " or a template that contains '{0}', such as 'node {0}'"
        )
    for match in _FORMAT_PART.finditer(arguments):
        if match.group() in ("{", "}"):
            raise ShellError(f"invalid shell {text!r}: a brace other than '{{0}}' must be doubled ('{{{{' or '}}}}')")
    return _spec(command, arguments, newline=newline)


def _spec(command: str, arguments: str, *, newline: str) -> ShellSpec:
    return ShellSpec(
        argv_template=(command, *split_arguments(arguments)),
        extension=_EXTENSIONS.get(command.lower(), ""),
        name=command,
        newline=newline,
    )


def split_arguments(text: str) -> list[str]:
    """``text`` split into arguments by the rules .NET (and so GitHub's runner) uses."""
    arguments: list[str] = []
    current: list[str] = []
    in_argument = in_quotes = False
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in " \t" and not in_quotes:
            if in_argument:
                arguments.append("".join(current))
                current, in_argument = [], False
            index += 1
            continue
        in_argument = True
        if char == "\\":
            end = index
            while end < length and text[end] == "\\":
                end += 1
            count = end - index
            if end < length and text[end] == '"':
                # Backslashes before a quote escape each other, and an odd one the quote.
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    end += 1
            else:
                current.append("\\" * count)
            index = end
        elif char == '"':
            if in_quotes and index + 1 < length and text[index + 1] == '"':
                current.append('"')
                index += 2
            else:
                in_quotes = not in_quotes
                index += 1
        else:
            current.append(char)
            index += 1
    if in_argument:
        arguments.append("".join(current))
    return arguments


def script_body(run: str, shell: ShellSpec) -> bytes:
    """The content of the script file for ``run``: UTF-8 without a byte order mark.

    The script goes in as written, except that, as on GitHub, PowerShell scripts stop at
    the first error and exit with the last native command's code, ``cmd`` scripts start
    with ``@echo off``, and Windows scripts get ``\\r\\n`` line ends.
    """
    nl = shell.newline
    if shell.name in ("pwsh", "powershell"):
        run = f"{_POWERSHELL_PROLOGUE}{nl}{run}{nl}{_POWERSHELL_EPILOGUE}"
    elif shell.name == "cmd":
        run = f"@echo off{nl}{run}"
    if nl == "\r\n":
        run = run.replace("\r\n", "\n").replace("\n", "\r\n")
    return run.encode("utf-8")
