"""Volume: a step printing 200,000 lines costs about what writing its file costs; recovery stays fast.

The bounds are loose on purpose (shared CI machines); ``pytest -s`` prints the numbers.
"""

from __future__ import annotations

import socket
import time
import tracemalloc
from pathlib import Path

import pytest

from runner.events import EventBus, LogLines, StepFinished, StepStarted
from runner.status import Conclusion, RunId
from runner.store import Recorder, Store, recover
from tests.store.events import publish, run_started

LINES = 200_000
RID = RunId("volume")
RUNS = 20_000


def _line(n: int) -> str:
    return f"2026-11-27T08:00:00.000Z [build] compiling module {n:06d} of {LINES} ... ok (0.{n % 1000:03d}s)"


def _batches(size: int) -> list[tuple[str, ...]]:
    return [tuple(_line(n) for n in range(start, min(LINES, start + size))) for start in range(0, LINES, size)]


def _write_raw(path: Path, batches: list[tuple[str, ...]]) -> float:
    """The floor: the same lines into one buffered file, nothing else."""
    began = time.perf_counter()
    with path.open("a", encoding="utf-8", buffering=1 << 16) as file:
        for lines in batches:
            file.write("\n".join(lines))
            file.write("\n")
    return time.perf_counter() - began


def _record(home: Path, batches: list[tuple[str, ...]], *, is_traced: bool = False) -> tuple[float, float, int]:
    """Seconds until all lines are in the file, seconds spent publishing, peak extra bytes (if traced).

    The events exist before the clock starts: making them is the engine's cost, not the recorder's.
    """
    bus = EventBus()
    with Recorder.open(home) as recorder:
        recorder.attach(bus)
        publish(bus, [run_started(RID), StepStarted(run_id=RID, job_key="build", index=0, name="big", at=0)])
        recorder.flush(timeout=10)
        if is_traced:
            tracemalloc.start()
        events = [LogLines(run_id=RID, job_key="build", index=0, lines=lines) for lines in batches]
        baseline = tracemalloc.get_traced_memory()[0]
        began = time.perf_counter()
        for event in events:
            bus.publish(event)
        published = time.perf_counter() - began
        bus.publish(
            StepFinished(
                run_id=RID, job_key="build", index=0, name="big", outcome=Conclusion.SUCCESS,
                conclusion=Conclusion.SUCCESS, outputs={}, started=0, at=1,
            )
        )  # fmt: skip
        recorder.flush(timeout=60)
        elapsed = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] - baseline if is_traced else 0
        tracemalloc.stop()
    return elapsed, published, peak


@pytest.mark.parametrize("batch", [100, 1])
def test_200000_lines_cost_about_the_file(tmp_path: Path, batch: int) -> None:
    batches = _batches(batch)
    raw = min(_write_raw(tmp_path / f"raw{n}.log", batches) for n in range(3))
    runs = [_record(tmp_path / f"home{n}", batches) for n in range(3)]
    elapsed, published = min(r[0] for r in runs), min(r[1] for r in runs)
    # Memory is traced on a separate pass (tracing slows everything down).
    _, _, peak = _record(tmp_path / "traced", batches, is_traced=True)

    written = (tmp_path / "home0" / "logs" / RID / "build" / "0.log").read_text()
    assert written.count("\n") == LINES and written.endswith(f"{_line(LINES - 1)}\n")
    print(
        f"\n{LINES} lines in events of {batch}: raw file {raw * 1000:.0f} ms, recorded {elapsed * 1000:.0f} ms"
        f" (publishing {published * 1000:.0f} ms), peak extra memory {peak / 1e6:.1f} MB"
    )
    # One line per event is the engine's worst case (it batches); it pays the queue per event.
    assert elapsed < (2 if batch > 1 else 8) * raw + 0.3
    assert published < 0.05 * LINES / batch + 0.05, "publishing must stay cheap on the event loop"
    assert peak < 64e6


def test_recover_on_start_is_quick_with_many_runs(store: Store) -> None:
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status, conclusion,"
            " started_at, finished_at, pid, host) VALUES (?, ?, 'CI', 'ci.yml', 'push', 'refs/heads/main', 'abc',"
            " '/r', 'completed', 'success', 1.0, 2.0, 2147483646, ?)",
            [(f"done-{n:05d}", n + 1, socket.gethostname()) for n in range(RUNS)],
        )
        connection.executemany(
            "INSERT INTO jobs (run_id, job_key, job_id, name, status, conclusion) VALUES (?, ?, ?, ?, 'completed', 'success')",
            [(f"done-{n:05d}", key, key, key) for n in range(RUNS) for key in ("build", "test")],
        )
        connection.execute("UPDATE runs SET status = 'running', conclusion = NULL WHERE number <= 3")
    began = time.perf_counter()
    recovered = recover(store)
    first = time.perf_counter() - began
    began = time.perf_counter()
    assert recover(store) == ()
    nothing = time.perf_counter() - began
    print(f"\nrecover over {RUNS} runs: {first * 1000:.2f} ms (3 recovered), {nothing * 1000:.2f} ms (none)")
    assert sorted(recovered) == ["done-00000", "done-00001", "done-00002"]
    assert first < 0.5 and nothing < 0.1
