"""The log index: offsets of lines in growing files, groups folded, rows, search."""

from __future__ import annotations

from pathlib import Path

from runner.tui.logindex import JobLog, Row, StepLog


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_lines_are_indexed_as_the_file_grows_and_an_unfinished_line_waits(tmp_path: Path) -> None:
    log = StepLog(title="s", path=write(tmp_path / "0.log", b"one\ntwo\nthr"))
    assert log.refresh() == 2
    assert [log.line(n) for n in range(log.line_count)] == ["one", "two"]
    with (tmp_path / "0.log").open("ab") as file:
        file.write(b"ee\nfour\n")
    assert log.refresh() == 2
    assert [log.line(n) for n in range(log.line_count)] == ["one", "two", "three", "four"]
    assert log.refresh() == 0


def test_a_missing_file_has_no_lines_until_it_appears(tmp_path: Path) -> None:
    log = StepLog(title="s", path=tmp_path / "later.log")
    assert log.refresh() == 0 and log.line(0) == ""
    write(tmp_path / "later.log", b"hello\n")
    assert log.refresh() == 1 and log.line(0) == "hello"


def test_a_budget_indexes_a_big_file_over_several_calls(tmp_path: Path) -> None:
    lines = [f"line {n:06d}".encode() for n in range(100_000)]
    log = StepLog(title="s", path=write(tmp_path / "big.log", b"\n".join(lines) + b"\n"))
    calls = 0
    while log.refresh(budget=64 * 1024):
        calls += 1
    assert calls > 10
    assert log.line_count == 100_000
    assert log.line(54_321) == "line 054321"


def test_rows_are_headers_then_lines_and_folded_groups_hide_their_body(tmp_path: Path) -> None:
    first = write(tmp_path / "0.log", b"a\n##[group]G\nx\ny\n##[endgroup]\nb\n")
    second = write(tmp_path / "1.log", b"c\n")
    job = JobLog([StepLog(title="one", path=first), StepLog(title="two", path=second)])
    job.refresh()
    # folded: header, a, G, b | header, c
    assert [job.row(n) for n in range(job.row_count)] == [
        Row(0, None), Row(0, 0), Row(0, 1), Row(0, 5), Row(1, None), Row(1, 0)]  # fmt: skip
    assert job.toggle(Row(0, 1))
    assert job.row_count == 9
    assert job.row(3) == Row(0, 2)
    assert job.row_of(1, 0) == 8
    assert not job.toggle(Row(0, 0))  # not a group title


def test_an_open_group_shows_its_lines_until_it_ends(tmp_path: Path) -> None:
    path = write(tmp_path / "0.log", b"##[group]live\nx\n")
    job = JobLog([StepLog(title="s", path=path)])
    job.refresh()
    assert job.row_count == 3
    with path.open("ab") as file:
        file.write(b"##[endgroup]\nafter\n")
    job.refresh()
    assert [job.row(n) for n in range(job.row_count)] == [Row(0, None), Row(0, 0), Row(0, 3)]


def test_search_finds_lines_case_insensitively_across_chunks(tmp_path: Path) -> None:
    body = b"".join(b"NEEDLE here\n" if n % 1000 == 7 else b"hay\n" for n in range(5000))
    log = StepLog(title="s", path=write(tmp_path / "0.log", body))
    log.refresh()
    assert log.lines_matching("needle") == [7, 1007, 2007, 3007, 4007]
    assert log.lines_matching("absent") == []
