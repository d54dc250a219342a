"""Cancel and re-run, shared by the screens that show a run (the list and the run view)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static

from runner.errors import BatonError
from runner.store.records import RunRecord


class RunActions:
    """Mixed into a screen that can name "the selected run" (``selected_run_id``)."""

    ACTION_BINDINGS = [
        Binding("c", "cancel_run", "Cancel"),
        Binding("R", "rerun", "Re-run"),
        Binding("F", "rerun_failed", "Re-run failed"),
    ]

    def selected_run_id(self) -> str | None:
        """The run the actions apply to."""
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
                self.app.run_worker(self._act(lambda: self.app.control.cancel(run)))  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmScreen(f"Cancel run #{run.number} ({run.workflow})?"), decided)  # type: ignore[attr-defined]

    async def action_rerun(self) -> None:
        """Re-run the selected run."""
        run = await self._selected()
        if run is not None:
            await self._act(lambda: self.app.control.rerun(run, is_failed_only=False))  # type: ignore[attr-defined]

    async def action_rerun_failed(self) -> None:
        """Re-run the selected run's failed jobs."""
        run = await self._selected()
        if run is not None:
            await self._act(lambda: self.app.control.rerun(run, is_failed_only=True))  # type: ignore[attr-defined]

    def say(self, text: str) -> None:
        """Show one line at the bottom of the screen."""
        self.query_one("#message", Static).update(text)  # type: ignore[attr-defined]

    async def _selected(self) -> RunRecord | None:
        run_id = self.selected_run_id()
        if run_id is None:
            return None
        app = self.app  # type: ignore[attr-defined]
        detail = await app.ask(app.feed.run, run_id)
        return detail.run if detail is not None else None

    async def _act(self, action: object) -> None:
        app = self.app  # type: ignore[attr-defined]
        try:
            self.say(await app.ask(action))
        except BatonError as exc:
            self.say(f"[red]{exc}[/red]")
