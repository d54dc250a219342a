"""The runs list: one row per run, newest first, updated in place as runs change."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from runner.status import RunId
from runner.store.records import RunRecord
from runner.tui.feed import outcome_word
from runner.tui.look import ago, badge, duration, short_ref

COLUMNS = ("", "#", "REPOSITORY", "WORKFLOW", "REF", "COMMIT", "EVENT", "TIME", "STARTED")


class RunsTable(DataTable[Text | str]):
    """Runs as rows keyed by run id; the cursor stays on the newest run until moved."""

    DEFAULT_CSS = """
    RunsTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.records: dict[str, RunRecord] = {}
        self.is_pinned_to_newest = True
        """Whether the cursor follows the newest run (until the user moves it)."""
        self._is_moving_cursor = False

    def on_mount(self) -> None:
        """Lay out the columns."""
        for label in COLUMNS:
            self.add_column(label, key=label or "state")

    @property
    def selected(self) -> RunRecord | None:
        """The run under the cursor."""
        if not self.records or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.records.get(str(key))

    def show(self, runs: tuple[RunRecord, ...], now: float) -> None:
        """Make the rows those of ``runs`` (newest first), changing only what changed;
        durations and ages are as of ``now``."""
        keep = self.selected.id if self.selected is not None and not self.is_pinned_to_newest else None
        wanted = {run.id: run for run in runs}
        for key in [k for k in self.records if k not in wanted]:
            self.remove_row(key)
            del self.records[key]
        for run in runs:
            cells = _cells(run, now)
            if run.id in self.records:
                if self.records[run.id] != run or run.finished_at is None:
                    for column, value in zip(self.columns, cells):
                        self.update_cell(run.id, column, value)
            else:
                self.add_row(*cells, key=run.id)
            self.records[run.id] = run
        self.sort("#", key=lambda number: -int(str(number)), reverse=False)
        self._is_moving_cursor = True
        try:
            if keep is not None and keep in self.records:
                self.move_cursor(row=self.get_row_index(keep))
            elif self.row_count:
                self.move_cursor(row=0)
        finally:
            self._is_moving_cursor = False

    def run_ids(self) -> list[RunId]:
        """The shown runs, top to bottom."""
        return [RunId(str(row.value)) for row in self.rows]

    def watch_cursor_coordinate(self, old: object, new: object) -> None:
        """A cursor moved by the user unpins it from the newest run; row 0 pins it again."""
        super().watch_cursor_coordinate(old, new)  # type: ignore[arg-type]
        if not self._is_moving_cursor:
            self.is_pinned_to_newest = self.cursor_row == 0


def _cells(run: RunRecord, now: float) -> tuple[Text | str, ...]:
    word = outcome_word(run.status, run.conclusion)
    repository = run.repository.rstrip("/").rsplit("/", 1)[-1] if "/" in run.repository else run.repository
    return (
        badge(word),
        str(run.number),
        repository,
        run.workflow,
        short_ref(run.ref),
        run.sha[:7],
        run.event,
        duration(run.started_at, run.finished_at, now=now),
        ago(run.started_at, now=now),
    )
