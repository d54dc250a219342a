"""When each line of a step log arrived: a small side file next to the log.

``<log>.times`` holds text entries ``<line number> <unix milliseconds>``, one a line,
meaning "from this line on, lines arrived at this time". The writer adds one only when
the clock moved by :data:`RESOLUTION_S` since its last entry, so a step printing a flood
of lines costs one clock read per batch and a few bytes per 10 ms. Logs written before
this file existed have none: their lines have no time of their own.
"""

from __future__ import annotations

import bisect
from array import array
from pathlib import Path

RESOLUTION_S = 0.01
"""The writer adds an entry only when this much time passed since its last one."""
SUFFIX = ".times"


def times_path(log: Path) -> Path:
    """The side file of a step log."""
    return log.with_name(log.name + SUFFIX)


def entry(line: int, at: float) -> str:
    """One side-file entry: lines from ``line`` on arrived at ``at`` (unix seconds)."""
    return f"{line} {int(at * 1000)}\n"


class LineTimes:
    """The arrival times of one log's lines, read from its side file (and re-read as it grows)."""

    def __init__(self, log: Path | None) -> None:
        self._path = times_path(log) if log is not None else None
        self._read = 0
        self._lines: array[int] = array("Q")
        self._millis: array[int] = array("Q")

    def refresh(self) -> None:
        """Read the entries written since the last call (none if the file does not exist)."""
        if self._path is None:
            return
        try:
            with self._path.open("rb") as file:
                file.seek(self._read)
                data = file.read()
        except OSError:
            return
        cut = data.rfind(b"\n") + 1
        for part in data[:cut].split(b"\n")[:-1]:
            line, _, millis = part.partition(b" ")
            if line.isdigit() and millis.isdigit():
                self._lines.append(int(line))
                self._millis.append(int(millis))
        self._read += cut

    def at(self, line: int) -> float | None:
        """When line ``line`` (from 0) arrived, in unix seconds; None if unknown."""
        found = bisect.bisect_right(self._lines, line) - 1
        return self._millis[found] / 1000 if found >= 0 else None
