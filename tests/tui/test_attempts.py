"""The dashboard on a run whose job was retried: the job says which attempt it shows, and
its log is that attempt's."""

from __future__ import annotations

from pathlib import Path

from runner.events import EventBus
from runner.store import Recorder
from runner.tui.screens.run import RunScreen
from runner.tui.widgets.job_tree import JobTree
from runner.tui.widgets.log_view import LogView
from tests.store.events import publish, retried_run
from tests.tui.conftest import make_app
from tests.tui.test_app import until


async def test_a_retried_job_shows_its_attempt_and_the_latest_attempts_log(
        home: Path, recorder: tuple[Recorder, EventBus]) -> None:
    rec, bus = recorder
    publish(bus, retried_run("retried0001"))
    rec.flush(timeout=5)
    async with make_app(home).run_test(size=(160, 45)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key is not None)
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        label = str(screen.query_one(JobTree).root.children[0].label)
        assert "Build" in label and "attempt 2" in label
        view = screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count >= 2)
        assert "attempt two's line" in view.job_log.steps[0].line(0)
