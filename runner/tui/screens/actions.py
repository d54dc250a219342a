"""Cancel, re-run and dispatch, shared by the screens that show a run (the list and the run view)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from runner.errors import BatonError
from runner.store.records import RunRecord
from runner.tui.access import Access
from runner.tui.feed import outcome_word
from runner.tui.look import labelled

SETTLE_SECONDS = 0.4
"""How often a run being cancelled is read again, until it has ended."""


class RunActionScreen(Screen[None]):
    """A screen with a selected run (``selected_run_id``) and a ``#message`` line."""

    BINDINGS = [
        Binding("c", "cancel_run", "Cancel"),
        Binding("R", "rerun", "Re-run"),
        Binding("F", "rerun_failed", "Re-run failed"),
        Binding("d", "dispatch", "Dispatch", show=False),  # in the help and the palette: the footer is full
    ]

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access
        """The feed and the actions."""
        self._said = ""
        """What the ``#message`` line shows."""

    def selected_run_id(self) -> str | None:
        """The run the actions apply to (each screen says which)."""
        raise NotImplementedError

    async def action_cancel_run(self) -> None:
        """Ask, then cancel the selected run."""
        from runner.tui.screens.confirm import ConfirmScreen

        run = await self._selected()
        if run is None:
            return
        if run.is_completed:
            self.say(f"run #{run.number} has already ended")
            return

        def decided(is_yes: bool | None) -> None:
            if is_yes:
                self.run_worker(self._cancel(run))

        self.app.push_screen(ConfirmScreen(f"Cancel run #{run.number} ({run.workflow})?"), decided)

    async def action_rerun(self) -> None:
        """Re-run the selected run."""
        run = await self._selected()
        if run is not None:
            await self._act(lambda: self.access.control.rerun(run, is_failed_only=False))

    async def action_rerun_failed(self) -> None:
        """Re-run the selected run's failed jobs (and those that need them)."""
        run = await self._selected()
        if run is not None:
            await self._act(lambda: self.access.control.rerun(run, is_failed_only=True))

    async def action_dispatch(self) -> None:
        """The dispatch form, built from the service's dispatchable workflows."""
        from runner.tui.screens.dispatch import Dispatch, DispatchScreen

        control = self.access.control
        try:
            forms = await self.access.ask(control.dispatch_forms)
        except BatonError as exc:
            self.say(f"[red]{exc}[/red]")
            return
        if not forms:
            self.say("no workflow of the watched repositories has 'on: workflow_dispatch'")
            return

        def submitted(asked: Dispatch | None) -> None:
            if asked is not None:
                self.run_worker(self._act(
                    lambda: control.dispatch(asked.form.repo, asked.form.workflow, ref=asked.ref, inputs=asked.inputs)
                ))  # fmt: skip

        self.app.push_screen(DispatchScreen(forms), submitted)

    def say(self, text: str) -> None:
        """Show one line at the bottom of the screen."""
        self._said = text
        self.query_one("#message", Static).update(text)

    async def _selected(self) -> RunRecord | None:
        run_id = self.selected_run_id()
        if run_id is None:
            return None
        detail = await self.access.ask(self.access.feed.run, run_id)
        return detail.run if detail is not None else None

    async def _act(self, action: Callable[[], str]) -> str | None:
        """Do ``action`` in the feed's thread and show what it said; that, or None if it failed."""
        try:
            said = await self.access.ask(action)
        except BatonError as exc:
            self.say(f"[red]{exc}[/red]")
            return None
        self.say(said)
        return said

    async def _cancel(self, run: RunRecord) -> None:
        """Cancel ``run``; once it has ended, its final state replaces "cancelling run #N"
        (unless the line shows something else by then)."""
        said = await self._act(lambda: self.access.control.cancel(run))
        if said is None:
            return
        while True:
            detail = await self.access.ask(self.access.feed.run, run.id)
            if detail is None or detail.run.is_completed:
                break
            await asyncio.sleep(SETTLE_SECONDS)
        if self._said == said and detail is not None:
            ended = detail.run
            self.say(f"run #{ended.number} has ended: {labelled(outcome_word(ended.status, ended.conclusion)).markup}")
