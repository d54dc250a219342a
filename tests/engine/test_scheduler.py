"""The scheduler on real host processes (the local executor): when jobs start, how many run
at once, fail-fast, max-parallel, timeouts, conditions on needs, and cancellation."""

from __future__ import annotations

import asyncio
import textwrap
from dataclasses import dataclass, field, replace
from collections.abc import Sequence
from pathlib import Path

import pytest

from plugins.executors.local import LocalExecutor
from runner.engine import RunRequest, execute_run
from runner.engine.capacity import Capacity
from runner.engine.contexts import RunInfo, github_context
from runner.engine.placement import Placement, Target
from runner.events import Event, EventBus, JobFinished, JobStarted, LogLines, StepFinished
from runner.plan import compile_plan
from runner.status import Conclusion, RunId
from runner.workflow.loader import load_text
from runner.workflow import check
from runner.api import Command
from runner.testing import FakeExecutor, FakeSession


@dataclass
class Recorded:
    events: list[Event] = field(default_factory=list)

    def order(self, kind: type[Event], key: str) -> int:
        """Where in the stream of events ``key``'s first event of ``kind`` came."""
        return next(i for i, e in enumerate(self.events) if isinstance(e, kind) and getattr(e, "job_key", None) == key)

    def finished(self, key: str) -> JobFinished:
        return next(e for e in self.events if isinstance(e, JobFinished) and e.job_key == key)

    def steps(self, key: str) -> list[StepFinished]:
        return [e for e in self.events if isinstance(e, StepFinished) and e.job_key == key]

    def log(self, key: str) -> str:
        return "\n".join(line for e in self.events if isinstance(e, LogLines) and e.job_key == key for line in e.lines)


def request(text: str, tmp_path: Path, *, capacity: int = 4) -> RunRequest:
    source = textwrap.dedent(text)
    workflow, diagnostics = check(load_text(source, "ci.yml"), "ci.yml")
    assert workflow is not None, diagnostics
    info = RunInfo(run_id="t", event_name="push", ref="refs/heads/main", sha="0" * 40, repository="o/r", actor="me", workflow="ci", workflow_path="ci.yml")
    plan = compile_plan(workflow, {"github": github_context(info, job="", workspace=""), "inputs": {}, "vars": {}})
    executor = LocalExecutor({"host_dir": str(tmp_path / "jobs"), "grace_seconds": 1})
    return RunRequest(
        run_id=RunId(f"test-{tmp_path.name[-12:]}"),
        plan=plan,
        info=info,
        placement=Placement.build(container_executor=None, images={}),
        executors={"local": executor},
        capacity=Capacity(capacity),
    )


async def run(text: str, tmp_path: Path, **kwargs: int) -> tuple[Conclusion, Recorded]:
    recorded = Recorded()
    bus = EventBus()
    bus.subscribe(recorded.events.append)
    conclusion = await execute_run(request(text, tmp_path, **kwargs), bus)
    return conclusion, recorded


async def test_a_job_starts_when_its_own_needs_finish_not_its_level(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          quick: {runs-on: ubuntu-latest, steps: [{run: "true"}]}
          slow:
            runs-on: ubuntu-latest
            timeout-minutes: 1
            steps: [{run: 'while [ ! -f GATE ]; do sleep 0.05; done'}]
          after-quick: {needs: quick, runs-on: ubuntu-latest, steps: [{run: touch GATE}]}
        """.replace("GATE", str(tmp_path / "gate")),
        tmp_path,
    )
    # slow ends only once after-quick has run: a scheduler going level by level times out
    assert conclusion == Conclusion.SUCCESS
    assert seen.order(JobStarted, "after-quick") < seen.order(JobFinished, "slow")


async def test_capacity_bounds_jobs_running_at_once(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          a: {runs-on: ubuntu-latest, steps: [{run: "true"}]}
          b: {runs-on: ubuntu-latest, steps: [{run: "true"}]}
        """,
        tmp_path,
        capacity=1,
    )
    first, second = sorted(("a", "b"), key=lambda key: seen.order(JobStarted, key))
    assert seen.order(JobStarted, second) > seen.order(JobFinished, first)


async def test_fail_fast_cancels_the_other_legs(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy: {matrix: {n: [1, 2]}}
            steps: [{run: 'if [ ${{ matrix.n }} = 1 ]; then exit 3; else sleep 30; fi'}]
        """,
        tmp_path,
    )
    assert conclusion == Conclusion.FAILURE
    assert seen.finished("m.1").conclusion == Conclusion.FAILURE
    assert seen.finished("m.2").conclusion == Conclusion.CANCELLED


async def test_without_fail_fast_and_one_at_a_time_every_leg_runs(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy: {fail-fast: false, max-parallel: 1, matrix: {n: [1, 2, 3]}}
            steps: [{run: '[ ${{ matrix.n }} != 1 ]'}]
        """,
        tmp_path,
    )
    assert [seen.finished(f"m.{i}").conclusion for i in (1, 2, 3)] == [Conclusion.FAILURE, Conclusion.SUCCESS, Conclusion.SUCCESS]
    assert seen.order(JobStarted, "m.2") > seen.order(JobFinished, "m.1")
    assert seen.order(JobStarted, "m.3") > seen.order(JobFinished, "m.2")


