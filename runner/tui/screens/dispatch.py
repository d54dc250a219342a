"""The dispatch form (``d``): a workflow of a watched repository, the branch or tag, and
one field per typed ``workflow_dispatch`` input (a switch for a boolean, a list for a
choice, text otherwise), filled with the defaults. Enter on Dispatch (or Ctrl+S) starts
it; Escape closes the form."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from runner.launch.dispatch_form import DispatchForm, FormInput


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispatch:
    """What the form asks for."""

    form: DispatchForm
    ref: str | None
    inputs: dict[str, str]


class DispatchScreen(ModalScreen[Dispatch | None]):
    """Dismisses with the :class:`Dispatch` asked for, or None."""

    DEFAULT_CSS = """
    DispatchScreen { align: center middle; }
    DispatchScreen #form { width: 80; max-height: 90%; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    DispatchScreen #fields { height: auto; max-height: 20; }
    DispatchScreen .field { margin-top: 1; }
    DispatchScreen #buttons { height: auto; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "submit", "Dispatch")]

    def __init__(self, forms: tuple[DispatchForm, ...]) -> None:
        super().__init__()
        self.forms = forms

    def compose(self) -> ComposeResult:
        """The workflow list, the ref, the inputs' fields and the buttons."""
        with Vertical(id="form"):
            yield Static("[b]Dispatch a workflow[/b]")
            options = [(f"{f.repo}: {f.name} ({f.workflow})", n) for n, f in enumerate(self.forms)]
            yield Select(options, value=0, allow_blank=False, id="workflow")
            yield Input(placeholder="branch or tag (default: the default branch)", id="ref")
            yield VerticalScroll(id="fields")
            with Horizontal(id="buttons"):
                yield Button("Dispatch", id="dispatch", variant="primary")
                yield Button("Cancel", id="cancel")

    async def on_mount(self) -> None:
        """The first workflow's fields."""
        await self._show(self.forms[0])

    async def on_select_changed(self, event: Select.Changed) -> None:
        """Another workflow: its fields."""
        if event.select.id == "workflow" and isinstance(event.value, int):
            await self._show(self.forms[event.value])

    async def _show(self, form: DispatchForm) -> None:
        fields = self.query_one("#fields", VerticalScroll)
        await fields.remove_children()
        widgets: list[Widget] = []
        for spec in form.inputs:
            required = " [red]*[/red]" if spec.is_required else ""
            about = f" — {spec.description}" if spec.description else ""
            widgets.append(Label(f"[b]{spec.name}[/b] ({spec.type}){required}{about}", classes="field"))
            widgets.append(_field(spec))
        if not widgets:
            widgets.append(Label("(no inputs)", classes="field"))
        await fields.mount_all(widgets)

    def action_close(self) -> None:
        """Close without dispatching."""
        self.dismiss(None)

    def action_submit(self) -> None:
        """Dispatch what the fields say."""
        choice = self.query_one("#workflow", Select).value
        form = self.forms[choice if isinstance(choice, int) else 0]
        inputs: dict[str, str] = {}
        for spec in form.inputs:
            widget = self.query_one(f"#input-{spec.name}")
            if isinstance(widget, Checkbox):
                inputs[spec.name] = "true" if widget.value else "false"
            elif isinstance(widget, Select):
                if isinstance(widget.value, str):
                    inputs[spec.name] = widget.value
            elif isinstance(widget, Input) and widget.value != "":
                inputs[spec.name] = widget.value
        ref = self.query_one("#ref", Input).value.strip() or None
        self.dismiss(Dispatch(form=form, ref=ref, inputs=inputs))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Dispatch, or Cancel."""
        if event.button.id == "dispatch":
            self.action_submit()
        else:
            self.dismiss(None)


def _field(spec: FormInput) -> Widget:
    """The field of one input, its default filled in."""
    name = f"input-{spec.name}"
    if spec.type == "boolean":
        return Checkbox(spec.name, value=spec.default == "true", id=name)
    if spec.type == "choice" and spec.options:
        default = spec.default if spec.default in spec.options else spec.options[0]
        return Select([(option, option) for option in spec.options], value=default, allow_blank=False, id=name)
    return Input(value=spec.default, placeholder=spec.type, type="number" if spec.type == "number" else "text", id=name)
