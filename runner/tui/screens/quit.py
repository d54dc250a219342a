"""Quitting while this process's own runs go on (``baton run --ui``): cancel them, or not."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

Choice = Literal["cancel", "keep"]
"""Cancel the runs and quit, or quit and let them finish in the terminal."""


class QuitScreen(ModalScreen[Choice | None]):
    """Asks what becomes of the runs; Escape stays in the dashboard."""

    BINDINGS = [
        Binding("c", "choose('cancel')", "Cancel the run"),
        Binding("k,q", "choose('keep')", "Keep it running"),
        Binding("escape", "stay", "Stay"),
    ]

    def compose(self) -> ComposeResult:
        """The question and three buttons."""
        with Vertical(id="dialog"):
            yield Static("The run is still going.", id="question")
            yield Static("[b]k[/b] quit and let it finish here   [b]c[/b] cancel it and quit   [b]esc[/b] stay", id="keys")
            yield Button("Keep it running", id="keep", variant="primary")
            yield Button("Cancel it", id="cancel", variant="error")

    def action_choose(self, choice: Choice) -> None:
        """Close with the choice."""
        self.dismiss(choice)

    def action_stay(self) -> None:
        """Back to the dashboard."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on one of the buttons."""
        self.dismiss("cancel" if event.button.id == "cancel" else "keep")
