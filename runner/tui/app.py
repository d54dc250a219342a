"""``baton ui``: the dashboard over every run of this machine's store.

The app only shows: it reads through a :class:`~runner.tui.feed.StoreFeed` (kept in one
worker thread, since an SQLite connection belongs to its thread) and acts through a
:class:`~runner.tui.control.Control`. Screens ask both through :meth:`BatonApp.ask`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from runner.tui.control import Control
from runner.tui.feed import StoreFeed
from runner.tui.screens.help import HelpScreen
from runner.tui.screens.runs import RunsScreen

T = TypeVar("T")


class BatonApp(App[None]):
    """The dashboard: the runs list first, a run view on Enter."""

    CSS_PATH = "baton.tcss"
    TITLE = "baton"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
    ]

    def __init__(self, *, feed: StoreFeed, control: Control, first_run: str | None = None) -> None:
        super().__init__()
        self.feed = feed
        self.control = control
        self.first_run = first_run
        """A run to open at once (``baton run --ui``)."""
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-ui-store")

    async def ask(self, call: Callable[..., T], *args: object) -> T:
        """Run a blocking ``call`` (the feed's queries, the control's actions) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._database, lambda: call(*args))

    def on_mount(self) -> None:
        """The runs list, and the given run over it."""
        self.push_screen(RunsScreen())
        if self.first_run is not None:
            from runner.tui.screens.run import RunScreen

            self.push_screen(RunScreen(self.first_run))

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette lists the dashboard's own actions beside Textual's."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Keys", "Show every key of the dashboard", self.action_help)
        for name, title, help_text in (
            ("cancel_run", "Cancel run", "Cancel the selected run (asks first)"),
            ("rerun", "Re-run", "Run the selected run again"),
            ("rerun_failed", "Re-run failed jobs", "Run the selected run's failed jobs and their dependents again"),
            ("search", "Search", "Search runs, or the log in a run view"),
        ):
            if hasattr(screen, f"action_{name}"):
                yield SystemCommand(title, help_text, getattr(screen, f"action_{name}"))

    async def on_unmount(self) -> None:
        """Close the store connection in its own thread, then the thread."""
        self._database.submit(self.feed.close).result()
        self._database.shutdown(wait=False)
