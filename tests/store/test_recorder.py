"""Events in through a real EventBus, rows and log files out."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from runner.errors import StoreError
from runner.events import Annotation, EventBus, JobQueued, LogLines, StepStarted
from runner.status import Conclusion, RunId, Status
from runner.store import Recorder, Store, annotations_of, get_run, jobs_of, list_runs, steps_of
from runner.store.recorder import FLUSH_SECONDS
from tests.store.events import T0, publish, run_started, whole_run

RID = RunId("run-aaaa1111")


def test_a_whole_run_becomes_rows_and_log_files(bus: EventBus, recorder: Recorder, store: Store) -> None:
    publish(bus, whole_run(RID))
    recorder.flush(timeout=5)

    run = get_run(store, RID)
    assert (run.number, run.workflow, run.event, run.ref, run.repository) == (
        1, "CI", "push", "refs/heads/main", "/src/app",
    )  # fmt: skip
    assert (run.status, run.conclusion, run.started_at, run.finished_at) == (
        Status.COMPLETED, Conclusion.SUCCESS, T0, T0 + 7,
    )  # fmt: skip
    assert (run.pid, run.host) == (os.getpid(), socket.gethostname())

    build, test = jobs_of(store, RID)
    assert (build.job_key, build.name, build.executor, build.conclusion, build.outputs) == (
        "build", "Build", "local", Conclusion.SUCCESS, {"version": "1.2"},
    )  # fmt: skip
    assert (test.job_key, test.job_id, test.needs, test.matrix, test.summary) == (
        "test.1", "test", ("build",), {"py": "3.12"}, "## ok",
    )  # fmt: skip

    steps = steps_of(store, RID, "build")
    assert [(s.index, s.name, s.status, s.conclusion) for s in steps] == [
        (0, "Checkout", Status.COMPLETED, Conclusion.SUCCESS),
        (1, "Compile", Status.COMPLETED, Conclusion.SUCCESS),
        (2, "Upload", Status.COMPLETED, Conclusion.SKIPPED),
    ]
    assert steps[1].started_at == T0 + 2 and steps[1].finished_at == T0 + 3
    assert steps[2].log_path is None, "a skipped step has no log"
    assert steps[1].log_path == f"logs/{RID}/build/1.log"
    assert store.log_file(steps[1].log_path).read_text() == "compiling\ndone\n"


def test_log_lines_are_visible_to_another_reader_before_the_step_ends(
    bus: EventBus, recorder: Recorder, store: Store
) -> None:
    publish(bus, [run_started(RID), StepStarted(run_id=RID, job_key="build", index=0, name="Long", at=T0)])
    recorder.flush(timeout=5)
    log = store.log_file(f"logs/{RID}/build/0.log")
    assert log.read_text() == ""

    published = time.monotonic()
    bus.publish(LogLines(run_id=RID, job_key="build", index=0, lines=("first", "second")))
    while log.read_text() != "first\nsecond\n":
        assert time.monotonic() - published < 2, "lines did not reach the file"
        time.sleep(0.005)
    assert time.monotonic() - published < FLUSH_SECONDS + 0.15
    (step,) = steps_of(store, RID, "build")
    assert step.status is Status.RUNNING and step.log_path is not None


def test_annotations_and_jobs_never_queued(bus: EventBus, recorder: Recorder, store: Store) -> None:
    publish(
        bus,
        [
            run_started(RID),
            StepStarted(run_id=RID, job_key="lint.2", index=0, name="ruff", at=T0),
            Annotation(run_id=RID, job_key="lint.2", index=0, level="error", message="E501", file="a.py", line=3),
        ],
    )
    recorder.flush(timeout=5)
    (job,) = jobs_of(store, RID)
    assert (job.job_key, job.job_id, job.status) == ("lint.2", "lint", Status.RUNNING)
    (note,) = annotations_of(store, RID)
    assert (note.index, note.level, note.message, note.file, note.line) == (0, "error", "E501", "a.py", 3)


def test_events_of_an_unknown_run_are_dropped_and_recording_goes_on(
    bus: EventBus, recorder: Recorder, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    bus.publish(JobQueued(run_id=RunId("never-started"), job_key="a", job_id="a", name="a", needs=()))
    publish(bus, whole_run(RID))
    recorder.flush(timeout=5)
    assert [r.id for r in list_runs(store)] == [RID]
    assert "dropped JobQueued for run never-started" in caplog.text


def test_numbers_are_sequential_across_recorders_of_one_store(home: Path, bus: EventBus, store: Store) -> None:
    other_bus = EventBus()
    with Recorder.open(home) as first, Recorder.open(home) as second:
        first.attach(bus)
        second.attach(other_bus)
        for n in range(10):
            (bus if n % 2 else other_bus).publish(run_started(f"r{n}"))
            (first if n % 2 else second).flush(timeout=5)
    assert [r.number for r in list_runs(store, limit=100)] == list(range(10, 0, -1))
    assert [r.id for r in list_runs(store, limit=3)] == ["r9", "r8", "r7"]


def test_close_writes_what_is_still_queued(home: Path, bus: EventBus, store: Store) -> None:
    recorder = Recorder.open(home)
    recorder.attach(bus)
    publish(bus, whole_run(RID))
    recorder.close()
    bus.publish(run_started("after-close"))  # detached: not recorded, no error
    assert [r.id for r in list_runs(store)] == [RID]
    assert get_run(store, RID).conclusion is Conclusion.SUCCESS


def test_no_column_can_hold_an_environment(store: Store) -> None:
    """Secrets reach the store only as masked log lines: no table grows env columns unnoticed."""
    columns = {
        table: [row[1] for row in store.connection.execute(f"PRAGMA table_info({table})")]
        for table in ("runs", "jobs", "steps", "annotations", "job_attempts")
    }
    assert columns == {
        "runs": [
            "id", "number", "workflow", "workflow_path", "event", "ref", "sha", "repository", "status",
            "conclusion", "started_at", "finished_at", "pid", "host", "process_start", "heartbeat_at",
            "repo", "title", "trigger",  # trigger: the event payload and inputs, never secrets or vars
            "attempt",
        ],
        "jobs": [
            "id", "run_id", "job_key", "job_id", "name", "needs", "matrix", "executor", "status", "conclusion",
            "outputs", "summary", "reason", "started_at", "finished_at", "attempt",
        ],
        "steps": [
            "run_id", "job_key", "attempt", "idx", "name", "status", "outcome", "conclusion", "outputs", "started_at",
            "finished_at", "log_path",
        ],
        "annotations": ["id", "run_id", "job_key", "idx", "level", "message", "file", "line", "attempt"],
        "job_attempts": [
            "run_id", "job_key", "attempt", "run_attempt", "executor", "status", "conclusion", "reason", "started_at",
            "finished_at",
        ],
    }  # fmt: skip


def test_a_write_failure_is_reported_on_close(home: Path, bus: EventBus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runner.store.db.BUSY_TIMEOUT_SECONDS", 0.05)
    recorder = Recorder.open(home)
    recorder.attach(bus)
    bus.publish(run_started(RID))
    recorder.flush(timeout=5)
    # Another process holds the write lock for longer than the recorder waits.
    blocker = sqlite3.connect(home / "baton.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    bus.publish(JobQueued(run_id=RID, job_key="a", job_id="a", name="a", needs=()))
    with pytest.raises(StoreError, match="stayed locked"):
        recorder.flush(timeout=5)
    blocker.execute("ROLLBACK")
    blocker.close()
    with pytest.raises(StoreError, match="stayed locked"):
        recorder.close()


def test_a_flood_of_events_is_still_committed_every_batch_window(
    bus: EventBus, recorder: Recorder, store: Store
) -> None:
    publish(bus, [run_started(RID), StepStarted(run_id=RID, job_key="build", index=0, name="Noisy", at=T0)])
    recorder.flush(timeout=5)
    is_flooding = threading.Event()
    is_flooding.set()

    def flood() -> None:
        while is_flooding.is_set():
            for _ in range(100):
                bus.publish(Annotation(run_id=RID, job_key="build", index=0, level="warning", message="w"))
            time.sleep(0)  # let the writer take the GIL now and then, as the event loop does

    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        began = time.monotonic()
        while not annotations_of(store, RID):  # the deadline is 20 batch windows: a commit, not a timing
            assert time.monotonic() - began < 20 * FLUSH_SECONDS, "nothing was committed while events kept coming"
            time.sleep(0.01)
        assert flooder.is_alive(), "committed only once the flood ended"
    finally:
        is_flooding.clear()
        flooder.join()
