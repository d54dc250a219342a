"""A step's raw output → masked log lines, workflow commands and annotations.

Chunks arrive as the executor reads them; each chunk becomes at most one
:class:`~runner.events.LogLines` event. Lines without ``::`` skip command parsing, so
a step printing 200,000 lines costs a split and a mask per chunk, not per line.
"""

from __future__ import annotations

from typing import assert_never

from runner.engine.commands import (
    AddMask,
    AddMatcher,
    AddPath,
    Annotation,
    Command,
    CommandFailure,
    CommandProcessor,
    Debug,
    Echo,
    EndGroup,
    Group,
    RemoveMatcher,
    ResumeCommands,
    SaveState,
    SetEnv,
    SetOutput,
    StopCommands,
    is_true,
    unsecure_commands_allowed,
    unsecure_stop_tokens_allowed,
)
from runner.engine.job_state import JobScope
from runner.events import Annotation as AnnotationEvent
from runner.events import LogLines
from runner.status import RunId


class LogStream:
    """Feeds one step's output through commands and masking into events."""

    def __init__(self, scope: JobScope, index: int, env: dict[str, str]) -> None:
        self.scope = scope
        self.index = index
        self.is_debug = step_debug(scope)
        """Whether ``::debug::`` lines are shown (``ACTIONS_STEP_DEBUG``, as on GitHub)."""
        self.processor = CommandProcessor(
            allow_unsecure_commands=unsecure_commands_allowed(env),
            allow_unsecure_stop_tokens=unsecure_stop_tokens_allowed(env),
            echo=self.is_debug,
        )
        self.partial = b""
        self.outputs: dict[str, str] = {}
        """``::set-output`` values."""
        self.env: dict[str, str] = {}
        """``::set-env`` values (when allowed)."""
        self.path: list[str] = []
        """``::add-path`` folders (when allowed)."""
        self.has_failed = False
        """Whether a command could not be carried out: the step then fails, as on GitHub."""

    def feed(self, chunk: bytes) -> None:
        """Take a chunk of output; complete lines are published now."""
        data = self.partial + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self.partial = data
            return
        self.partial = data[cut + 1 :]
        self._lines(data[:cut].decode("utf-8", "replace").split("\n"))

    def close(self) -> None:
        """Publish a last line that had no newline."""
        if self.partial:
            rest, self.partial = self.partial, b""
            self._lines([rest.decode("utf-8", "replace")])

    def _lines(self, lines: list[str]) -> None:
        out: list[str] = []
        for raw in lines:
            line = raw[:-1] if raw.endswith("\r") else raw
            if "::" not in line:
                out.append(line)
                continue
            result = self.processor.process(line)
            if isinstance(result, str):
                out.append(result)
                continue
            for mask in result.masks:
                self.scope.masker.add(mask)
            if result.log is not None:
                out.append(result.log)
            for command in result.commands:
                shown = self._apply(command)
                if shown is not None:
                    out.append(shown)
        if out:
            scope = self.scope
            masked = tuple(scope.masker.mask_lines(out))
            scope.bus.publish(LogLines(run_id=RunId(scope.request.run_id), job_key=scope.leg.key, index=self.index, lines=masked))

    def _apply(self, command: Command) -> str | None:
        """Carry out one command; returns the log line it leaves, if any."""
        match command:
            case SetOutput():
                self.outputs[command.name] = command.value
            case SetEnv():
                self.env[command.name] = command.value
            case AddPath():
                self.path.append(command.path)
            case Group():
                return f"##[group]{command.title}"
            case EndGroup():
                return "##[endgroup]"
            case Annotation():
                return self._annotate(command)
            case CommandFailure():
                self.has_failed = True
                return f"##[error]Unable to process command '{command.command}' successfully.\n##[error]{command.message}"
            case Debug():
                return f"##[debug]{command.message}" if self.is_debug else None
            case AddMatcher():
                return f"baton does not apply problem matchers: '{command.path}' is not loaded"
            case AddMask() | Echo() | StopCommands() | ResumeCommands():
                pass  # the processor has carried them out (masks, echo, stop tokens)
            case SaveState():
                pass  # for an action's post step; baton runs no post steps, as GITHUB_STATE shows
            case RemoveMatcher():
                pass  # no matcher was loaded (see AddMatcher)
            case _:
                assert_never(command)
        return None

    def _annotate(self, note: Annotation) -> str:
        scope = self.scope
        message = scope.masker.mask(note.message)
        scope.bus.publish(
            AnnotationEvent(
                run_id=RunId(scope.request.run_id),
                job_key=scope.leg.key,
                index=self.index,
                level=note.level,
                message=message,
                file=note.file,
                line=note.line,
            )
        )
        where = f" ({note.file}:{note.line})" if note.file and note.line else f" ({note.file})" if note.file else ""
        return f"##[{note.level}]{message}{where}"


def step_debug(scope: JobScope) -> bool:
    """Whether step debug logging is on: the ``ACTIONS_STEP_DEBUG`` secret or variable is true."""
    request = scope.request
    variable = request.vars.get("ACTIONS_STEP_DEBUG")
    return is_true(request.secrets.get("ACTIONS_STEP_DEBUG")) or (isinstance(variable, str) and is_true(variable))
