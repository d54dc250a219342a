"""Attempts in the store: a job retried after the infrastructure broke keeps attempt 1's
steps, annotations and log beside attempt 2's; ``baton runs`` and ``baton logs`` show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import main
from runner.events import EventBus
from runner.status import Conclusion, RunId, Status
from runner.store import Recorder, Store, attempts_of, jobs_of, retries_of, steps_of
from tests.store.events import publish, retried_run

RID = "retried0001"


def _retried_run(bus: EventBus, recorder: Recorder) -> None:
    publish(bus, retried_run(RID))
    recorder.flush(timeout=5)


def test_each_attempt_keeps_its_steps_annotations_and_log(home: Path, bus: EventBus, recorder: Recorder) -> None:
    _retried_run(bus, recorder)
    with Store.open(home) as store:
        (job,) = jobs_of(store, RunId(RID))
        assert (job.attempt, job.conclusion, job.executor) == (2, Conclusion.SUCCESS, "ssh other")
        attempts = attempts_of(store, RunId(RID), "build")
        assert [(a.attempt, a.status, a.conclusion, a.executor, a.reason) for a in attempts] == [
            (1, Status.COMPLETED, Conclusion.FAILURE, "ssh box", "lost connection to box"),
            (2, Status.COMPLETED, Conclusion.SUCCESS, "ssh other", ""),
        ]  # fmt: skip
        latest, first = steps_of(store, RunId(RID), "build"), steps_of(store, RunId(RID), "build", 1)
        assert [(s.attempt, s.conclusion) for s in latest + first] == [(2, Conclusion.SUCCESS), (1, Conclusion.FAILURE)]
        assert first[0].log_path != latest[0].log_path
        assert store.log_file(first[0].log_path or "").read_text() == "attempt one's line\n"
        assert store.log_file(latest[0].log_path or "").read_text() == "attempt two's line\n"
        assert retries_of(store, [RunId(RID), RunId("other")]) == {RunId(RID): 1}


def test_runs_and_logs_show_the_attempts(home: Path, bus: EventBus, recorder: Recorder,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _retried_run(bus, recorder)
    assert main(["runs"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert row[header.index("ATTEMPT"):].startswith("1 (1 retry)")
    assert main(["runs", "--format", "json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert (record["attempt"], record["retries"]) == (1, 1)

    assert main(["logs", RID]) == 0
    out = capsys.readouterr().out
    assert "== Build on ssh other (attempt 2 of 2) [success]" in out
    assert "attempt two's line" in out and "attempt one's line" not in out
    assert main(["logs", RID, "build", "--attempt", "1"]) == 1  # that attempt failed
    out = capsys.readouterr().out
    assert "== Build on ssh box (attempt 1 of 2) [failure]" in out and "attempt one's line" in out
    assert main(["logs", RID, "--attempt", "3"]) == 3
    assert "has no attempt 3 (attempts: 1 to 2)" in capsys.readouterr().err
