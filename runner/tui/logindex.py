"""An index over a job's step log files, so a view of millions of lines holds offsets, not text.

Each step's log is a file the recorder appends to (``logs/<run>/<job>/<step>.log``). The
index keeps, per file, the byte offset where each complete line starts (8 bytes a line)
and the ``##[group]`` sections it saw; a line's text is read from the file when it is
shown. Rows are what a view scrolls over: a header row per step, then its lines, with
folded groups reduced to their title row. Nothing here knows about Textual.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from runner.store.linetimes import LineTimes

GROUP = b"##[group]"
END_GROUP = b"##[endgroup]"
MAX_SHOWN_BYTES = 8192
"""How much of one line a view reads to show it (lines themselves are capped when recorded)."""
_READ = 1 << 20


@dataclass(slots=True)
class Group:
    """A ``##[group]`` section of one step's log: its title line and where it ends."""

    start: int
    """Line number of the ``##[group]`` line."""
    end: int | None = None
    """Line number of its ``##[endgroup]`` line; None while open."""
    is_folded: bool = True


@dataclass(slots=True)
class StepLog:
    """One step's log file as lines: offsets of complete lines, read lazily."""

    title: str
    path: Path | None
    offsets: array[int] = field(default_factory=lambda: array("Q", [0]))
    """Start of each complete line, plus the end of the last one (so ``len - 1`` lines)."""
    groups: list[Group] = field(default_factory=list)
    status: str = ""
    """What the step's header shows after its title (markup: an icon, a duration)."""
    _file: BinaryIO | None = None
    _times: LineTimes | None = None
    _times_known: int = 0
    """Lines indexed when the side file was last read."""

    @property
    def line_count(self) -> int:
        """Complete lines read so far."""
        return len(self.offsets) - 1

    def refresh(self, budget: int = 1 << 62) -> int:
        """Index what was appended since the last call, reading at most about ``budget``
        bytes (a huge log is indexed over several calls); returns how many lines were added."""
        if self.path is None:
            return 0
        file = self._open()
        if file is None:
            return 0
        added = 0
        file.seek(self.offsets[-1])
        while budget > 0:
            asked = min(_READ, budget)
            chunk = file.read(asked)
            budget -= len(chunk)
            cut = chunk.rfind(b"\n")
            if cut < 0:  # nothing new, or an unfinished line: wait for its end (lines are capped)
                break
            parts = chunk[: cut + 1].split(b"\n")[:-1]
            first = self.line_count
            ends = itertools.accumulate((len(p) + 1 for p in parts), initial=self.offsets[-1])
            next(ends)  # the first is the last offset already held
            self.offsets.extend(ends)
            if b"##[" in chunk:
                self._find_groups(parts, first)
            added += len(parts)
            if len(chunk) < asked:  # the end of what is written so far
                break
            file.seek(self.offsets[-1])  # the unfinished tail is read again with what follows
        return added

    def line(self, number: int) -> str:
        """The text of line ``number`` (without its newline), at most :data:`MAX_SHOWN_BYTES`."""
        file = self._open()
        if file is None or not 0 <= number < self.line_count:
            return ""
        start, end = self.offsets[number], self.offsets[number + 1] - 1
        file.seek(start)
        data = file.read(min(end - start, MAX_SHOWN_BYTES))
        return data.decode("utf-8", "replace")

    def time_of(self, number: int) -> float | None:
        """When line ``number`` arrived (unix seconds), from the log's side file; None if unknown."""
        if self._times is None:
            self._times = LineTimes(self.path)
        if self._times.at(number) is None or number >= self._times_known:
            self._times.refresh()
            self._times_known = self.line_count
        return self._times.at(number)

    def lines_matching(self, needle: str) -> list[int]:
        """Line numbers whose text contains ``needle`` (case-insensitive)."""
        file = self._open()
        if file is None or not needle:
            return []
        wanted = needle.lower().encode("utf-8", "replace")
        found: list[int] = []
        file.seek(0)
        data_end = self.offsets[-1]
        position = 0
        while position < data_end:
            chunk = file.read(min(_READ, data_end - position))
            if not chunk:
                break
            cut = chunk.rfind(b"\n") + 1 or len(chunk)
            block = chunk[:cut].lower()
            start = bisect.bisect_right(self.offsets, position) - 1
            at = block.find(wanted)
            while at >= 0:
                line = bisect.bisect_right(self.offsets, position + at, lo=start) - 1
                if not found or found[-1] != line:
                    found.append(line)
                at = block.find(wanted, at + 1)
            position += cut
            file.seek(position)
        return found

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> BinaryIO | None:
        if self._file is None and self.path is not None:
            try:
                self._file = self.path.open("rb")
            except OSError:
                return None
        return self._file

    def _find_groups(self, parts: list[bytes], first: int) -> None:
        for number, part in enumerate(parts, first):
            if part.startswith(GROUP):
                if self.groups and self.groups[-1].end is None:  # GitHub closes an open group
                    self.groups[-1].end = number - 1
                self.groups.append(Group(start=number))
            elif part.startswith(END_GROUP) and self.groups and self.groups[-1].end is None:
                self.groups[-1].end = number


