"""Runs whose process died become ``interrupted``; live ones are left alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.events import EventBus
from runner.status import Conclusion, RunId, Status
from runner.store import Recorder, Store, active_run_ids, attempts_of, get_run, jobs_of, recover, steps_of
from runner.process import is_process_alive, process_start
from tests.store.events import publish, run_started, whole_run

ROOT = Path(__file__).resolve().parents[2]

StartRunner = Callable[[str], "subprocess.Popen[str]"]

RECORD_AND_WAIT = """
import sys, time
from pathlib import Path
from runner.events import EventBus, JobQueued, JobStarted, LogLines, StepStarted
from runner.status import RunId
from runner.store import Recorder
from tests.store.events import run_started

home, run_id = Path(sys.argv[1]), RunId(sys.argv[2])
bus = EventBus()
recorder = Recorder.open(home)
recorder.attach(bus)
bus.publish(run_started(run_id))
bus.publish(JobQueued(run_id=run_id, job_key="build", job_id="build", name="build", needs=()))
bus.publish(JobQueued(run_id=run_id, job_key="deploy", job_id="deploy", name="deploy", needs=("build",)))
bus.publish(JobStarted(run_id=run_id, job_key="build", executor="local", at=time.time()))
bus.publish(StepStarted(run_id=run_id, job_key="build", index=0, name="Long", at=time.time()))
bus.publish(LogLines(run_id=run_id, job_key="build", index=0, lines=("working",)))
recorder.flush(timeout=10)
print("recorded", flush=True)
time.sleep(120)
"""


@pytest.fixture
def start_runner(home: Path) -> Iterator[StartRunner]:
    """Starts processes that record a running run and then wait; kills leftovers at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(run_id: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", RECORD_AND_WAIT, str(home), run_id],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        watchdog = threading.Timer(30, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "recorded\n", "the runner process did not record its run"
        finally:
            watchdog.cancel()
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_a_killed_process_s_run_is_interrupted_and_a_live_one_is_not(
    start_runner: StartRunner, store: Store
) -> None:
    doomed = start_runner("doomed")
    alive = start_runner("alive")
    assert get_run(store, "doomed").pid == doomed.pid

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()

    assert active_run_ids(store) == {"alive"}
    assert recover(store) == ("doomed",)

    run = get_run(store, "doomed")
    assert (run.status, run.conclusion) == (Status.COMPLETED, Conclusion.INTERRUPTED)
    assert run.finished_at is not None
    assert {(j.job_key, j.status, j.conclusion) for j in jobs_of(store, RunId("doomed"))} == {
        ("build", Status.COMPLETED, Conclusion.INTERRUPTED),
        ("deploy", Status.COMPLETED, Conclusion.INTERRUPTED),
    }
    assert {(a.status, a.conclusion) for a in attempts_of(store, RunId("doomed"), "build")} == {
        (Status.COMPLETED, Conclusion.INTERRUPTED)}, "its attempt's record says so too"
    (step,) = steps_of(store, RunId("doomed"), "build")
    assert (step.status, step.outcome, step.conclusion) == (
        Status.COMPLETED, Conclusion.INTERRUPTED, Conclusion.INTERRUPTED,
    )  # fmt: skip
    assert store.log_file(step.log_path or "").read_text() == "working\n"

    live = get_run(store, "alive")
    assert (live.status, live.conclusion) == (Status.RUNNING, None)
    assert recover(store) == (), "recovery happens once"
    assert alive.poll() is None


def test_a_killed_but_unreaped_process_counts_as_dead(start_runner: StartRunner, store: Store) -> None:
    zombie = start_runner("zombie")
    os.kill(zombie.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while is_process_alive(zombie.pid) and time.monotonic() < deadline:  # until the kernel made it a zombie
        time.sleep(0.01)
    assert Path(f"/proc/{zombie.pid}").exists(), "still unreaped"
    assert recover(store) == ("zombie",)


def test_runs_of_this_process_and_of_other_hosts_are_left_alone(
    bus: EventBus, recorder: Recorder, store: Store
) -> None:
    publish(bus, [run_started("mine")])
    recorder.flush(timeout=5)
    _insert_unfinished(store, "elsewhere", pid=2147483646, host="another-host", start=None)
    assert recover(store) == ()
    assert active_run_ids(store) == {"mine", "elsewhere"}
    assert get_run(store, "mine").status is Status.RUNNING


def test_a_reused_pid_is_not_the_run_s_process(store: Store) -> None:
    # This process is alive, but it is not the process that started the run.
    _insert_unfinished(store, "reused", pid=os.getpid(), host=socket.gethostname(), start="another-boot:42")
    _insert_unfinished(store, "same", pid=os.getpid(), host=socket.gethostname(), start=process_start(os.getpid()))
    assert recover(store) == ("reused",)
    assert active_run_ids(store) == {"same"}


def test_a_run_whose_heartbeat_stopped_is_interrupted_though_its_process_lives(
    bus: EventBus, recorder: Recorder, store: Store
) -> None:
    # Three runs of this (live) process: one beat long ago (its task died inside a
    # service), one beats now, one never beat (an older baton): only the first is dead.
    publish(bus, [run_started("stopped"), run_started("beating"), run_started("older")])
    recorder.beat([RunId("stopped"), RunId("beating")])
    recorder.flush(timeout=5)
    store.connection.execute("UPDATE runs SET heartbeat_at = heartbeat_at - 120 WHERE id = 'stopped'")
    assert active_run_ids(store) == {"beating", "older"}
    assert recover(store) == ("stopped",)
    assert get_run(store, "stopped").conclusion is Conclusion.INTERRUPTED
    assert {get_run(store, r).status for r in ("beating", "older")} == {Status.RUNNING}


def test_finished_runs_are_never_touched(bus: EventBus, recorder: Recorder, store: Store) -> None:
    publish(bus, whole_run("done", conclusion=Conclusion.FAILURE))
    recorder.flush(timeout=5)
    store.connection.execute("UPDATE runs SET pid = 2147483646")
    assert recover(store) == ()
    assert get_run(store, "done").conclusion is Conclusion.FAILURE


def _insert_unfinished(store: Store, run_id: str, *, pid: int, host: str, start: str | None) -> None:
    with store.transaction() as connection:
        connection.execute(
            "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status,"
            " started_at, pid, host, process_start) VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM runs),"
            " 'CI', 'ci.yml', 'push', 'refs/heads/main', 'abc', '/r', 'running', 1.0, ?, ?, ?)",
            (run_id, pid, host, start),
        )