async def test_step_timeout_fails_the_step_and_always_steps_still_run(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - run: sleep 30
                timeout-minutes: 0.02
              - run: echo never
              - if: always()
                run: echo cleanup-ran
        """,
        tmp_path,
    )
    outcomes = [s.conclusion for s in seen.steps("t")]
    assert outcomes == [Conclusion.FAILURE, Conclusion.SKIPPED, Conclusion.SUCCESS]
    assert "timed out" in seen.log("t") and "cleanup-ran" in seen.log("t")


async def test_job_timeout_fails_the_job_with_a_reason(tmp_path: Path) -> None:
    conclusion, seen = await run(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    timeout-minutes: 0.02\n    steps: [{run: sleep 30}]\n",
        tmp_path,
    )
    assert conclusion == Conclusion.FAILURE
    assert "timed out" in seen.finished("t").reason


async def test_needs_results_and_status_functions_decide_later_jobs(tmp_path: Path) -> None:
    conclusion, seen = await run(
        """
        on: push
        jobs:
          broken: {runs-on: ubuntu-latest, steps: [{run: exit 1}]}
          skipped-by-default: {needs: broken, runs-on: ubuntu-latest, steps: [{run: "true"}]}
          on-failure:
            needs: broken
            if: failure()
            runs-on: ubuntu-latest
            steps: [{run: 'test "${{ needs.broken.result }}" = failure'}]
          always: {needs: [skipped-by-default], if: always(), runs-on: ubuntu-latest, steps: [{run: 'test "${{ needs.skipped-by-default.result }}" = skipped'}]}
        """,
        tmp_path,
    )
    assert conclusion == Conclusion.FAILURE
    assert seen.finished("skipped-by-default").conclusion == Conclusion.SKIPPED
    assert seen.finished("on-failure").conclusion == Conclusion.SUCCESS
    assert seen.finished("always").conclusion == Conclusion.SUCCESS


async def test_cancelling_the_run_stops_steps_and_records_cancelled(tmp_path: Path) -> None:
    recorded = Recorded()
    bus = EventBus()
    bus.subscribe(recorded.events.append)
    text = "on: push\njobs:\n  s:\n    runs-on: ubuntu-latest\n    steps: [{run: echo up; sleep 60}]\n"
    task = asyncio.create_task(execute_run(request(text, tmp_path), bus))
    async with asyncio.timeout(20):
        while "up" not in recorded.log("s"):
            await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert recorded.finished("s").conclusion == Conclusion.CANCELLED
    assert [s.conclusion for s in recorded.steps("s")] == [Conclusion.CANCELLED]
    assert not list((tmp_path / "jobs").glob("baton-*")), "the job folder is removed"


PREWARM = """
on: push
jobs:
  first: {runs-on: ubuntu-latest, steps: [{run: echo first}]}
  second: {needs: first, runs-on: ubuntu-latest, steps: [{run: echo second}]}
  never: {needs: first, if: failure(), runs-on: ubuntu-latest, steps: [{run: echo never}]}
"""


async def test_a_waiting_jobs_session_opens_before_its_needs_finish(tmp_path: Path) -> None:
    seen_while_first_ran: list[str] = []

    def respond(command: Command, session: FakeSession) -> tuple[int, bytes]:
        if session.job.job_key == "first":
            seen_while_first_ran.extend(s.job.job_key for s in fake.sessions)
        return 0, b""

    fake = FakeExecutor(respond)
    req = replace(request(PREWARM, tmp_path), placement=Placement(targets={"ubuntu-latest": Target(executor="fake")}), executors={"fake": fake})
    bus = EventBus()
    conclusion = await execute_run(req, bus)
    assert conclusion == Conclusion.SUCCESS
    assert sorted(seen_while_first_ran) == ["first", "never", "second"], "both waiting jobs were prepared"
    assert all(s.is_closed for s in fake.sessions), "the unused session of the skipped job is closed too"
    never = next(s for s in fake.sessions if s.job.job_key == "never")
    assert never.commands == []


async def test_hash_files_is_read_off_the_event_loop_and_other_jobs_go_on_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from runner.engine import job_state

    loop_thread = threading.current_thread()
    release = threading.Event()
    threads: list[threading.Thread] = []
    original = job_state.hash_workspace_files

    def slow_hash(workspace: str, patterns: Sequence[str]) -> str:
        threads.append(threading.current_thread())
        assert release.wait(30), "the other job never ran while hashFiles was read"
        return original(workspace, patterns)

    monkeypatch.setattr(job_state, "hash_workspace_files", slow_hash)

    def let_go_once_the_other_job_ran(event: Event) -> None:  # called on the loop: never, if hashFiles blocks it
        if isinstance(event, JobFinished) and event.job_key == "other":
            release.set()

    recorded = Recorded()
    bus = EventBus()
    bus.subscribe(recorded.events.append)
    bus.subscribe(let_go_once_the_other_job_ran)
    text = """
    on: push
    jobs:
      hashed:
        runs-on: self-hosted
        steps:
          - run: echo hi > a.txt
          - if: hashFiles('*.txt') != ''
            run: echo "hash=${{ hashFiles('*.txt') }}"
      other:
        runs-on: self-hosted
        steps:
          - run: echo other
    """
    conclusion = await execute_run(request(text, tmp_path), bus)
    assert conclusion is Conclusion.SUCCESS
    assert threads and loop_thread not in threads, "hashFiles ran on the event loop's thread"
    assert "hash=" in recorded.log("hashed") and len(recorded.log("hashed").split("hash=")[1].strip()) == 64
