"""Re-runs of recorded runs as their next attempt, all jobs or only the failed ones and their
dependents, with real runs on the host executor and the real store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.local import LocalExecutor
from runner.engine.capacity import Capacity
from runner.engine.placement import Placement
from runner.errors import UsageError
from runner.launch import Launch, Trigger, open_runtime, plan_runs, start_runs
from runner.launch.rerun import plan_rerun, recorded_trigger
from runner.source.repo import read_facts
from runner.status import Conclusion
from runner.store import Store, attempts_of, get_run, jobs_of, list_runs, steps_of
from runner.workflow import parse_file

WORKFLOW = """\
name: flaky
on: push
jobs:
  make:
    runs-on: self-hosted
    outputs:
      value: ${{ steps.v.outputs.value }}
    steps:
      - id: v
        run: echo "value=$(date +%s%N)" >> "$GITHUB_OUTPUT"
  side:
    runs-on: self-hosted
    steps:
      - run: echo side
  flaky:
    needs: make
    runs-on: self-hosted
    strategy:
      matrix:
        leg: [1, 2]
    steps:
      - run: test "${{ matrix.leg }}" = 1 || test -f "$MARKER"
  after:
    needs: [make, flaky]
    runs-on: self-hosted
    steps:
      - run: echo "made ${{ needs.make.outputs.value }} in attempt ${{ github.run_attempt }}"
