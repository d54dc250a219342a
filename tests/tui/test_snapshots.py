"""Snapshots of the main screens at a fixed size, over a fixed store and a fixed clock.

Update them after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from runner.tui.screens.run import RunScreen
from runner.tui.widgets.runs_table import RunsTable
from tests.tui.conftest import make_app
from tests.tui.test_app import until

Snap = Callable[..., bool]


async def _listed(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.screen.query_one(RunsTable).row_count == 3)


def test_runs_list(filled: Path, snap_compare: Snap) -> None:
    assert snap_compare(make_app(filled), terminal_size=(100, 24), run_before=_listed)


def test_empty_store(home: Path, snap_compare: Snap) -> None:
    async def shown(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.5)

    assert snap_compare(make_app(home), terminal_size=(80, 24), run_before=shown)


def test_run_view_of_a_failed_run(filled: Path, snap_compare: Snap) -> None:
    async def opened(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, RunScreen) and pilot.app.screen.job_key == "lint")
        await pilot.pause(0.5)

    assert snap_compare(make_app(filled, first_run="100000000002"), terminal_size=(120, 30), run_before=opened)


def test_help(filled: Path, snap_compare: Snap) -> None:
    async def helped(pilot: Pilot[Any]) -> None:
        await _listed(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(make_app(filled), terminal_size=(120, 40), run_before=helped)