@dataclass(frozen=True, slots=True)
class Row:
    """What one row of the view shows: a step's header (``line`` None) or one of its lines."""

    step: int
    line: int | None


class JobLog:
    """The rows of one job's log: every step's header and lines, folded groups hidden."""

    def __init__(self, steps: list[StepLog]) -> None:
        self.steps = steps
        self._starts: list[int] = []
        """First row of each step (its header)."""
        self._hidden: list[list[tuple[int, int]]] = []
        """Per step: folded (first hidden line, last hidden line) ranges."""
        self.row_count = 0
        self.rebuild()

    def refresh(self, budget: int = 1 << 62) -> int:
        """Index new lines of every step (reading about ``budget`` bytes at most); returns
        how many rows were added."""
        before = self.row_count
        added = 0
        for step in self.steps:
            added += step.refresh(budget)
        if added:
            self.rebuild()
        return self.row_count - before

    def rebuild(self) -> None:
        """Recompute the row layout (after new lines or a fold toggle)."""
        self._starts, self._hidden, rows = [], [], 0
        for step in self.steps:
            self._starts.append(rows)
            # an open group (still printing) shows its lines; it folds once it ends
            hidden = [(g.start + 1, g.end) for g in step.groups
                      if g.is_folded and g.end is not None and g.start < g.end]
            self._hidden.append(hidden)
            rows += 1 + step.line_count - sum(b - a + 1 for a, b in hidden)
        self.row_count = rows

    def row(self, number: int) -> Row | None:
        """What row ``number`` shows."""
        if not 0 <= number < self.row_count:
            return None
        step = bisect.bisect_right(self._starts, number) - 1
        offset = number - self._starts[step]
        if offset == 0:
            return Row(step=step, line=None)
        line = offset - 1
        for first, last in self._hidden[step]:
            if line >= first:
                line += last - first + 1
            else:
                break
        return Row(step=step, line=line)

    def row_of(self, step: int, line: int | None) -> int:
        """The row showing a step's line (a hidden line: its group's title row)."""
        start = self._starts[step]
        if line is None:
            return start
        shown = line
        for first, last in self._hidden[step]:
            if line > last:
                shown -= last - first + 1
            elif line >= first:
                shown = first - 1
                break
        return start + 1 + shown

    def group_at(self, row: Row) -> Group | None:
        """The group whose title ``row`` is."""
        if row.line is None:
            return None
        return next((g for g in self.steps[row.step].groups if g.start == row.line), None)

    def toggle(self, row: Row) -> bool:
        """Fold or unfold the group titled at ``row``; returns whether there was one."""
        group = self.group_at(row)
        if group is None:
            return False
        group.is_folded = not group.is_folded
        self.rebuild()
        return True

    def close(self) -> None:
        """Close every file."""
        for step in self.steps:
            step.close()
