"""``baton runs`` and ``baton logs`` against a real store."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from runner.cli import main
from runner.events import EventBus, JobFinished, JobQueued, JobStarted, LogLines, RunFinished, StepFinished, StepStarted
from runner.status import Conclusion, RunId
from runner.store import Recorder, Store
from runner.store.starts import NewRun, begin_runs
from tests.store.events import T0, publish, run_started, whole_run

ROOT = Path(__file__).resolve().parents[2]


def test_runs_without_runs(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no runs yet" in captured.err


def test_runs_table(bus: EventBus, recorder: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    now = time.time()
    publish(bus, whole_run("a1b2c3d4e5f6", at=now - 200))
    publish(bus, whole_run("f6e5d4c3b2a1", conclusion=Conclusion.FAILURE, at=now - 3 * 3600))
    bus.publish(run_started("0000aaaa1111", at=now - 5, ref="refs/tags/v1.0"))
    recorder.flush(timeout=5)

    assert main(["runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "#", "ID", "REPO", "WORKFLOW", "EVENT", "REF", "SHA", "CONCLUSION", "ATTEMPT", "STARTED", "DURATION", "TITLE",
    ]  # fmt: skip
    assert lines[1].split() == ["3", "0000aaaa", "-", "CI", "push", "v1.0", "0123456", "running", "1", "5", "s", "ago", "5s"]
    assert lines[2].split() == ["2", "f6e5d4c3", "-", "CI", "push", "main", "0123456", "failure", "1", "3", "h", "ago", "7s"]
    assert lines[3].split() == ["1", "a1b2c3d4", "-", "CI", "push", "main", "0123456", "success", "1", "3", "min", "ago", "7s"]

    assert main(["runs", "--limit", "1", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["id"], row["number"], row["status"], row["conclusion"], row["ref"]) == (
        "0000aaaa1111", 3, "running", None, "refs/tags/v1.0",
    )  # fmt: skip
    assert (row["repo"], row["title"], row["trigger"]) == (None, "", {})


def test_runs_show_the_watched_repository_and_the_title(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(home) as store:
        begin_runs(store, [NewRun(
            run_id=RunId("abcd0000"), workflow="CI", workflow_path=".github/workflows/ci.yml", event="push",
            ref="refs/heads/feature", sha="0123456789abcdef0123456789abcdef01234567", repository="local/app",
            repo="app", title="Fix the parser " + "x" * 60, trigger={"payload": {"ref": "refs/heads/feature"}, "inputs": {}},
        )])  # fmt: skip

    assert main(["runs"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert row.split()[:8] == ["1", "abcd0000", "app", "CI", "push", "feature", "0123456", "queued"]
    assert row.endswith("Fix the parser " + "x" * 34 + "…")

    assert main(["runs", "--format", "json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert (record["repo"], record["ref"], record["sha"], record["event"], record["workflow"]) == (
        "app", "refs/heads/feature", "0123456789abcdef0123456789abcdef01234567", "push", "CI",
    )  # fmt: skip
    assert record["title"].startswith("Fix the parser")
    assert record["trigger"] == {"payload": {"ref": "refs/heads/feature"}, "inputs": {}}


def test_runs_rejects_a_bad_limit(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err


@pytest.fixture
def two_runs(bus: EventBus, recorder: Recorder) -> None:
    """Run #1 succeeded, run #2 failed in build's "Compile" step."""
    publish(bus, whole_run("good0001"))
    publish(bus, whole_run("bad00002", conclusion=Conclusion.FAILURE))
    recorder.flush(timeout=5)


@pytest.mark.usefixtures("two_runs")
def test_logs_of_a_whole_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "1"]) == 0
    assert capsys.readouterr().out == (
        "== Build on local [success]\n"
        "-- 1 Checkout [success]\n"
        "checked out\n"
        "-- 2 Compile [success]\n"
        "compiling\n"
        "done\n"
        "-- 3 Upload [skipped]\n"
        "== test (3.12) on docker (python:3.12) [success]\n"
        "-- 1 Run tests [success]\n"
        "3 passed\n"
    )
    assert main(["logs", "bad"]) == 1


@pytest.mark.usefixtures("two_runs")
@pytest.mark.parametrize(
    ("argv", "code", "out"),
    [
        (["1", "build", "2"], 0, "compiling\ndone\n"),
        (["good", "Build", "Comp"], 0, "compiling\ndone\n"),
        (["2", "build", "compile"], 1, "compiling\ndone\n"),
        (["2", "build", "1"], 0, "checked out\n"),
        (["2", "test", "1"], 0, "3 passed\n"),
        (["2", "build"], 1, "== Build on local [failure]\n-- 1 Checkout [success]\nchecked out\n"),
    ],
)
def test_logs_of_a_job_or_step(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, out: str) -> None:
    assert main(["logs", *argv]) == code
    assert capsys.readouterr().out.startswith(out)


