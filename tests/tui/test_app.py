"""The dashboard driven by Textual's Pilot over a real store: every screen, key and action."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from runner.events import EventBus
from runner.status import Conclusion
from runner.store import Recorder
from runner.store.records import RunRecord
from runner.tui.access import Access
from runner.tui.app import BatonApp
from runner.tui.control import LocalControl
from runner.tui.feed import StoreFeed
from runner.tui.screens.confirm import ConfirmScreen
from runner.tui.screens.help import HelpScreen
from runner.tui.screens.run import RunScreen
from runner.tui.screens.runs import RunsScreen, parse_filter
from runner.tui.widgets.job_tree import JobTree, Pick
from runner.tui.widgets.log_view import LogView
from runner.tui.widgets.runs_table import RunsTable
from tests.store.events import T0, publish, whole_run
from tests.tui.conftest import NOW, make_app


async def until(pilot: Pilot[None], holds: Callable[[], bool], seconds: float = 5.0) -> None:
    """Let the app work until ``holds()`` (it polls the store on timers)."""
    deadline = time.monotonic() + seconds
    while not holds():
        assert time.monotonic() < deadline, "the dashboard did not get there in time"
        await pilot.pause(0.05)


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_an_empty_store_says_how_to_start_a_run(home: Path) -> None:
    async with make_app(home).run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query_one("#empty", Static).display)
        assert "baton run" in text_of(pilot.app.screen.query_one("#empty", Static))
        await pilot.press("q")
    assert pilot.app.return_code in (0, None)


async def test_runs_are_listed_newest_first_with_the_cursor_on_the_newest(filled: Path) -> None:
    async with make_app(filled).run_test(size=(160, 45)) as pilot:
        table = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: table.row_count == 3)
        assert [str(table.get_row_at(n)[1]) for n in range(3)] == ["3", "2", "1"]
        assert table.selected is not None and table.selected.number == 3
        row = table.get_row_at(1)
        assert "feature" in row and "CI" in row and "0123456" in row and "push" in row


async def test_a_new_run_appears_live_and_the_cursor_follows_it(filled: Path, recorder: tuple[Recorder, EventBus]) -> None:
    rec, bus = recorder
    async with make_app(filled).run_test(size=(160, 45)) as pilot:
        table = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: table.row_count == 3)
        publish(bus, whole_run("100000000004", at=T0 + 300))
        rec.flush()
        await until(pilot, lambda: table.row_count == 4, seconds=1.5)
        assert table.selected is not None and table.selected.number == 4
        # once the user moves the cursor, a newer run does not take it away
        await pilot.press("down")
        publish(bus, whole_run("100000000005", at=T0 + 400))
        rec.flush()
        await until(pilot, lambda: table.row_count == 5, seconds=1.5)
        assert table.selected is not None and table.selected.number == 3


async def test_filters_and_search_narrow_the_list(filled: Path) -> None:
    assert parse_filter("repo:app status:failure branch:main wf:CI words here").status == "failure"
    async with make_app(filled).run_test(size=(160, 45)) as pilot:
        table = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("f")
        await pilot.press(*"failure", "enter")  # the field starts with "status:"
        await until(pilot, lambda: table.row_count == 1)
        assert table.selected is not None and table.selected.conclusion == Conclusion.FAILURE
        await pilot.press("escape")
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("slash", *"v1.0", "enter")
        await until(pilot, lambda: table.row_count == 1)
        assert table.selected is not None and table.selected.number == 3


async def test_enter_shows_the_run_failures_first_and_its_failed_log(filled: Path) -> None:
    async with make_app(filled).run_test(size=(160, 45)) as pilot:
        table = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key is not None)
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        tree = screen.query_one(JobTree)
        first = tree.root.children[0]
        assert "lint" in str(first.label) and "✗" in str(first.label) and "◀ build" in str(first.label)
        assert screen.job_key == "lint"  # the failed job's log shows by default
        view = screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count == 4)
        shown = [view.job_log.steps[0].line(n) for n in range(3)]
        assert shown[2].startswith("##[error]lint found 1 problem")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, RunsScreen)


async def test_the_log_folds_groups_searches_and_jumps_to_the_first_failure(filled: Path) -> None:
    async with make_app(filled, first_run="100000000002").run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key is not None)
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        tree = screen.query_one(JobTree)
        node = tree.node_of(Pick("build"))
        assert node is not None
        tree.move_cursor(node)
        view = screen.query_one(LogView)
        await until(pilot, lambda: screen.job_key == "build" and view.job_log.row_count == 3)  # header, folded group, "built"
        view.focus()
        view.cursor = 1  # the group's title row
        await pilot.press("enter")
        assert view.job_log.row_count == 6  # unfolded: -O2, -g and the end line show
        await pilot.press("slash", *"-g", "enter")
        assert view.matches and view.job_log.steps[view.matches[0].step].line(view.matches[0].line) == "-g"
        await pilot.press("r")
        await until(pilot, lambda: screen.job_key == "lint")
        failed_step = tree.node_of(Pick("lint", 0))
        assert tree.cursor_node is failed_step
        assert view.cursor == 0 and not view.is_following  # at the failed step's header


async def test_a_live_log_follows_and_scrolling_up_pauses_it(home: Path, recorder: tuple[Recorder, EventBus]) -> None:
    from runner.events import LogLines
    from runner.status import RunId
    from tests.tui.conftest import running_run

    rec, bus = recorder
    publish(bus, running_run("100000000009", at=T0))
    rec.flush()
    async with make_app(home, first_run="100000000009").run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key == "deploy")
        view = pilot.app.screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count == 101)
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y)
        bus.publish(LogLines(run_id=RunId("100000000009"), job_key="deploy", index=0, lines=tuple(f"more {n}" for n in range(50))))
        rec.flush()
        await until(pilot, lambda: view.job_log.row_count == 151 and view.scroll_y == view.max_scroll_y)
        view.focus()
        await pilot.press("pageup")
        assert not view.is_following
        bus.publish(LogLines(run_id=RunId("100000000009"), job_key="deploy", index=0, lines=("late",) * 7))
        rec.flush()
        await until(pilot, lambda: view.unseen == 7)
        assert "7 new lines" in str(pilot.app.screen.query_one("#logstatus", Static).render())
        await pilot.press("end")
        assert view.is_following and view.scroll_y == view.max_scroll_y


async def test_t_shows_when_each_line_arrived(home: Path, recorder: tuple[Recorder, EventBus]) -> None:
    from datetime import datetime

    from runner.events import LogLines
    from runner.status import RunId
    from runner.store.linetimes import entry, times_path
    from tests.tui.conftest import running_run

    rec, bus = recorder
    publish(bus, running_run("100000000009", at=T0))
    rec.flush()
    bus.publish(LogLines(run_id=RunId("100000000009"), job_key="deploy", index=0, lines=("stamped",)))
    rec.flush()
    side = next((home / "logs").rglob("*.times"))
    assert times_path(side.with_name(side.name.removesuffix(".times"))) == side
    side.write_text(entry(100, T0 + 5.25))  # the first 100 lines: as if written before side files existed
    arrived = datetime.fromtimestamp(T0 + 5.25).strftime("%H:%M:%S.%f")[:12]
    async with make_app(home, first_run="100000000009").run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key == "deploy")
        view = pilot.app.screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count == 102)
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y)

        def shown(y: int) -> str:
            return "".join(segment.text for segment in view.render_line(y)).rstrip()

        last = next(y for y in range(view.size.height) if shown(y).endswith("stamped"))
        assert shown(last) == "  stamped"
        await pilot.press("t")  # the jobs have focus: the run view passes it on
        assert shown(last) == f"{arrived}  stamped"
        assert shown(last - 1) == " " * 12 + "  uploading part 100"  # no time recorded for it
        view.focus()
        await pilot.press("t")
        assert shown(last) == "  stamped"


async def test_help_shows_every_key_and_the_palette_lists_the_actions(filled: Path) -> None:
    async with make_app(filled).run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        commands = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert {"Cancel run", "Re-run", "Re-run failed jobs", "Keys"} <= set(commands)


async def test_c_then_y_cancels_a_run_of_a_live_baton_process(home: Path, recorder: tuple[Recorder, EventBus]) -> None:
    """The control sends the run's process SIGTERM, as Ctrl-C would; here a real process stands in."""
    from dataclasses import replace

    import runner.tui.screens.actions as actions

    rec, bus = recorder
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        publish(bus, whole_run("100000000007", at=T0)[:3])  # started, not finished
        rec.flush()
        app = make_app(home)
        async with app.run_test(size=(120, 40)) as pilot:
            table = pilot.app.screen.query_one(RunsTable)
            await until(pilot, lambda: table.row_count == 1)
            screen = pilot.app.screen
            assert isinstance(screen, actions.RunActionScreen)
            original = screen._selected

            async def selected() -> object:  # the recorded pid is this test's; point it at the stand-in
                run = await original()
                return replace(run, pid=sleeper.pid) if run is not None else None

            screen._selected = selected  # type: ignore[method-assign]
            await pilot.press("c")
            await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
            await pilot.press("y")
            await asyncio.to_thread(sleeper.wait, 10)
            assert sleeper.returncode == -15
            await until(pilot, lambda: "cancelling run #1" in str(screen.query_one("#message", Static).render()))
    finally:
        sleeper.kill()
        sleeper.wait()


