"""A step's raw output → masked log lines, workflow commands and annotations.

Chunks arrive as the executor reads them; each chunk becomes a few
:class:`~runner.events.LogLines` events: the step's own text, and apart from it
(``is_runner``) the ``##[…]`` lines baton writes for its commands. A chunk without
``::`` or ``\r`` skips the per-line loop, so a step printing 200,000 lines costs a split
and a mask per chunk, not per line.

A line is at most :data:`LINE_LIMIT` long: a longer one is split into pieces of that
size, as GitHub's runner splits very long lines, and the step's log says so once. Output
without a newline is held in pieces no longer than the limit, never joined and
rescanned per chunk, so a 100 MB line costs about 1 MiB of memory, not its size.
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

LINE_LIMIT = 1 << 20
"""The longest line kept whole: 1 MiB (counted in bytes of held output, and in
characters of a decoded line)."""

SPLIT_NOTE = "baton: a line longer than 1 MiB was split into lines of 1 MiB (and so may be later ones of this step)"
"""What the step's log says, once, before the first piece of a split line."""

_Segment = tuple[bool, list[str]]
"""Lines that go out as one event: (written by baton, lines)."""


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
        self._held: list[bytes] = []
        """Output after the last newline, in pieces; together at most ``LINE_LIMIT`` bytes."""
        self._held_size = 0
        self._has_split = False
        self.outputs: dict[str, str] = {}
        """``::set-output`` values."""
        self.env: dict[str, str] = {}
        """``::set-env`` values (when allowed)."""
        self.path: list[str] = []
        """``::add-path`` folders (when allowed)."""
        self.state: dict[str, str] = {}
        """``::save-state`` values, for the action's later parts."""
        self.has_failed = False
        """Whether a command could not be carried out: the step then fails, as on GitHub."""

    def feed(self, chunk: bytes) -> None:
        """Take a chunk of output; complete lines are published now."""
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self._hold(chunk)
            return
        head = chunk[:cut]
        if self._held:
            head = b"".join((*self._held, head))
            self._held, self._held_size = [], 0
        self._hold(chunk[cut + 1 :])
        self._lines(head.decode("utf-8", "replace"), may_be_long=len(head) > LINE_LIMIT)

    def close(self) -> None:
        """Publish a last line that had no newline."""
        if self._held:
            rest = b"".join(self._held)
            self._held, self._held_size = [], 0
            self._lines(rest.decode("utf-8", "replace"), may_be_long=False)

    def _hold(self, data: bytes) -> None:
        """Keep output that has no newline yet; what reaches the limit goes out as split lines."""
        if not data:
            return
        self._held.append(data)
        self._held_size += len(data)
        if self._held_size <= LINE_LIMIT:
            return
        data = b"".join(self._held)
        pieces: list[str] = []
        start = 0
        while len(data) - start > LINE_LIMIT:  # so data[end] below exists
            end = start + LINE_LIMIT
            while end > start + LINE_LIMIT - 4 and data[end] & 0xC0 == 0x80:
                end -= 1  # never cut a UTF-8 character in two
            pieces.append(data[start:end].decode("utf-8", "replace"))
            start = end
        rest = data[start:]
        self._held, self._held_size = ([rest] if rest else []), len(rest)
        self._publish([self._split_note(), (False, pieces)])

    def _split_note(self) -> _Segment:
        if self._has_split:
            return (True, [])
        self._has_split = True
        return (True, [SPLIT_NOTE])

    def _lines(self, text: str, *, may_be_long: bool) -> None:
        lines = text.split("\n")
        if may_be_long and max(map(len, lines)) > LINE_LIMIT:
            self._long_lines(lines)
        elif "::" not in text and "\r" not in text:  # one scan in C instead of a loop per line
            self._publish([(False, lines)])
        else:
            self._publish(self._interpret(lines))

    def _long_lines(self, lines: list[str]) -> None:
        """Lines of which some exceed the limit: those are split, the rest read as usual."""
        segments: list[_Segment] = []
        ordinary: list[str] = []
        for line in lines:
            if len(line) <= LINE_LIMIT:
                ordinary.append(line)
                continue
            if ordinary:
                segments += self._interpret(ordinary)
                ordinary = []
            segments += [self._split_note(), (False, [line[i : i + LINE_LIMIT] for i in range(0, len(line), LINE_LIMIT)])]
        if ordinary:
            segments += self._interpret(ordinary)
        self._publish(segments)

    def _interpret(self, lines: list[str]) -> list[_Segment]:
        """Lines read one by one: commands carried out, what each leaves in the log collected."""
        segments: list[_Segment] = []
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
                    segments += [(False, out), (True, shown.split("\n"))]
                    out = []
        segments.append((False, out))
        return segments

    def _publish(self, segments: list[_Segment]) -> None:
        """One event per non-empty segment, masked with every mask known by now."""
        scope = self.scope
        run_id, key = RunId(scope.request.run_id), scope.leg.key
        for is_runner, lines in segments:
            if lines:
                masked = tuple(scope.masker.mask_lines(lines))
                scope.bus.publish(LogLines(run_id=run_id, job_key=key, index=self.index, lines=masked, is_runner=is_runner))

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
                self.state[command.name] = command.value
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