@pytest.mark.usefixtures("two_runs")
@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["9"], 3, "no run '9'"),
        (["1", "lint"], 3, "no job 'lint'"),
        (["1", "build", "7"], 3, "no step '7'"),
        (["1", "build", "C"], 2, "ambiguous"),
    ],
)
def test_logs_errors(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str) -> None:
    assert main(["logs", *argv]) == code
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("two_runs")
def test_logs_with_timestamps_put_each_lines_arrival_in_utc_before_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["logs", "1", "build", "2", "--timestamps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["compiling", "done"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line.split(" ")[0]) for line in lines)
    for side in (home / "logs").rglob("*.times"):
        side.unlink()  # as a log written before side files existed
    assert main(["logs", "1", "build", "2", "-t"]) == 0
    start = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(T0 + 2))  # whole_run's Compile step start
    assert capsys.readouterr().out.splitlines() == [f"{start}.000Z compiling", f"{start}.000Z done"]


def _begin(bus: EventBus, rid: RunId) -> None:
    publish(
        bus,
        [
            run_started(rid),
            JobQueued(run_id=rid, job_key="build", job_id="build", name="build", needs=()),
            JobStarted(run_id=rid, job_key="build", executor="local", at=time.time()),
            StepStarted(run_id=rid, job_key="build", index=0, name="Long", at=time.time()),
        ],
    )


def _finish(bus: EventBus, rid: RunId, conclusion: Conclusion) -> None:
    now = time.time()
    publish(
        bus,
        [
            StepFinished(
                run_id=rid, job_key="build", index=0, name="Long", outcome=conclusion, conclusion=conclusion,
                outputs={}, started=now, at=now,
            ),
            JobFinished(run_id=rid, job_key="build", conclusion=conclusion, outputs={}, at=now),
            RunFinished(run_id=rid, conclusion=conclusion, at=now),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(("conclusion", "code"), [(Conclusion.SUCCESS, 0), (Conclusion.FAILURE, 1)])
def test_follow_prints_until_the_run_completes(
    bus: EventBus, recorder: Recorder, capsys: pytest.CaptureFixture[str], conclusion: Conclusion, code: int
) -> None:
    rid = RunId("follow01")
    _begin(bus, rid)
    bus.publish(LogLines(run_id=rid, job_key="build", index=0, lines=("before",)))
    recorder.flush(timeout=5)

    result: list[int] = []
    follower = threading.Thread(target=lambda: result.append(main(["logs", "follow", "--follow"])))
    follower.start()
    for n in range(50):
        bus.publish(LogLines(run_id=rid, job_key="build", index=0, lines=(f"line {n}",)))
    recorder.flush(timeout=5)
    assert follower.is_alive(), "--follow must not stop while the run is running"
    _finish(bus, rid, conclusion)
    follower.join(timeout=10)
    assert not follower.is_alive()

    assert result == [code]
    # Headers carry the state only when the follower first saw the job or step already finished.
    out = re.sub(r" \[(success|failure)\]", "", capsys.readouterr().out)
    assert out == "== build on local\n-- build / 1 Long\nbefore\n" + "".join(f"line {n}\n" for n in range(50))


def test_follow_with_timestamps_stamps_each_line_as_it_comes(
    bus: EventBus, recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = RunId("follow02")
    _begin(bus, rid)
    bus.publish(LogLines(run_id=rid, job_key="build", index=0, lines=("before",)))
    recorder.flush(timeout=5)
    result: list[int] = []
    follower = threading.Thread(target=lambda: result.append(main(["logs", "follow", "build", "1", "-f", "-t"])))
    follower.start()
    bus.publish(LogLines(run_id=rid, job_key="build", index=0, lines=("after 1", "after 2")))
    recorder.flush(timeout=5)
    _finish(bus, rid, Conclusion.SUCCESS)
    follower.join(timeout=10)
    assert result == [0]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["before", "after 1", "after 2"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line.split(" ")[0]) for line in lines)


def test_follow_from_another_process_sees_lines_quickly(home: Path, bus: EventBus, recorder: Recorder) -> None:
    rid = RunId("latency1")
    _begin(bus, rid)
    recorder.flush(timeout=5)
    env = {**os.environ, "BATON_HOME": str(home), "NO_COLOR": "1"}
    follower = subprocess.Popen(
        [sys.executable, "-m", "runner.cli", "logs", rid, "build", "--follow"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.put((time.monotonic(), line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert lines.get(timeout=10)[1] == "== build on local\n"
        assert lines.get(timeout=10)[1] == "-- 1 Long\n"
        delays = []
        for n in range(5):
            sent = time.monotonic()
            bus.publish(LogLines(run_id=rid, job_key="build", index=0, lines=(f"line {n}",)))
            seen, text = lines.get(timeout=5)
            assert text == f"line {n}\n"
            delays.append(seen - sent)
        _finish(bus, rid, Conclusion.SUCCESS)
        assert follower.wait(timeout=10) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
        reader.join(timeout=5)
        if follower.stdout is not None:
            follower.stdout.close()
    # Poll period 0.2 s plus the recorder's 0.1 s batch window.
    assert max(delays) < 0.5, delays
