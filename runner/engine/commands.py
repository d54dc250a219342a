"""Workflow commands in a step's output: ``::name key=value,key=value::message``.

The rules are those of GitHub's runner: leading whitespace before ``::`` is allowed;
command and property names are case-insensitive; only known command names make a
command (anything else, and anything malformed, is a plain line to log); properties are
split on ``,`` then on the first ``=``, and one without a name or a value is dropped;
property values unescape ``%25 %0D %0A %3A %2C``, the message ``%25 %0D %0A``. The
``##[name props]message`` form that the runner also still reads is not supported.

``CommandProcessor`` walks a step's lines in order, because ``stop-commands`` and
``echo`` change how later lines read, and tells for each line whether it is plain output
to log or a command (with what to log for it, if anything, and what to do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from runner.engine.masking import MASK

KNOWN_COMMANDS = frozenset(
    {
        "add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error", "group",
        "notice", "remove-matcher", "save-state", "set-env", "set-output", "stop-commands",
        "warning",
    }
)  # fmt: skip
"""Every command name GitHub's runner registers; lines naming others are plain output."""

_PROPERTY_ESCAPES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
_PROPERTY_ESCAPE = re.compile("|".join(_PROPERTY_ESCAPES))
_DATA_ESCAPE = re.compile("%25|%0D|%0A")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowCommand:
    """One command line, parsed but not yet interpreted."""

    name: str
    """The command name, lower-cased (``set-output``)."""
    properties: Mapping[str, str] = field(default_factory=dict)
    """Property values, unescaped, by lower-cased name (``endline``, not ``endLine``)."""
    data: str = ""
    """The text after the second ``::``, unescaped."""


def parse_command(line: str, *, extra_names: frozenset[str] = frozenset()) -> WorkflowCommand | None:
    """The command ``line`` carries, or None when it is a plain line.

    ``extra_names`` (lower-cased) are accepted besides ``KNOWN_COMMANDS``: the token that
    resumes commands after ``stop-commands``.
    """
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    head = text[2:end]
    name, space, rest = head.partition(" ")
    name = name.lower()
    if name not in KNOWN_COMMANDS and name not in extra_names:
        return None
    properties: dict[str, str] = {}
    if space:
        for item in rest.strip().split(","):
            key, _, value = item.partition("=")
            if key and value:
                properties[key.lower()] = _PROPERTY_ESCAPE.sub(_unescape, value)
    return WorkflowCommand(name=name, properties=properties, data=_DATA_ESCAPE.sub(_unescape, text[end + 2 :]))


def _unescape(match: re.Match[str]) -> str:
    return _PROPERTY_ESCAPES[match.group()]


# What a command asks of the runner, once interpreted.


