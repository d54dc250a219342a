"""The first screen: every run of this machine's store, newest first, live."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from runner.tui.access import Access
from runner.tui.feed import RunFilter
from runner.tui.screens.actions import RunActionScreen
from runner.tui.widgets.runs_table import RunsTable

POLL_SECONDS = 0.4
"""How often the store is asked whether anything changed."""

EMPTY = (
    "No runs yet.\n\n"
    "Start one in a repository with [b]baton run[/b] (it appears here at once),\n"
    "or follow repositories with [b]baton watch REPO[/b]."
)


def parse_filter(text: str) -> RunFilter:
    """``repo:app workflow:ci branch:main status:failure words`` as a :class:`RunFilter`."""
    fields = {"repository": "", "workflow": "", "ref": "", "status": ""}
    aliases = {"repo": "repository", "repository": "repository", "workflow": "workflow", "wf": "workflow",
               "branch": "ref", "tag": "ref", "ref": "ref", "status": "status", "is": "status"}
    words: list[str] = []
    for word in text.split():
        key, sep, value = word.partition(":")
        if sep and key.lower() in aliases and value:
            fields[aliases[key.lower()]] = value
        else:
            words.append(word)
    return RunFilter(text=" ".join(words), **fields)


class RunsScreen(RunActionScreen):
    """The runs list, with a filter line (``f``) and a search (``/``)."""

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("slash", "search", "Search"),
        Binding("f", "filter", "Filter"),
        Binding("escape", "clear", "Clear filter", show=False),
    ]

    def __init__(self, access: Access) -> None:
        super().__init__(access)
        self.wanted = RunFilter()

    def compose(self) -> ComposeResult:
        """Title line, filter line (hidden until asked for), the table, the key bar."""
        yield Static("baton · runs", id="title")
        yield Input(placeholder="repo:NAME workflow:NAME branch:NAME status:failure  text…", id="filter", select_on_focus=False)
        with Vertical(id="body"):
            yield RunsTable(id="runs")
            yield Static(EMPTY, id="empty")
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        """Load the first page and poll for changes."""
        self.query_one("#filter", Input).display = False
        self.table.focus()
        self.set_interval(POLL_SECONDS, self.poll)
        self.call_later(self.poll, force=True)

    @property
    def table(self) -> RunsTable:
        """The runs table."""
        return self.query_one(RunsTable)

    def selected_run_id(self) -> str | None:
        """The run under the cursor (for the run actions)."""
        run = self.table.selected
        return run.id if run is not None else None

    async def poll(self, force: bool = False) -> None:
        """Reload the page when the store changed, or when running runs' clocks tick."""
        app = self.access
        changed = await app.ask(app.feed.has_changed)
        has_live = any(r.finished_at is None for r in self.table.records.values())
        if not (changed or force or has_live):
            return
        runs = await app.ask(app.feed.runs, self.wanted)
        self.table.show(runs, app.clock())
        empty = not runs
        self.query_one("#empty", Static).display = empty
        self.table.display = not empty
        if empty and not self.wanted.is_empty:
            self.query_one("#empty", Static).update("No run matches the filter (Escape clears it).")
        elif empty:
            self.query_one("#empty", Static).update(EMPTY)
        shown = f" · filter: {self.query_one('#filter', Input).value}" if not self.wanted.is_empty else ""
        self.query_one("#title", Static).update(f"baton · {len(runs)} run{'' if len(runs) == 1 else 's'} shown{shown}")

    def action_open(self) -> None:
        """Open the run under the cursor."""
        run = self.table.selected
        if run is not None:
            from runner.tui.screens.run import RunScreen

            self.app.push_screen(RunScreen(self.access, run.id))

    def on_data_table_row_selected(self) -> None:
        """Enter (or a click) on a row opens it."""
        self.action_open()

    def action_search(self) -> None:
        """Free-text search over the runs."""
        self._ask_filter("")

    def action_filter(self) -> None:
        """Filter by repository, workflow, branch, status."""
        self._ask_filter(self.query_one("#filter", Input).value or "status:")

    def action_clear(self) -> None:
        """Drop the filter."""
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.wanted = RunFilter()
        self.table.focus()
        self.call_later(self.poll, force=True)

    def _ask_filter(self, start: str) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.value = start
        field.cursor_position = len(start)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Apply the typed filter."""
        event.stop()
        self.wanted = parse_filter(event.value)
        if self.wanted.is_empty:
            event.input.display = False
        self.table.focus()
        self.call_later(self.poll, force=True)
