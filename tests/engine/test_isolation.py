"""One job's failure, or a bug in baton while running it, never cancels an unrelated job:
deeply nested JSON fails only its step, a crashing action only its step, a crashing
session only its job; the run goes on and every job is recorded."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path

from plugins.executors.local import LocalExecutor
from runner.api import ActionCall, ActionResult, JobSpec, Session
from runner.engine import execute_run
from runner.events import EventBus, JobFinished, StepFinished
from runner.status import Conclusion
from tests.engine.test_scheduler import Recorded, request


class Boom:
    """A native action with a bug: it raises after leaving a flag for the unrelated job."""

    names = ("test/boom",)

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        self.flag.touch()
        raise RuntimeError("a bug in an action")


class CrashingExecutor(LocalExecutor):
    """The local executor, except that the session of job ``crash`` dies of a bug."""

    def session(self, job: JobSpec) -> AbstractAsyncContextManager[Session]:
        if job.job_key == "crash":
            raise KeyError("a bug in an executor")
        return super().session(job)


async def test_a_bug_or_deep_json_fails_only_its_step_or_job(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    text = f"""
        on: push
        jobs:
          deep:
            runs-on: ubuntu-latest
            steps:
              - id: s
                run: printf 'deep=%s\\n' "$(head -c 1200 /dev/zero | tr '\\0' '[')" >> "$GITHUB_OUTPUT"
              - run: echo "${{{{ fromJSON(steps.s.outputs.deep) }}}}"
              - if: always()
                run: echo still here
          boom:
            runs-on: ubuntu-latest
            steps:
              - uses: test/boom@v1
              - if: always()
                run: echo after the bug
          crash: {{runs-on: ubuntu-latest, steps: [{{run: "true"}}]}}
          other:
            runs-on: ubuntu-latest
            steps: [{{run: "until [ -e {flag} ]; do sleep 0.01; done; echo other done"}}]
        """
    base = request(textwrap.dedent(text), tmp_path)
    executor = CrashingExecutor({"host_dir": str(tmp_path / "jobs"), "grace_seconds": 1})
    req = replace(base, executors={"local": executor}, actions={"test/boom": Boom(flag)})
    seen = Recorded()
    bus = EventBus()
    bus.subscribe(seen.events.append)
    conclusion = await execute_run(req, bus)
    assert conclusion == Conclusion.FAILURE
    assert seen.finished("other").conclusion == Conclusion.SUCCESS
    assert "other done" in seen.log("other")
    assert [s.conclusion for s in seen.steps("deep")] == [Conclusion.SUCCESS, Conclusion.FAILURE, Conclusion.SUCCESS]
    assert "Error parsing fromJson: The reader's MaxDepth of 64 has been exceeded" in seen.log("deep")
    assert [s.conclusion for s in seen.steps("boom")] == [Conclusion.FAILURE, Conclusion.SUCCESS]
    assert "RuntimeError: a bug in an action" in seen.log("boom") and "after the bug" in seen.log("boom")
    crash = seen.finished("crash")
    assert crash.conclusion == Conclusion.FAILURE and "KeyError" in crash.reason and "bug in baton" in crash.reason
    assert "Traceback" not in "".join(seen.log(key) for key in ("deep", "boom", "crash", "other"))
    assert not [e for e in seen.events if isinstance(e, StepFinished) and e.conclusion == Conclusion.CANCELLED]
    assert {e.job_key for e in seen.events if isinstance(e, JobFinished)} == {"deep", "boom", "crash", "other"}
