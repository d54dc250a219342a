"""Background steps on real host processes: a ``background: true`` step runs while the
next steps do; ``wait``, ``wait-all``, ``cancel`` and the end of the steps join it."""

from __future__ import annotations

from pathlib import Path

from runner.status import Conclusion
from tests.engine.test_scheduler import run


async def test_a_background_step_runs_alongside_and_reaches_the_job_once_waited_for(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            timeout-minutes: 1
            steps:
              - id: srv
                run: |
                  while [ ! -f GATE ]; do sleep 0.05; done
                  echo "port=8080" >> "$GITHUB_OUTPUT"
                  echo "SRV=up" >> "$GITHUB_ENV"
                background: true
              - run: echo "before=[${{ steps.srv.outputs.port }}]" && touch GATE
              - wait: srv
              - run: echo "after=[${{ steps.srv.outputs.port }}] env=$SRV ${{ steps.srv.outcome }}"
        """.replace("GATE", str(tmp_path / "gate")),
        tmp_path,
    )
    # the background step waits for a file the next step makes: run in order, the job times out
    assert conclusion == Conclusion.SUCCESS
    log = seen.log("j")
    assert "before=[]" in log and "after=[8080] env=up success" in log


async def test_cancel_stops_a_background_step_without_failing_the_job(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            timeout-minutes: 1
            steps:
              - id: forever
                run: touch STARTED; while true; do sleep 0.05; done
                background: true
              - run: while [ ! -f STARTED ]; do sleep 0.05; done
              - cancel: forever
              - run: echo "forever=${{ steps.forever.outcome }}"
        """.replace("STARTED", str(tmp_path / "started")),
        tmp_path,
    )
    assert conclusion == Conclusion.SUCCESS
    assert "forever=cancelled" in seen.log("j")
    assert [s.conclusion for s in seen.steps("j")].count(Conclusion.CANCELLED) == 1


async def test_a_failed_background_step_fails_its_wait_and_one_never_waited_for_fails_the_job(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          waited:
            runs-on: ubuntu-latest
            steps:
              - {id: bad, run: exit 3, background: true}
              - {id: w, wait: bad, continue-on-error: true}
              - run: echo "w=${{ steps.w.outcome }}/${{ steps.w.conclusion }} job=${{ job.status }}"
          unwaited:
            runs-on: ubuntu-latest
            steps:
              - {run: exit 3, background: true}
              - run: "true"
        """,
        tmp_path,
    )
    assert conclusion == Conclusion.FAILURE
    # the wait step's continue-on-error keeps the job going; the failure still fails it at the end
    assert "w=failure/success job=success" in seen.log("waited")
    assert seen.finished("waited").conclusion == Conclusion.FAILURE
    assert seen.finished("unwaited").conclusion == Conclusion.FAILURE


async def test_a_wait_inside_a_parallel_group_has_nothing_to_join(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - parallel:
                  - {id: a, run: echo one, background: true}
                  - wait: a
              - run: echo "a=${{ steps.a.outcome }}"
        """,
        tmp_path,
    )
    assert conclusion == Conclusion.SUCCESS
    # the group's steps reach the steps context, as the background steps GitHub makes of them
    assert "'wait' inside a parallel group" in seen.log("j") and "a=success" in seen.log("j")
