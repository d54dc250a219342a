"""``baton rerun`` through the real service, as the run's next attempt: all jobs, or the
failed ones and their dependents with the other jobs' outputs kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.cli import main
from runner.status import Conclusion
from runner.store import RunRecord, Store, jobs_of, list_runs
from tests.watch.conftest import Remote
from tests.watch.test_api import Service, services, wait_until  # noqa: F401 - services is a fixture

WORKFLOW = """\
name: CI
on: push
jobs:
  make:
    runs-on: self-hosted
    outputs:
      value: ${{{{ steps.v.outputs.value }}}}
    steps:
      - id: v
        run: echo "value=$(date +%s%N)" >> "$GITHUB_OUTPUT"
  flaky:
    needs: make
    runs-on: self-hosted
    steps:
      - run: test -f {marker}
  after:
    needs: [make, flaky]
    runs-on: self-hosted
    steps:
      - run: echo "made ${{{{ needs.make.outputs.value }}}}"
"""


def ended(home: Path, count: int, attempt: int = 1) -> list[RunRecord] | None:
    with Store.open(home) as store:
        runs = list_runs(store, 10)
    return runs if len(runs) == count and all(r.is_completed and r.attempt == attempt for r in runs) else None


def test_rerun_failed_keeps_the_successful_jobs_and_rerun_runs_all_on_the_same_commit(
    remote: Remote, home: Path, tmp_path: Path, services: Callable[[Path, Path], Service], capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "marker"
    services(home, remote.bare)
    assert main(["hook", "install", str(remote.bare)]) == 0  # the service polls every 60 s: the hook starts the run
    sha = remote.commit({".github/workflows/ci.yml": WORKFLOW.format(marker=marker)}, "the workflow")
    remote.push("main")
    first = wait_until(lambda: ended(home, 1), 90, "the pushed run ended")[0]
    assert first.conclusion is Conclusion.FAILURE
    with Store.open(home) as store:
        made = {j.job_key: j for j in jobs_of(store, first.id)}["make"].outputs["value"]
    marker.touch()

    assert main(["rerun", str(first.number), "--failed"]) == 0
    assert f"re-running run #{first.number} (its failed jobs) as its attempt 2" in capsys.readouterr().out
    again = wait_until(lambda: ended(home, 1, attempt=2), 60, "the re-run ended")[0]
    assert (again.id, again.number) == (first.id, first.number), "the same run, its attempt 2"
    assert (again.conclusion, again.sha, again.event, again.repo) == (Conclusion.SUCCESS, sha, "push", first.repo)
    with Store.open(home) as store:
        jobs = {j.job_key: j for j in jobs_of(store, again.id)}
    assert jobs["make"].outputs == {"value": made} and jobs["make"].attempt == 1
    assert {k: (j.conclusion, j.attempt) for k, j in jobs.items()} == {
        "make": (Conclusion.SUCCESS, 1), "flaky": (Conclusion.SUCCESS, 2), "after": (Conclusion.SUCCESS, 2)}

    assert main(["rerun", str(again.number), "--failed"]) == 2
    assert "has no failed jobs to run again" in capsys.readouterr().err
    assert main(["rerun", str(first.number)]) == 0
    whole = wait_until(lambda: ended(home, 1, attempt=3), 60, "the whole re-run ended")[0]
    with Store.open(home) as store:
        value = {j.job_key: j for j in jobs_of(store, whole.id)}["make"].outputs["value"]
    assert whole.conclusion is Conclusion.SUCCESS and value != made
