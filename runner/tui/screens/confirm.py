"""A yes/no question over the current screen: ``y`` confirms, ``n`` or Escape does not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks ``question``; dismisses with True for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and two buttons (the mouse works too)."""
        with Vertical(id="dialog"):
            yield Static(self.question, id="question")
            yield Static("[b]y[/b] yes   [b]n[/b] no", id="keys")
            yield Button("Yes", id="yes", variant="error")
            yield Button("No", id="no")

    def action_answer(self, is_yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(is_yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on Yes or No."""
        self.dismiss(event.button.id == "yes")
