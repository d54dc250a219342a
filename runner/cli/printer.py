"""Live output of ``baton run``: each job in its own colour with its name as prefix,
steps with durations, and what the end-of-run summary and JSON document need."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from runner.cli.style import Style
from runner.events import (
    Annotation,
    Event,
    JobFinished,
    JobQueued,
    JobStarted,
    LogLines,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from runner.expr import Value
from runner.status import Conclusion

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


@dataclass(slots=True, kw_only=True)
class StepView:
    """One step as seen so far."""

    index: int
    name: str
    outcome: Conclusion | None = None
    conclusion: Conclusion | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    duration: float | None = None


@dataclass(slots=True, kw_only=True)
class JobView:
    """One job (leg) as seen so far."""

    run_id: str
    key: str
    job_id: str
    name: str
    matrix: dict[str, Value]
    colour: str
    conclusion: Conclusion | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    started: float | None = None
    finished: float | None = None
    reason: str = ""
    summary: str = ""
    """The job's ``GITHUB_STEP_SUMMARY`` markdown."""
    executor: str = ""
    steps: dict[int, StepView] = field(default_factory=dict)


class Printer:
    """A bus subscriber that prints as events arrive and remembers what it printed."""

    def __init__(self, stream: TextIO, *, names: Iterable[str] = ()) -> None:
        self.stream = stream
        self.style = Style(stream)
        self.jobs: dict[tuple[str, str], JobView] = {}
        self.runs: dict[str, tuple[RunStarted, RunFinished | None]] = {}
        self.width = min(max((len(n) for n in names), default=12), 32)
        """Width of the job-name column: the longest name known before the run."""
        self.flushed = 0.0
        """When log lines were last flushed to the stream (monotonic seconds)."""

    def __call__(self, event: Event) -> None:
        if isinstance(event, LogLines):
            self._lines(event)
        elif isinstance(event, StepStarted):
            self._say(event.run_id, event.job_key, self.style("▶ ", "dim") + event.name)
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, JobQueued):
            colour = _COLOURS[len(self.jobs) % len(_COLOURS)]
            view = JobView(run_id=event.run_id, key=event.job_key, job_id=event.job_id, name=event.name, matrix=dict(event.matrix), colour=colour)
            self.jobs[(event.run_id, event.job_key)] = view
        elif isinstance(event, JobStarted):
            view = self.jobs[(event.run_id, event.job_key)]
            view.started, view.executor = event.at, event.executor
            self._say(event.run_id, event.job_key, self.style(f"job started on {event.executor}", "dim"))
        elif isinstance(event, JobFinished):
            self._job_finished(event)
        elif isinstance(event, Annotation):
            return
        elif isinstance(event, RunStarted):
            self.runs[event.run_id] = (event, None)
        elif isinstance(event, RunFinished):
            started = self.runs[event.run_id][0]
            self.runs[event.run_id] = (started, event)

    def _prefix(self, run_id: str, key: str) -> str:
        view = self.jobs.get((run_id, key))
        name = view.name if view else key
        colour = view.colour if view else "bold"
        return self.style(f"{name[: self.width]:<{self.width}}", colour, "bold") + " "

    def _say(self, run_id: str, key: str, text: str) -> None:
        self.stream.write(self._prefix(run_id, key) + text + "\n")
        self.stream.flush()

    def _lines(self, event: LogLines) -> None:
        prefix = self._prefix(event.run_id, event.job_key) + self.style("│ ", "dim")
        out = []
        for line in event.lines:
            if line.startswith("##["):
                line = self._directive(line)
            out.append(prefix + line)
        self.stream.write("\n".join(out) + "\n")
        now = time.monotonic()
        if now - self.flushed > FLUSH_SECONDS:  # live, without a system call per batch of lines
            self.stream.flush()
            self.flushed = now

    def _directive(self, line: str) -> str:
        kind, _, rest = line[3:].partition("]")
        if kind == "group":
            return self.style("▾ " + rest, "bold")
        if kind == "endgroup":
            return self.style("▴", "dim")
        colour = {"error": "red", "warning": "yellow", "notice": "cyan"}.get(kind)
        return self.style(f"{kind}: {rest}", colour) if colour else line

    def _step_finished(self, event: StepFinished) -> None:
        view = self.jobs.get((event.run_id, event.job_key))
        duration = event.at - event.started if event.started is not None else None
        if view is not None:
            view.steps[event.index] = StepView(
                index=event.index,
                name=event.name,
                outcome=event.outcome,
                conclusion=event.conclusion,
                outputs=dict(event.outputs),
                duration=duration,
            )
        mark, colour = _MARKS.get(event.conclusion, ("?", "bold"))
        if event.conclusion == Conclusion.SUCCESS and event.outcome == Conclusion.FAILURE:
            mark, colour = "✗", "yellow"
        timing = f"  {duration:.2f}s" if duration is not None else "  (skipped)"
        self._say(event.run_id, event.job_key, self.style(mark, colour, "bold") + f" {event.name}" + self.style(timing, "dim"))

    def _job_finished(self, event: JobFinished) -> None:
        view = self.jobs.get((event.run_id, event.job_key))
        if view is None:
            return
        view.conclusion, view.outputs, view.finished, view.reason = event.conclusion, dict(event.outputs), event.at, event.reason
        view.summary = event.summary
        mark, colour = _MARKS.get(event.conclusion, ("?", "bold"))
        took = f" in {event.at - view.started:.1f}s" if view.started else ""
        reason = f": {event.reason}" if event.reason else ""
        self._say(event.run_id, event.job_key, self.style(f"{mark} job {event.conclusion.value}{took}{reason}", colour, "bold"))

    def summary(self) -> list[str]:
        """The end-of-run table: one row per job leg."""
        rows = [("JOB", "RESULT", "TIME", "WHERE")]
        for view in self.jobs.values():
            took = f"{view.finished - view.started:.1f}s" if view.started and view.finished else "-"
            result = view.conclusion.value if view.conclusion else "unfinished"
            rows.append((view.name, result, took, view.executor or view.reason[:40]))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = []
        for i, row in enumerate(rows):
            text = "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
            colour = "bold" if i == 0 else _MARKS.get(Conclusion(row[1]), ("", "bold"))[1] if row[1] != "unfinished" else "red"
            lines.append("  " + self.style(text, colour))
        return lines

    def elapsed(self, run_id: str) -> float:
        """Wall time of a run so far."""
        started, finished = self.runs[run_id]
        return (finished.at if finished else time.time()) - started.at
