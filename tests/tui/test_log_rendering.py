"""What step output looks like in the dashboard: ANSI colours rendered, ``::error`` and
``::warning`` annotations marked, control sequences never reaching the terminal, long lines
wrapped on ``w``; and a run of 256 matrix legs, at 80×24 and resized live."""

from __future__ import annotations

from pathlib import Path

from textual.strip import Strip

from runner.events import EventBus, JobQueued, JobStarted, LogLines, StepStarted
from runner.status import RunId
from runner.store import Recorder
from runner.tui.screens.run import RunScreen
from runner.tui.widgets.job_tree import JobTree
from runner.tui.widgets.log_view import LogView
from tests.store.events import T0, publish, run_started
from tests.tui.conftest import make_app, running_run
from tests.tui.test_app import until

RID = "100000000009"
LONG = "x" * 150


def _text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip).rstrip()


async def test_colours_marks_and_no_control_sequences_and_w_wraps(home: Path, recorder: tuple[Recorder, EventBus]) -> None:
    rec, bus = recorder
    publish(bus, running_run(RID, at=T0))
    bus.publish(LogLines(run_id=RunId(RID), job_key="deploy", index=0, lines=(
        "\x1b[31mred words\x1b[0m", "##[error]broke here", "##[warning]careful",
        "\x1b]0;pwned\x07title \x1b[2Jcleared\x1b[H", LONG,
    )))
    rec.flush()
    async with make_app(home, first_run=RID).run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key == "deploy")
        view = pilot.app.screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count == 106)
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y)
        rows = {(text := _text(view.render_line(y))): view.render_line(y) for y in range(view.size.height)}
        red = next(strip for text, strip in rows.items() if text.endswith("red words"))
        assert any(s.text == "red words" and s.style is not None and s.style.color is not None  # ANSI colour 1: red
                   and s.style.color.number == 1 for s in red), "the ANSI colour is rendered, not shown as codes"
        assert any(text.endswith("✗ broke here") for text in rows) and any(text.endswith("⚠ careful") for text in rows)
        shown = "".join(rows)
        assert "\x1b" not in shown and "\x07" not in shown, "no control character reaches the terminal"
        assert any(text.startswith("  \\x1b]0;pwned\\x07title \\x1b[2J") for text in rows), "they show, escaped"
        assert sum("xxxx" in text for text in rows) == 1, "unwrapped: the long line is one row, cut at the edge"

        view.focus()
        await pilot.press("w")
        await until(pilot, lambda: sum("xxxx" in _text(view.render_line(y)) for y in range(view.size.height)) > 1)
        wrapped = "".join(_text(view.render_line(y)).strip() for y in range(view.size.height) if "xxxx" in _text(view.render_line(y)))
        assert wrapped == LONG, "wrapped, the whole line shows over several rows"
        await pilot.press("w")
        await until(pilot, lambda: sum("xxxx" in _text(view.render_line(y)) for y in range(view.size.height)) == 1)


async def test_a_run_of_256_matrix_legs_groups_them_and_stays_usable_when_resized(
    home: Path, recorder: tuple[Recorder, EventBus]
) -> None:
    rec, bus = recorder
    rid = RunId(RID)
    legs = [
        JobQueued(run_id=rid, job_key=f"test.{n}", job_id="test", name=f"test ({n})", needs=(), matrix={"n": str(n)})
        for n in range(1, 257)
    ]
    publish(bus, [run_started(RID, at=T0), *legs,
                  JobStarted(run_id=rid, job_key="test.200", executor="local", at=T0 + 1),
                  StepStarted(run_id=rid, job_key="test.200", index=0, name="Run", at=T0 + 1),
                  LogLines(run_id=rid, job_key="test.200", index=0, lines=("leg two hundred",))])  # fmt: skip
    rec.flush()
    async with make_app(home, first_run=RID).run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key is not None)
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        tree = screen.query_one(JobTree)
        await until(pilot, lambda: len(tree.root.children) == 1 and len(tree.root.children[0].children) == 256)
        assert "test" in str(tree.root.children[0].label), "the legs are grouped under their job"
        assert screen.job_key == "test.200", "the running leg's log shows by default"
        tree.focus()
        before = tree.cursor_line
        await pilot.press("down", "down", "down")
        assert tree.cursor_line == before + 3
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert pilot.app.size == (120, 40) and screen.query_one(LogView).size.width > 0
        await pilot.resize_terminal(80, 24)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, RunScreen))


async def test_the_log_has_a_horizontal_scrollbar_only_for_a_line_wider_than_it_unwrapped(
    home: Path, recorder: tuple[Recorder, EventBus]
) -> None:
    rec, bus = recorder
    publish(bus, running_run(RID, at=T0))  # a hundred short lines
    rec.flush()
    async with make_app(home, first_run=RID).run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key == "deploy")
        view = pilot.app.screen.query_one(LogView)
        await until(pilot, lambda: view.job_log.row_count == 101 and view.scroll_y == view.max_scroll_y)
        assert not view.show_horizontal_scrollbar, "every line fits: nothing to scroll sideways"
        assert view.max_scroll_x == 0
        await pilot.press("w")
        assert view.is_wrapped and not view.show_horizontal_scrollbar
        await pilot.press("w")
        assert not view.is_wrapped and not view.show_horizontal_scrollbar

        bus.publish(LogLines(run_id=RunId(RID), job_key="deploy", index=0, lines=(LONG,)))
        rec.flush()
        await until(pilot, lambda: view.show_horizontal_scrollbar)
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y)  # still following: the last line above the scrollbar
        assert view.max_scroll_x == 2 + len(LONG) - view.scrollable_content_region.width, "sideways as far as the long line goes"
        view.focus()
        await pilot.press("w")
        assert not view.show_horizontal_scrollbar, "wrapped: nothing is wider than the view"
        await until(pilot, lambda: sum("xxxx" in _text(view.render_line(y)) for y in range(view.size.height)) > 1)
        beside_scrollbar = view.scrollable_content_region.width
        assert all(len(_text(view.render_line(y))) <= beside_scrollbar for y in range(view.size.height)), \
            "no wrapped row runs under the vertical scrollbar"
        await pilot.press("w")
        assert view.show_horizontal_scrollbar
        await until(pilot, lambda: sum("xxxx" in _text(view.render_line(y)) for y in range(view.size.height)) == 1)
