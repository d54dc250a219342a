"""``baton ui``'s actions through the real service: F re-runs a run's failed jobs, c then y
cancels a run of the service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from runner.cli.ui import dashboard
from runner.status import Conclusion
from runner.store import RunRecord, Store, list_runs
from runner.tui.screens.confirm import ConfirmScreen
from runner.tui.widgets.runs_table import RunsTable
from tests.watch.conftest import Remote
from tests.watch.test_api import Service, services, wait_until  # noqa: F401 - services is a fixture

WORKFLOW = """\
name: CI
on: push
jobs:
  ok:
    runs-on: self-hosted
    steps:
      - run: echo fine
  flaky:
    runs-on: self-hosted
    steps:
      - run: test -f {marker} || exit 1; test -f {slow} && sleep 60 || true
"""


async def until(pilot: Pilot[None], holds: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not holds():
        assert time.monotonic() < deadline, "not in time"
        await pilot.pause(0.05)


def runs(home: Path) -> list[RunRecord]:
    with Store.open(home) as store:
        return list(list_runs(store, 10))


async def test_f_reruns_the_failed_jobs_and_c_y_cancels_a_run_of_the_service(
    remote: Remote, home: Path, tmp_path: Path, services: Callable[[Path, Path], Service]
) -> None:
    marker, slow = tmp_path / "marker", tmp_path / "slow"
    services(home, remote.bare)
    from runner.cli import main

    assert main(["hook", "install", str(remote.bare)]) == 0
    remote.commit({".github/workflows/ci.yml": WORKFLOW.format(marker=marker, slow=slow)}, "the workflow")
    remote.push("main")
    await asyncio.to_thread(wait_until, lambda: [r for r in runs(home) if r.is_completed], 60, "the first run ended")
    marker.touch()
    slow.touch()
    app = dashboard(home)
    async with app.run_test(size=(160, 45)) as pilot:
        table = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: table.row_count == 1)
        message = pilot.app.screen.query_one("#message", Static)
        await pilot.press("F")
        await until(pilot, lambda: "re-running run #1 (its failed jobs) as its attempt 2" in str(message.render()))
        await until(pilot, lambda: any(r.attempt == 2 and r.started_at and not r.is_completed for r in runs(home)))
        await pilot.press("home")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        # the service may end the run before this looks: then its final state has replaced the line
        said = ("cancelling run", "run #1 has ended: ⊘ cancelled")
        await until(pilot, lambda: any(text in str(message.render()) for text in said))
        await until(pilot, lambda: all(r.is_completed for r in runs(home)), 30)
        await until(pilot, lambda: said[1] in str(message.render()))
        await pilot.press("q")
    (again,) = runs(home)  # the same run, its attempt 2 cancelled
    assert (again.number, again.attempt, again.conclusion) == (1, 2, Conclusion.CANCELLED)


DISPATCHED = """\
name: Deploy
on:
  workflow_dispatch:
    inputs:
      who: {type: string, required: true, description: who asks}
      loud: {type: boolean, default: true}
      size: {type: choice, options: [s, m, l], default: m}
jobs:
  go:
    runs-on: self-hosted
    steps:
      - run: echo "${{ inputs.who }} ${{ inputs.loud }} ${{ inputs.size }}"
"""


async def test_d_dispatches_through_a_form_of_the_workflows_typed_inputs(
    remote: Remote, home: Path, services: Callable[[Path, Path], Service]
) -> None:
    from textual.widgets import Checkbox, Input, Select

    from runner.tui.screens.dispatch import DispatchScreen

    app = dashboard(home)
    async with app.run_test(size=(160, 45)) as pilot:
        message = pilot.app.screen.query_one("#message", Static)
        await pilot.press("d")
        await until(pilot, lambda: "dispatching a workflow needs `baton watch` running" in str(message.render()))
        await pilot.press("q")
    remote.commit({".github/workflows/deploy.yml": DISPATCHED}, "deployable")
    remote.push("main")
    services(home, remote.bare)
    app = dashboard(home)
    async with app.run_test(size=(160, 45)) as pilot:
        message = pilot.app.screen.query_one("#message", Static)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(pilot.app.screen, DispatchScreen) and bool(pilot.app.screen.query("#input-size")))
        form = pilot.app.screen
        assert isinstance(form, DispatchScreen)
        assert [(f.repo, f.name, f.workflow) for f in form.forms] == [("app", "Deploy", ".github/workflows/deploy.yml")]
        assert [(i.name, i.type, i.is_required, i.default) for i in form.forms[0].inputs] == [
            ("who", "string", True, ""), ("loud", "boolean", False, "true"), ("size", "choice", False, "m")
        ]
        assert form.query_one("#input-loud", Checkbox).value is True
        assert form.query_one("#input-size", Select).value == "m"
        form.query_one("#input-who", Input).value = "ops"
        form.query_one("#input-loud", Checkbox).value = False
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "dispatched .github/workflows/deploy.yml of app: run" in str(message.render()), 30)
        await until(pilot, lambda: any(r.is_completed for r in runs(home)), 30)
        await pilot.press("q")
    (run,) = runs(home)
    assert run.conclusion is Conclusion.SUCCESS
    assert run.trigger["inputs"] == {"who": "ops", "loud": "false", "size": "m"}