"""


@pytest.fixture
def workflow_repo(git_repo: Callable[..., Any]) -> Path:
    return Path(git_repo({".github/workflows/flaky.yml": WORKFLOW}).working_tree_dir)


async def test_a_rerun_of_failed_jobs_runs_them_and_their_dependents_and_keeps_the_others_outputs(
    workflow_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    marker = tmp_path / "marker"
    facts = read_facts(workflow_repo)
    workflow = parse_file(workflow_repo / ".github" / "workflows" / "flaky.yml", display=".github/workflows/flaky.yml")
    first = Launch(trigger=Trigger(event_name="push", payload={"before": "1" * 40}, facts=facts, commit=facts.sha),
                   workflows=(workflow,), env={"MARKER": str(marker)})  # fmt: skip
    (planned,) = plan_runs(first)
    async with open_runtime(
        executors={"local": LocalExecutor({"host_dir": str(tmp_path / "jobs")})},
        placement=Placement.build(container_executor=None, images={}),
        capacity=Capacity(2),
    ) as runtime:
        assert await start_runs(runtime, first, [planned]) == (Conclusion.FAILURE,)
        runtime.recorder.flush(timeout=10)
        with Store.open() as store:
            record = get_run(store, planned.run_id)
            jobs = jobs_of(store, record.id)
        made = {j.job_key: j for j in jobs}["make"].outputs["value"]
        assert {j.job_key: j.conclusion for j in jobs}["after"] is Conclusion.SKIPPED
        marker.touch()

        trigger, inputs = recorded_trigger(record, facts)
        assert (trigger.commit, trigger.payload["before"], inputs) == (facts.sha, "1" * 40, {})
        base = Launch(trigger=trigger, workflows=(workflow,), inputs=inputs, env={"MARKER": str(marker)})
        launch, again = plan_rerun(base, record, jobs, is_failed_only=True)
        assert sorted(launch.kept) == ["make", "side"]
        assert (again.run_id, again.info.run_attempt) == (record.id, 2), "the same run, its next attempt"
        assert await start_runs(runtime, launch, [again]) == (Conclusion.SUCCESS,)
        runtime.recorder.flush(timeout=10)  # the store is written behind the run
        with Store.open() as store:
            rerun = get_run(store, record.id)
            rerun_jobs = {j.job_key: j for j in jobs_of(store, rerun.id)}
            assert (rerun.sha, rerun.event, rerun.number, rerun.attempt) == (record.sha, "push", 1, 2)
            assert [r.number for r in list_runs(store)] == [1], "no new run"
            assert {k: (j.conclusion, j.attempt) for k, j in rerun_jobs.items()} == {
                "make": (Conclusion.SUCCESS, 1), "side": (Conclusion.SUCCESS, 1),  # kept as they were
                "flaky.1": (Conclusion.SUCCESS, 2), "flaky.2": (Conclusion.SUCCESS, 2), "after": (Conclusion.SUCCESS, 2),
            }  # fmt: skip
            assert rerun_jobs["make"].outputs == {"value": made}
            assert [s.attempt for s in steps_of(store, rerun.id, "make")] == [1], "a kept job keeps its steps and runs none"
            assert [(a.attempt, a.run_attempt, a.conclusion) for a in attempts_of(store, rerun.id, "flaky.2")] == [
                (1, 1, Conclusion.FAILURE), (2, 2, Conclusion.SUCCESS)]
            (failed_step,) = steps_of(store, rerun.id, "flaky.2", 1)
            assert failed_step.conclusion is Conclusion.FAILURE and failed_step.log_path is not None
            assert store.log_file(failed_step.log_path).exists(), "attempt 1's log is kept"
            after_log = [s for s in steps_of(store, rerun.id, "after") if s.log_path]
            assert any(f"made {made} in attempt 2" in store.log_file(s.log_path).read_text() for s in after_log if s.log_path)

            with pytest.raises(UsageError, match="run #1 has no failed jobs to run again"):
                plan_rerun(base, rerun, tuple(rerun_jobs.values()), is_failed_only=True)

            launch, whole = plan_rerun(base, rerun, tuple(rerun_jobs.values()), is_failed_only=False)
            assert launch.kept == {}
        assert await start_runs(runtime, launch, [whole]) == (Conclusion.SUCCESS,)
        runtime.recorder.flush(timeout=10)  # the store is written behind the run
        with Store.open() as store:
            assert get_run(store, record.id).attempt == 3
            again_all = {j.job_key: j for j in jobs_of(store, record.id)}
        assert again_all["make"].outputs["value"] != made, "a whole re-run runs every job"
        assert {k: j.attempt for k, j in again_all.items()} == {"make": 2, "side": 2, "flaky.1": 3, "flaky.2": 3, "after": 3}


def test_baton_rerun_failed_without_a_service_runs_the_attempt_here(
    workflow_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from runner.cli import main

    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(workflow_repo)
    marker = tmp_path / "marker"
    flags = ["--executor", "local", "--env", f"MARKER={marker}"]
    assert main(["run", *flags]) == 1
    capsys.readouterr()
    with Store.open() as store:
        (record,) = list_runs(store)
        made = {j.job_key: j for j in jobs_of(store, record.id)}["make"].outputs["value"]
    marker.touch()
    assert main(["rerun", str(record.number), "--failed", *flags, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert (document["runs"][0]["id"], document["runs"][0]["attempt"]) == (record.id, 2)
    assert "Traceback" not in err
    with Store.open() as store:
        assert [r.number for r in list_runs(store)] == [1], "the same run, no new one"
        jobs = {j.job_key: j for j in jobs_of(store, record.id)}
    assert {k: (j.conclusion, j.attempt) for k, j in jobs.items()} == {
        "make": (Conclusion.SUCCESS, 1), "side": (Conclusion.SUCCESS, 1),
        "flaky.1": (Conclusion.SUCCESS, 2), "flaky.2": (Conclusion.SUCCESS, 2), "after": (Conclusion.SUCCESS, 2),
    }  # fmt: skip
    assert jobs["make"].outputs == {"value": made}
    assert main(["rerun", "1", "--failed", *flags]) == 2
    assert "run #1 has no failed jobs to run again" in capsys.readouterr().err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert main(["rerun", "1", "-C", str(elsewhere), *flags]) == 2
    assert "run baton rerun in its repository, or name it with -C DIR" in capsys.readouterr().err
