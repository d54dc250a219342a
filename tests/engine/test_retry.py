"""Retries of what the infrastructure broke: which executor errors count, the backoff, and
the engine's attempts (with the shipped fake executor, whose commands raise what a broken
session raises)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plugins.executors.docker.api import EngineError, NotFound, Unreachable
from plugins.executors.docker.engine import unreachable
from plugins.executors.docker.exec import ContainerGone
from plugins.executors.ssh.connection import ConnectionLost
from runner.api import Command, ExecutorError, InfrastructureError, MissingPathError
from runner.engine import execute_run
from runner.engine.placement import Placement, Target
from runner.engine.retry import RetryPolicy
from runner.errors import BatonError, is_infrastructure_failure
from runner.events import Event, EventBus, JobFinished, JobRetrying
from runner.status import Conclusion
from runner.testing import FakeExecutor, FakeSession
from tests.engine.test_scheduler import request


@pytest.mark.parametrize(("error", "is_retried"), [
    (ExecutorError("image name is invalid"), False),
    (MissingPathError("cannot download /x: it does not exist in the session"), False),
    (ExecutorError("a pull failed", is_infrastructure=True), True),
    (InfrastructureError("host gone"), True),
    (InfrastructureError("said otherwise", is_infrastructure=False), False),
    (ContainerGone("the job container abc disappeared"), True),
    (ConnectionLost("lost connection to box (127.0.0.1:22)"), True),
    (unreachable(), True),
    (BatonError("not an executor's"), False),
    (ValueError("a bug"), False),
])  # fmt: skip
def test_which_executor_errors_are_the_infrastructures(error: Exception, is_retried: bool) -> None:
    assert is_infrastructure_failure(error) is is_retried


@pytest.mark.parametrize(("error", "is_fault"), [
    (EngineError("failed", 500), True),   # the engine (or the registry behind a pull) failed
    (EngineError("unavailable", 503), True),
    (NotFound("no such image", 404), False),  # no such image, container, network
    (EngineError("bad reference", 400), False),  # a bad reference or option
    (EngineError("conflict", 409), False),  # a conflict with what exists
    (EngineError("a pull said so", 200), False),  # an error in a pull's progress: the registry refused
    (Unreachable("refused"), True),
])  # fmt: skip
def test_docker_engine_faults_are_told_from_refusals(error: EngineError, is_fault: bool) -> None:
    assert error.is_engine_fault is is_fault


@pytest.mark.parametrize(("policy", "waits"), [
    (RetryPolicy(), [1.0, 2.0, 4.0, 8.0]),
    (RetryPolicy(delay=0.5, max_delay=3.0), [0.5, 1.0, 2.0, 3.0]),
    (RetryPolicy(delay=0.0), [0.0, 0.0, 0.0, 0.0]),
])  # fmt: skip
def test_backoff_doubles_up_to_its_cap(policy: RetryPolicy, waits: list[float]) -> None:
    assert [policy.wait_before(n) for n in range(1, 5)] == waits


def test_retry_settings_default_to_one_retry_after_a_second() -> None:
    assert RetryPolicy.configured(None, None) == RetryPolicy(retries=1, delay=1.0)
    assert RetryPolicy.configured(0, 0.25).attempts == 1


ONE_JOB = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
"""


async def _run(tmp_path: Path, breaks: list[Exception | int], retries: int) -> tuple[Conclusion, list[Event], FakeExecutor]:
    """Run ONE_JOB where the n-th session's step raises ``breaks[n]`` (or exits with it)."""

    def respond(command: Command, session: FakeSession) -> tuple[int, bytes]:
        index = fake.sessions.index(session)
        outcome = breaks[index] if index < len(breaks) else 0
        if isinstance(outcome, Exception):
            raise outcome
        return outcome, b""

    fake = FakeExecutor(respond)
    req = replace(request(ONE_JOB, tmp_path), placement=Placement(targets={"ubuntu-latest": Target(executor="fake")}),
                  executors={"fake": fake}, retry=RetryPolicy(retries=retries, delay=0.0))
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    conclusion = await execute_run(req, bus)
    assert req.capacity.busy("any") == 0 and all(s.is_closed for s in fake.sessions)
    return conclusion, events, fake


async def test_a_broken_session_is_retried_as_the_next_attempt(tmp_path: Path) -> None:
    conclusion, events, fake = await _run(tmp_path, [InfrastructureError("host gone")], retries=2)
    assert conclusion is Conclusion.SUCCESS
    assert len(fake.sessions) == 2
    (retrying,) = [e for e in events if isinstance(e, JobRetrying)]
    assert (retrying.attempt, retrying.attempts, retrying.reason) == (1, 3, "host gone")


async def test_retries_end_with_the_last_attempt_failing_for_what_broke(tmp_path: Path) -> None:
    conclusion, events, fake = await _run(tmp_path, [InfrastructureError("gone 1"), InfrastructureError("gone 2")], retries=1)
    assert conclusion is Conclusion.FAILURE
    assert len(fake.sessions) == 2
    (finished,) = [e for e in events if isinstance(e, JobFinished)]
    assert finished.reason == "gone 2"


@pytest.mark.parametrize("outcome", [1, ExecutorError("the job asked for the impossible")])
async def test_a_steps_own_failure_or_the_jobs_mistake_is_not_retried(tmp_path: Path, outcome: Exception | int) -> None:
    conclusion, events, fake = await _run(tmp_path, [outcome], retries=3)
    assert conclusion is Conclusion.FAILURE
    assert len(fake.sessions) == 1
    assert not [e for e in events if isinstance(e, JobRetrying)]
