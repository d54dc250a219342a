"""A step's raw output → masked log lines, workflow commands and annotations.

Chunks arrive as the executor reads them; each chunk becomes at most one
:class:`~runner.events.LogLines` event. Lines without ``::`` skip command parsing, so
a step printing 200,000 lines costs a split and a mask per chunk, not per line.
"""

from __future__ import annotations

from runner.engine.commands import (
    AddMask,
    AddPath,
    Annotation,
    CommandFailure,
    CommandProcessor,
    EndGroup,
    Group,
    SetEnv,
    SetOutput,
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
        self.processor = CommandProcessor(
            allow_unsecure_commands=unsecure_commands_allowed(env),
            allow_unsecure_stop_tokens=unsecure_stop_tokens_allowed(env),
        )
        self.partial = b""
        self.outputs: dict[str, str] = {}
        """``::set-output`` values."""
        self.env: dict[str, str] = {}
        """``::set-env`` values (when allowed)."""
        self.path: list[str] = []
        """``::add-path`` folders (when allowed)."""

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

    def _apply(self, command: object) -> str | None:
        """Carry out one command; returns the log line it leaves, if any."""
        if isinstance(command, SetOutput):
            self.outputs[command.name] = command.value
        elif isinstance(command, SetEnv):
            self.env[command.name] = command.value
        elif isinstance(command, AddPath):
            self.path.append(command.path)
        elif isinstance(command, Group):
            return f"##[group]{command.title}"
        elif isinstance(command, EndGroup):
            return "##[endgroup]"
        elif isinstance(command, Annotation):
            return self._annotate(command)
        elif isinstance(command, CommandFailure):
            return f"##[error]Unable to process command '{command.command}' successfully.\n##[error]{command.message}"
        elif isinstance(command, AddMask):
            return None
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
