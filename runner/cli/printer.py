"""Live output of ``baton run``: each job in its own colour with its name as prefix,
steps with durations, and what the end-of-run summary and JSON document need.

What a step prints can neither steer the terminal nor pass for baton's own lines: its
text goes through :func:`runner.terminal.shown` (SGR colours kept and reset at the end of
the line, every other control escaped) after a ``│`` gutter, so it never starts a line;
baton's lines inside a step (``##[error]…`` of workflow commands, its notes) have their
own ``»`` gutter, and its status lines (``▶``, ``✓ job success``) none. A step's literal
``##[error]`` stays plain text."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import TextIO, assert_never

from runner.cli.style import Style
from runner.events import (
    Annotation,
    Event,
    JobFinished,
    JobQueued,
    JobRetrying,
    JobStarted,
    LogLines,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.progress import JobView, Progress, RunView
from runner.status import Conclusion, RunId
from runner.terminal import cells, cut_to_width, escape_controls, shown

FLUSH_SECONDS = 0.05
"""Longest a printed log line waits in the stream's buffer."""

_COLOURS = ("cyan", "magenta", "yellow", "blue", "green")
_MARKS = {
    Conclusion.SUCCESS: ("✓", "green"),
    Conclusion.FAILURE: ("✗", "red"),
    Conclusion.CANCELLED: ("⊘", "yellow"),
    Conclusion.SKIPPED: ("–", "dim"),
    Conclusion.INTERRUPTED: ("!", "red"),
}


