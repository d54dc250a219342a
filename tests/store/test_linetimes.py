"""Per-line arrival times of step logs: the side file the recorder writes and its reader."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runner.status import RunId
from runner.store.linetimes import LineTimes, entry, times_path
from runner.store.logfiles import StepLogs

KEY = (RunId("100000000001"), "build", 0)


def test_an_entry_is_written_when_the_clock_moved_and_each_line_reads_its_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([1000.0, 1000.001, 1000.5, 1000.5])
    monkeypatch.setattr(time, "time", lambda: next(clock))
    logs = StepLogs(tmp_path)
    name = logs.open(KEY)
    logs.append(KEY, ("a", "b"))  # 1000.0: an entry for line 0
    logs.append(KEY, ("c",))  # 1 ms later: under the resolution, no entry
    logs.append(KEY, ("d", "e"))  # 1000.5: an entry for line 3
    logs.close_all()
    log = tmp_path / name
    assert times_path(log).read_text() == entry(0, 1000.0) + entry(3, 1000.5)
    times = LineTimes(log)
    times.refresh()
    assert [times.at(n) for n in range(5)] == [1000.0, 1000.0, 1000.0, 1000.5, 1000.5]


def test_a_reopened_log_numbers_its_new_lines_after_the_old_ones(tmp_path: Path) -> None:
    logs = StepLogs(tmp_path)
    name = logs.open(KEY)
    logs.append(KEY, ("a", "b"))
    logs.close_all()
    logs = StepLogs(tmp_path)
    logs.open(KEY)
    logs.append(KEY, ("c",))
    logs.close_all()
    entries = times_path(tmp_path / name).read_text().split()
    assert entries[0::2] == ["0", "2"]


def test_a_later_attempt_has_its_own_side_file(tmp_path: Path) -> None:
    logs = StepLogs(tmp_path)
    name = logs.open(KEY, attempt=2)
    logs.append(KEY, ("x",))
    logs.close_all()
    assert name.endswith("0.attempt-2.log") and times_path(tmp_path / name).read_text().startswith("0 ")


def test_a_log_without_a_side_file_has_no_times_and_a_growing_one_is_read_again(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    log.write_text("old\n")
    times = LineTimes(log)
    times.refresh()
    assert times.at(0) is None
    times_path(log).write_text(entry(0, 5.0) + "1 6")  # the last entry is not complete yet
    times.refresh()
    assert times.at(1) == 5.0
    with times_path(log).open("a") as file:
        file.write("000\n")
    times.refresh()
    assert times.at(1) == 6.0