@dataclass(frozen=True, slots=True, kw_only=True)
class AddMask:
    """Mask ``value`` in every later log line, and in this line before it is logged."""

    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Start a foldable group of log lines titled ``title``."""

    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EndGroup:
    """End the current group of log lines."""


AnnotationLevel = Literal["error", "warning", "notice"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation:
    """An error, warning or notice: from ``::error`` and friends, or from the runner itself."""

    level: AnnotationLevel
    message: str
    file: str | None = None
    """The file it is about, as the step printed it (a path in the job's filesystem)."""
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_column: int | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Debug:
    """A debug message, shown only when step debug logging is on."""

    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetOutput:
    """The deprecated ``::set-output``: set the step output ``name``."""

    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveState:
    """The deprecated ``::save-state``: pass ``STATE_<name>`` to the action's post step."""

    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetEnv:
    """``::set-env`` (only with ``ACTIONS_ALLOW_UNSECURE_COMMANDS``): set a job env variable."""

    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddPath:
    """``::add-path`` (only with ``ACTIONS_ALLOW_UNSECURE_COMMANDS``): prepend to ``PATH``."""

    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Echo:
    """``::echo::on|off``: whether later command lines are also logged as they are."""

    is_on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StopCommands:
    """Commands are ignored until a line ``::<token>::``."""

    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumeCommands:
    """The token line after ``stop-commands``: commands count again."""

    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddMatcher:
    """Load a problem matcher file (``::add-matcher::path``)."""

    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveMatcher:
    """Drop problem matchers by owner, or those of a file."""

    owner: str | None
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandFailure:
    """A command that could not be carried out; as on GitHub, the step then fails.

    Logged as two errors: ``Unable to process command '<command>' successfully.`` and
    ``message``.
    """

    command: str
    """The line as printed, or just the command name for commands never echoed."""
    message: str


Command = (
    AddMask | Group | EndGroup | Annotation | Debug | SetOutput | SaveState | SetEnv | AddPath
    | Echo | StopCommands | ResumeCommands | AddMatcher | RemoveMatcher | CommandFailure
)  # fmt: skip
"""Everything a line of output can ask of the runner."""


def annotation_of(command: WorkflowCommand) -> Annotation:
    """The annotation an ``error``/``warning``/``notice`` command makes.

    Positions are normalised as GitHub's runner does: ``endLine`` alone stands for
    ``line``, ``endColumn`` alone for ``col``; columns are dropped without a line or
    across several lines; a range that ends before it starts is dropped.
    """
    props = command.properties
    line, end_line = _integer(props.get("line")), _integer(props.get("endline"))
    col, end_col = _integer(props.get("col")), _integer(props.get("endcolumn"))
    if line is None and end_line is not None:
        line = end_line
    if col is None and end_col is not None:
        col = end_col
    if line is None or (end_line is not None and end_line != line):
        col = end_col = None
    if line is not None and end_line is not None and end_line < line:
        line = end_line = None
    if col is not None and end_col is not None and end_col < col:
        col = end_col = None
    level: AnnotationLevel = "error" if command.name == "error" else "warning" if command.name == "warning" else "notice"
    return Annotation(
        level=level,
        message=command.data,
        file=props.get("file") or None,
        line=line,
        end_line=end_line,
        col=col,
        end_column=end_col,
        title=props.get("title") or None,
    )


def _integer(text: str | None) -> int | None:
    return int(text) if text is not None and _INTEGER.fullmatch(text) else None


def is_true(value: str | None) -> bool:
    """Whether a setting reads as true the way the runner reads booleans (``True``, `` true``)."""
    return value is not None and value.strip().lower() == "true"


def unsecure_commands_allowed(env: Mapping[str, str]) -> bool:
    """Whether ``env`` (the step's environment) opts into ``set-env`` and ``add-path``."""
    return is_true(env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS"))


def unsecure_stop_tokens_allowed(env: Mapping[str, str]) -> bool:
    """Whether ``env`` lets ``stop-commands`` take an empty or command-like token."""
    return is_true(env.get("ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS"))


@dataclass(frozen=True, slots=True, kw_only=True)
class LineResult:
    """What a command line of step output amounts to (plain lines are just logged)."""

    log: str | None
    """The text to log for this line, masked first; None when it leaves no line of its own."""
    commands: tuple[Command, ...] = ()
    """What the line asks of the runner, in order."""

    @property
    def masks(self) -> tuple[str, ...]:
        """Values to add to the masker before ``log`` (or anything later) is logged."""
        return tuple(c.value for c in self.commands if isinstance(c, AddMask))


_NEVER_ECHOED = frozenset({"add-mask", "debug", "error", "warning", "notice"})
_DEPRECATED = (
    "The `{0}` command is deprecated and will be disabled soon. Please upgrade to using"
    " Environment Files. For more information see: https://github.blog/changelog/"
    "2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/"
)
_DISABLED = (
    "The `{0}` command is disabled. Please upgrade to using Environment Files or opt into"
    " unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS`"
    " environment variable to `true`. For more information see: https://github.blog/"
    "changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/"
)
_BAD_STOP_TOKEN = (
    "You cannot use an end token that is an empty string, the string 'pause-logging', or"
    " another workflow command. Opt into it by setting the"
    " `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`."
)


class _Refused(Exception):
    """A command the runner declines; its message is the second line of the error."""


class CommandProcessor:
    """Reads one step's output lines in order (stdout and stderr share one processor).

    ``allow_unsecure_commands`` comes from ``unsecure_commands_allowed(step_env)``;
    ``echo`` starts on when step debug logging is on, as on GitHub.
    """

    def __init__(
        self,
        *,
        allow_unsecure_commands: bool = False,
        allow_unsecure_stop_tokens: bool = False,
        echo: bool = False,
        warn_deprecated: bool = True,
    ) -> None:
        self._allow_unsecure = allow_unsecure_commands
        self._allow_stop_tokens = allow_unsecure_stop_tokens
        self._warn_deprecated = warn_deprecated
        self._echo = echo
        self._stop_token: str | None = None

    @property
    def is_echoing(self) -> bool:
        """Whether command lines are currently logged as they are printed."""
        return self._echo

    @property
    def is_stopped(self) -> bool:
        """Whether ``stop-commands`` is in force (every line is plain until its token)."""
        return self._stop_token is not None

    def process(self, line: str) -> str | LineResult:
        """What ``line`` means, given the lines before it.

        A ``str`` is a plain line, to log as it is once masked (that is ``line`` itself, so
        plain output costs next to nothing); a ``LineResult`` is a command line.
        """
        if "::" not in line:
            return line
        if self._stop_token is not None:
            token = self._stop_token
            command = parse_command(line, extra_names=frozenset({token.lower()}))
            if command is not None and token and command.name == token.lower():
                self._stop_token = None
                return LineResult(log=line, commands=(ResumeCommands(token=token),))
            return line
        command = parse_command(line)
        if command is None:
            return line
        if command.name == "stop-commands":
            return self._stop(command, line)
        echoed = self._echo and command.name not in _NEVER_ECHOED
        try:
            commands = self._interpret(command)
        except _Refused as exc:
            shown = command.name if command.name in _NEVER_ECHOED else line
            commands = (CommandFailure(command=shown, message=str(exc)),)
        log = line if echoed else None
        if self._echo and isinstance(commands[0], AddMask):
            log = "::add-mask::" + MASK
        return LineResult(log=log, commands=commands)

    def _stop(self, command: WorkflowCommand, line: str) -> LineResult:
        token = command.data
        is_unsafe = not token or token.lower() == "pause-logging" or token.lower() in KNOWN_COMMANDS
        if is_unsafe and not self._allow_stop_tokens:
            failure = CommandFailure(command=line, message=_BAD_STOP_TOKEN)
            return LineResult(log=line if self._echo else None, commands=(failure,))
        self._stop_token = token
        return LineResult(log=line, commands=(StopCommands(token=token),))

    def _interpret(self, command: WorkflowCommand) -> tuple[Command, ...]:
        name, data = command.name, command.data
        if name in ("error", "warning", "notice"):
            return (annotation_of(command),)
        if name == "add-mask":
            if data.strip():
                return (AddMask(value=data),)
            return (Annotation(level="warning", message="Can't add secret mask for empty string in ##[add-mask] command."),)
        if name == "group":
            return (Group(title=data),)
        if name == "endgroup":
            return (EndGroup(),)
        if name == "debug":
            return (Debug(message=data),)
        if name == "echo":
            setting = data.strip().lower()
            if setting not in ("on", "off"):
                raise _Refused(f"Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '{data}'.")
            self._echo = setting == "on"
            return (Echo(is_on=self._echo),)
        if name == "add-matcher":
            return (AddMatcher(path=data),)
        if name == "remove-matcher":
            return (RemoveMatcher(owner=command.properties.get("owner") or None, path=data),)
        if name in ("set-env", "add-path") and not self._allow_unsecure:
            raise _Refused(_DISABLED.format(name))
        if name == "add-path":
            if not data:
                raise _Refused("Required value 'path' is missing in ##[add-path] command.")
            return (AddPath(path=data),)
        variable = command.properties.get("name")
        if not variable:
            raise _Refused(f"Required field 'name' is missing in ##[{name}] command.")
        if name == "set-env":
            if variable.upper() == "NODE_OPTIONS":
                message = "Can't update NODE_OPTIONS environment variable using ::set-env:: command."
                return (Annotation(level="error", message=message),)
            return (SetEnv(name=variable, value=data),)
        result: SetOutput | SaveState = (
            SetOutput(name=variable, value=data) if name == "set-output" else SaveState(name=variable, value=data)
        )
        if not self._warn_deprecated:
            return (result,)
        return (result, Annotation(level="warning", message=_DEPRECATED.format(name)))
