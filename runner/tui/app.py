"""``baton ui``: the dashboard over every run of this machine's store.

The app only shows: it reads through a :class:`~runner.tui.feed.StoreFeed` and acts
through a :class:`~runner.tui.control.Control`, both handed to every screen in one
:class:`~runner.tui.access.Access`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from runner.tui.access import Access
from runner.tui.screens.help import HelpScreen
from runner.tui.screens.quit import Choice, QuitScreen
from runner.tui.screens.runs import RunsScreen


class BatonApp(App[None]):
    """The dashboard: the runs list first, a run view on Enter."""

    CSS_PATH = "baton.tcss"
    TITLE = "baton"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
    ]

    def __init__(self, access: Access, *, first_run: str | None = None,
                 live: asyncio.Future[Any] | None = None) -> None:
        super().__init__()
        self.access = access
        """The store feed and the actions, for the screens."""
        self.first_run = first_run
        """A run to open at once (``baton run --ui``)."""
        self.live = live
        """This process's own runs, while they go on (``baton run --ui``)."""
        self.choice: Choice | None = None
        """What the user chose for the live runs when quitting."""

    def on_mount(self) -> None:
        """The runs list, and the given run over it."""
        self.push_screen(RunsScreen(self.access))
        if self.first_run is not None:
            from runner.tui.screens.run import RunScreen

            self.push_screen(RunScreen(self.access, self.first_run))

    async def action_quit(self) -> None:
        """Quit; with this process's runs still going, ask what becomes of them first."""
        if self.live is None or self.live.done():
            self.exit()
            return

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self.choice = choice
                self.exit()

        self.push_screen(QuitScreen(), chosen)

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
            ("dispatch", "Dispatch", "Start a workflow of a watched repository, its inputs in a form"),
            ("search", "Search", "Search runs, or the log in a run view"),
        ):
            if hasattr(screen, f"action_{name}"):
                yield SystemCommand(title, help_text, getattr(screen, f"action_{name}"))

    def on_unmount(self) -> None:
        """Close the store connection."""
        self.access.close()
