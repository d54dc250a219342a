"""The event bus: a subscriber that fails is removed and logged once; the run goes on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from runner.engine import execute_run
from runner.events import Event, EventBus, RunFinished, StepFinished, StepStarted
from runner.status import Conclusion, RunId
from tests.engine.test_scheduler import request


async def test_a_failing_subscriber_does_not_stop_the_run_nor_the_other_subscribers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[Event] = []

    def broken_pipe(event: Event) -> None:
        calls.append(event)
        if isinstance(event, StepStarted):
            raise BrokenPipeError(32, "Broken pipe")

    seen: list[Event] = []
    bus = EventBus()
    bus.subscribe(broken_pipe)
    bus.subscribe(seen.append)
    text = """
        on: push
        jobs:
          a: {runs-on: ubuntu-latest, steps: [{run: echo one}, {run: echo two}]}
    """
    with caplog.at_level(logging.ERROR, logger="baton.events"):
        conclusion = await execute_run(request(text, tmp_path), bus)
    assert conclusion == Conclusion.SUCCESS
    assert [e.conclusion for e in seen if isinstance(e, StepFinished)] == [Conclusion.SUCCESS] * 2
    assert isinstance(seen[-1], RunFinished)
    assert isinstance(calls[-1], StepStarted), "the failed subscriber gets nothing more"
    [record] = caplog.records
    assert "broken_pipe, which failed: BrokenPipeError" in record.getMessage()


def test_unsubscribing_twice_is_harmless() -> None:
    bus = EventBus()
    gone: list[Event] = []
    staying: list[Event] = []
    unsubscribe = bus.subscribe(gone.append)
    bus.subscribe(staying.append)
    unsubscribe()
    unsubscribe()
    event = RunFinished(run_id=RunId("1"), conclusion=Conclusion.SUCCESS, at=0.0)
    bus.publish(event)
    assert gone == [] and staying == [event]