class StandInControl(LocalControl):
    """Cancels nothing itself: the test ends the run through the recorder, as the engine would."""

    def __init__(self) -> None:
        self.cancelled: list[str] = []

    def cancel(self, run: RunRecord) -> str:
        self.cancelled.append(run.id)
        return f"cancelling run #{run.number}: stopping its steps and removing what it made"


async def test_the_message_line_shows_the_final_state_once_the_cancelled_run_has_ended(
    home: Path, recorder: tuple[Recorder, EventBus]
) -> None:
    rec, bus = recorder
    events = whole_run("100000000008", conclusion=Conclusion.CANCELLED, at=T0)
    publish(bus, events[:3])  # started, not finished
    rec.flush()
    control = StandInControl()
    app = BatonApp(Access(StoreFeed(home), control, clock=lambda: NOW), first_run="100000000008")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.detail is not None)
        screen = pilot.app.screen
        message = screen.query_one("#message", Static)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "cancelling run #1" in text_of(message))
        assert control.cancelled == ["100000000008"]
        publish(bus, events[3:])  # the run ends, cancelled
        rec.flush()
        await until(pilot, lambda: "cancelling" not in text_of(message))
        assert text_of(message) == "run #1 has ended: ⊘ cancelled"


async def test_a_newer_message_is_not_replaced_when_the_cancelled_run_ends(
    home: Path, recorder: tuple[Recorder, EventBus]
) -> None:
    rec, bus = recorder
    events = whole_run("100000000008", conclusion=Conclusion.CANCELLED, at=T0)
    publish(bus, events[:3])
    rec.flush()
    app = BatonApp(Access(StoreFeed(home), StandInControl(), clock=lambda: NOW), first_run="100000000008")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.detail is not None)
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        message = screen.query_one("#message", Static)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "cancelling run #1" in text_of(message))
        screen.say("something else")
        publish(bus, events[3:])
        rec.flush()
        await until(pilot, lambda: "⊘ cancelled" in str(screen.query_one("#title", Static).render()))
        await until(pilot, lambda: not [w for w in pilot.app.workers if w.node is screen and not w.is_finished])
        assert text_of(message) == "something else"
