"""The recorder's open step logs: one buffered, append-only file per running step.

Lines are written through a large buffer and flushed once per batch, so a step that
prints 200,000 lines costs about what writing the file costs. Readers (``baton logs
--follow``, the dashboard) tail the files from other processes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from runner.status import RunId
from runner.store.linetimes import RESOLUTION_S, entry, times_path
from runner.store.paths import private_folders, private_opener, step_log_name

BUFFER_BYTES = 1 << 16
"""Write buffer per open step log."""

StepKey = tuple[RunId, str, int]
"""(run id, job key, step index)."""


class StepLogs:
    """The open log files of the steps the recorder writes; used by its writer thread only."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._files: dict[StepKey, TextIO] = {}
        self._times: dict[StepKey, TextIO] = {}
        """Each open log's side file of line arrival times (:mod:`runner.store.linetimes`)."""
        self._counts: dict[StepKey, int] = {}
        """Lines written to each open log."""
        self._stamped: dict[StepKey, float] = {}
        """When each open log's last time entry was written."""

    def open(self, key: StepKey, attempt: int = 1) -> str:
        """Open (creating it empty if new) the log of a step of the job's ``attempt``; returns
        its path relative to the home. A job's open logs are of its current attempt only."""
        name = step_log_name(*key, attempt)
        if key not in self._files:
            path = self._home / name
            private_folders(self._home, path.parent)
            # surrogateescape writes back the exact bytes a step printed, even when not UTF-8.
            self._files[key] = open(  # noqa: SIM115 - kept open across calls, closed by close_step
                path, "a", encoding="utf-8", errors="surrogateescape", newline="", buffering=BUFFER_BYTES,
                opener=private_opener,
            )
            self._times[key] = open(  # noqa: SIM115 - closed with the log by close_step
                times_path(path), "a", encoding="ascii", buffering=BUFFER_BYTES >> 4, opener=private_opener,
            )
            self._counts[key] = _line_count(path)
            self._stamped[key] = 0.0
        return name

    def is_open(self, key: StepKey) -> bool:
        """Whether the step's log is open."""
        return key in self._files

    def append(self, key: StepKey, lines: tuple[str, ...]) -> None:
        """Append lines to a step's log (opening it if needed); visible to readers after :meth:`flush`."""
        if not lines:
            return
        file = self._files.get(key)
        if file is None:
            self.open(key)
            file = self._files[key]
        self._stamp(key, len(lines))
        file.write("\n".join(lines))
        file.write("\n")

    def append_if_open(self, key: StepKey, lines: tuple[str, ...]) -> bool:
        """Append lines to a step's log if it is open; returns whether it was."""
        file = self._files.get(key)
        if file is None:
            return False
        if lines:
            self._stamp(key, len(lines))
            file.write("\n".join(lines))
            file.write("\n")
        return True

    def flush(self) -> None:
        """Push every buffered line to its file."""
        for times in self._times.values():  # first: a reader finds each line's time with it
            times.flush()
        for file in self._files.values():
            file.flush()

    def close_step(self, key: StepKey) -> None:
        """Flush and close one step's log."""
        file = self._files.pop(key, None)
        if file is not None:
            file.close()
        times = self._times.pop(key, None)
        if times is not None:
            times.close()
        self._counts.pop(key, None)
        self._stamped.pop(key, None)

    def _stamp(self, key: StepKey, count: int) -> None:
        """Count ``count`` lines about to be written, noting their time if the clock moved enough."""
        now = time.time()
        first = self._counts[key]
        if now - self._stamped[key] >= RESOLUTION_S:
            self._times[key].write(entry(first, now))
            self._stamped[key] = now
        self._counts[key] = first + count

    def close_job(self, run_id: RunId, job_key: str) -> None:
        """Flush and close the logs of every step of a job."""
        for key in [k for k in self._files if k[0] == run_id and k[1] == job_key]:
            self.close_step(key)

    def close_run(self, run_id: RunId) -> None:
        """Flush and close the logs of every step of a run."""
        for key in [k for k in self._files if k[0] == run_id]:
            self.close_step(key)

    def close_all(self) -> None:
        """Flush and close every open log."""
        for key in list(self._files):
            self.close_step(key)


def _line_count(path: Path) -> int:
    """Lines already in a log reopened to append (0 for a new one)."""
    count = 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            count += chunk.count(b"\n")
    return count