class Printer:
    """A bus subscriber that prints as events arrive and remembers what it printed."""

    def __init__(self, stream: TextIO, *, names: Iterable[str] = ()) -> None:
        self.stream = stream
        self.style = Style(stream)
        self.progress = Progress()
        """The jobs and steps as the events told them (what the summary and JSON show)."""
        self.colours: dict[tuple[RunId, str], str] = {}
        self.width = min(max((len(n) for n in names), default=12), 32)
        """Width of the job-name column: the longest name known before the run."""
        self.flushed = 0.0
        """When log lines were last flushed to the stream (monotonic seconds)."""
        self.is_terminal = stream.isatty()
        """Whether lines are cut to the terminal's width (so none wraps into a row of its own)."""

    @property
    def jobs(self) -> dict[tuple[RunId, str], JobView]:
        """Every job seen, by run and key, in the order they became known."""
        return self.progress.jobs

    @property
    def runs(self) -> dict[RunId, RunView]:
        """Every run seen, by id."""
        return self.progress.runs

    def __call__(self, event: Event) -> None:
        self.progress.apply(event)
        match event:
            case LogLines():
                self._lines(event)
            case StepStarted():
                self._say(event.run_id, event.job_key, self.style("▶ ", "dim") + shown(event.name))
            case StepFinished():
                self._step_finished(event)
            case JobQueued():
                self.colours.setdefault((event.run_id, event.job_key), _COLOURS[len(self.colours) % len(_COLOURS)])
                if event.waiting_for:
                    self._say(event.run_id, event.job_key, self.style(f"queued: {event.waiting_for}", "dim"))
            case JobStarted():
                self._say(event.run_id, event.job_key, self.style(f"job started on {shown(event.executor)}", "dim"))
            case JobRetrying():
                self._say(event.run_id, event.job_key, self.style(
                    f"job {shown(self.jobs[(event.run_id, event.job_key)].name)}: attempt {event.attempt} failed: "
                    f"{shown(event.reason)}; retrying in {event.delay:g} s (attempt {event.attempt + 1} of {event.attempts})",
                    "yellow", "bold"))
            case JobFinished():
                self._job_finished(event)
            case Annotation():
                pass  # its line is in the step's log already (``##[error]…``)
            case RunStarted() | RunFinished():
                pass  # the end-of-run report tells of the run
            case _:
                assert_never(event)

    def _prefix(self, run_id: RunId, key: str) -> str:
        view = self.jobs.get((run_id, key))
        name = shown(view.name if view else key)
        colour = self.colours.get((run_id, key), "bold")
        return self.style(f"{name[: self.width]:<{self.width}}", colour, "bold") + " "

    def _say(self, run_id: RunId, key: str, text: str) -> None:
        """One of baton's status lines: one row, cut short with ``…`` on a narrow terminal."""
        prefix = self._prefix(run_id, key)
        columns = self._columns()
        if columns is not None:
            pieces = cut_to_width(text, max(columns - cells(prefix) - 1, 8))
            text = pieces[0] + ("…" if len(pieces) > 1 else "")
        self.stream.write(prefix + text + "\n")
        self.stream.flush()

    def _lines(self, event: LogLines) -> None:
        if not event.lines:
            return
        prefix = self._prefix(event.run_id, event.job_key)
        if event.is_runner:
            prefix += self.style("» ", "bold")
            body = "\n".join(self._directive(line) if line.startswith("##[") else shown(line) for line in event.lines)
        else:
            # One join and one escape for the whole batch (a flood prints 200,000 lines;
            # newlines are never escaped); a line at a time only where a line sets colours,
            # which then ends with a reset.
            prefix += self.style("│ ", "dim")
            body = "\n".join(event.lines)
            body = "\n".join(map(shown, event.lines)) if "\x1b" in body else escape_controls(body)
        columns = self._columns()
        if columns is not None:
            room = max(columns - cells(prefix), 8)
            lines = body.split("\n")
            if 2 * max(map(len, lines)) > room:
                body = "\n".join(piece for line in lines for piece in cut_to_width(line, room))
        self.stream.write(prefix + body.replace("\n", "\n" + prefix) + "\n")
        now = time.monotonic()
        if now - self.flushed > FLUSH_SECONDS:  # live, without a system call per batch of lines
            self.stream.flush()
            self.flushed = now

    def _columns(self) -> int | None:
        """The terminal's width now (it may be resized), or None when not on a terminal."""
        if not self.is_terminal:
            return None
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (OSError, ValueError):
            return 80

    def _directive(self, line: str) -> str:
        kind, _, rest = line[3:].partition("]")
        rest = shown(rest)
        if kind == "group":
            return self.style("▾ " + rest, "bold")
        if kind == "endgroup":
            return self.style("▴", "dim")
        colour = {"error": "red", "warning": "yellow", "notice": "cyan", "debug": "dim"}.get(kind)
        return self.style(f"{kind}: {rest}", colour) if colour else shown(line)

    def _step_finished(self, event: StepFinished) -> None:
        duration = self.jobs[(event.run_id, event.job_key)].steps[event.index].duration
        mark, colour = _MARKS.get(event.conclusion, ("?", "bold"))
        if event.conclusion == Conclusion.SUCCESS and event.outcome == Conclusion.FAILURE:
            mark, colour = "✗", "yellow"
        timing = f"  {duration:.2f}s" if duration is not None else "  (skipped)"
        self._say(event.run_id, event.job_key, self.style(mark, colour, "bold") + f" {shown(event.name)}" + self.style(timing, "dim"))

    def _job_finished(self, event: JobFinished) -> None:
        view = self.jobs[(event.run_id, event.job_key)]
        mark, colour = _MARKS.get(event.conclusion, ("?", "bold"))
        took = f" in {event.at - view.started:.1f}s" if view.started else ""
        reason = f": {shown(event.reason)}" if event.reason else ""
        self._say(event.run_id, event.job_key, self.style(f"{mark} job {event.conclusion.value}{took}{reason}", colour, "bold"))

    def summary(self) -> list[str]:
        """The end-of-run table: one row per job leg."""
        rows = [("JOB", "RESULT", "TIME", "WHERE")]
        for view in self.jobs.values():
            took = f"{view.finished - view.started:.1f}s" if view.started and view.finished else "-"
            result = view.conclusion.value if view.conclusion else "unfinished"
            name = shown(view.name) + (f" (attempt {view.attempt})" if view.attempt > 1 else "")
            rows.append((name, result, took, shown(view.executor or _brief(view.reason))))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = []
        for i, row in enumerate(rows):
            text = "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
            colour = "bold" if i == 0 else _MARKS.get(Conclusion(row[1]), ("", "bold"))[1] if row[1] != "unfinished" else "red"
            lines.append("  " + self.style(text, colour))
        return lines

    def elapsed(self, run_id: RunId) -> float:
        """Wall time of a run so far."""
        run = self.runs[run_id]
        return (run.finished if run.finished is not None else time.time()) - run.started.at


_BRIEF = 60
"""The widest reason the summary's WHERE column shows (the job's own line has all of it)."""


def _brief(reason: str) -> str:
    """``reason`` within :data:`_BRIEF` characters: up to the end of a clause (``: `` or
    ``; ``) when one ends in its second half, else cut with an ellipsis."""
    if len(reason) <= _BRIEF:
        return reason
    ends = [at for at in range(_BRIEF // 2, _BRIEF) if reason.startswith((": ", "; "), at)]
    return reason[:ends[-1]] if ends else reason[:_BRIEF - 1] + "…"
