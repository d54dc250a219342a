"""The log of one job: follows live output at any rate, holding offsets, not lines.

Rows come from a :class:`~runner.tui.logindex.JobLog`; only the rows on screen are read
from the files and rendered. New output is indexed on a timer with a byte budget per
tick, so a flood or a huge file never blocks a key press. Scrolling up pauses follow
and counts new lines; ``End`` resumes. ``/`` searches (``n``/``N`` next/previous),
``Enter`` folds a ``##[group]``, ``w`` wraps long lines (scrolling stays by line), ``t``
shows when each line arrived (and each step started). Unwrapped, the view scrolls sideways
as far as the widest row it has shown: no horizontal scrollbar while every row fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from runner.tui.logindex import END_GROUP, GROUP, JobLog, Row
from runner.tui.screen_text import terminal_safe

BUDGET_BYTES = 4 << 20
"""Bytes of new output indexed per tick (about 40 MB/s at 10 ticks a second)."""

_MARKS = {
    "##[error]": ("✗ ", "bold red"),
    "##[warning]": ("⚠ ", "bold yellow"),
    "##[notice]": ("ℹ ", "bold blue"),
    "##[debug]": ("· ", "bright_black"),
}


@dataclass(frozen=True, slots=True)
class Match:
    """A search hit: a step and one of its lines."""

    step: int
    line: int


class LogView(ScrollView, can_focus=True):
    """Scrollable, searchable, foldable view of a job's step logs."""

    DEFAULT_CSS = """
    LogView { background: $surface; }
    LogView:focus { border: none; }
    """

    BINDINGS = [
        Binding("end", "follow", "Follow", show=True),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Previous match", show=False),
        Binding("enter,space", "fold", "Fold group", show=False),
        Binding("w", "toggle_wrap", "Wrap", show=False),
        Binding("t", "toggle_times", "Times", show=False),
    ]

    is_following: reactive[bool] = reactive(True)
    """Whether the view sticks to the newest line."""
    is_wrapped: reactive[bool] = reactive(False)
    shows_times: reactive[bool] = reactive(False)

    class Status(Message):
        """The view's state line changed (following, new lines, matches)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.job_log: JobLog = JobLog([])
        self.unseen = 0
        """Lines that arrived while follow was paused."""
        self.needle = ""
        self.matches: list[Match] = []
        self.match_at = -1
        self.cursor = 0
        """The row the fold and search keys act on."""
        self.step_times: list[str] = []
        self._text_cache: dict[int, Text] = {}
        self._text_generation = 0
        """Bumped whenever what rows show changes (folds, search, titles)."""
        self._wrap_key: tuple[int, int, int, int] | None = None
        self._wrap_rows_cache: list[tuple[int, Text]] = []
        self._widest = 0
        """Cells of the widest row shown since this log (or the times column) was shown:
        how far the unwrapped view scrolls sideways (the log's other rows are never read)."""

    def show(self, log: JobLog, *, step_times: list[str] | None = None) -> None:
        """Show another job's log (its owner keeps it open) and follow it."""
        self.job_log = log
        self.step_times = step_times or []
        self.unseen = 0
        self.matches, self.match_at, self.needle = [], -1, ""
        self._invalidate()
        self.is_following = True
        self.job_log.refresh(BUDGET_BYTES)
        self._widest = 0
        self.scroll_x = 0
        self._resize()
        self._measure()
        self.call_after_refresh(self._to_end)  # once laid out, the end is known
        self._announce()

    def set_step_titles(self, titles: list[str], times: list[str]) -> None:
        """Update each step's header (its state and duration changed)."""
        for step, title in zip(self.job_log.steps, titles):
            step.status = title
        self.step_times = times
        self._invalidate()  # the cache holds only rows seen lately: cheap to redo
        self.refresh()

    def tick(self) -> None:
        """Index new output and redraw once (called on the screen's timer)."""
        added = self.job_log.refresh(BUDGET_BYTES)
        if not added:
            return
        self._invalidate()  # a group that ended folds and moves the rows below it
        self._resize()
        if self.is_following:
            self._to_end()
        else:
            self.unseen += added
        self._measure()
        self._announce()
        self.refresh()

    def search(self, needle: str) -> None:
        """Find ``needle`` in every step and jump to the first match."""
        self.needle = needle
        self.matches = [Match(step, line) for step, log in enumerate(self.job_log.steps) for line in log.lines_matching(needle)]
        self.match_at = -1
        self._invalidate()
        self.action_next_match()
        if not self.matches:
            self._announce()

    def action_next_match(self) -> None:
        """Jump to the next search match."""
        self._jump(+1)

    def action_previous_match(self) -> None:
        """Jump to the previous search match."""
        self._jump(-1)

    def action_follow(self) -> None:
        """Resume following the newest line."""
        self.is_following = True
        self.unseen = 0
        self._to_end()
        self._announce()

    def action_fold(self) -> None:
        """Fold or unfold the group under the cursor (or the nearest one above it)."""
        row = self.job_log.row(self.cursor)
        if row is None:
            return
        if self.job_log.group_at(row) is None and row.line is not None:
            above = [g for g in self.job_log.steps[row.step].groups if g.start <= row.line]
            if not above:
                return
            row = Row(step=row.step, line=above[-1].start)
        if self.job_log.toggle(row):
            self.cursor = self.job_log.row_of(row.step, row.line)
            self._invalidate()
            self._resize()
            self._measure()
            self.refresh()

    def action_toggle_wrap(self) -> None:
        """Wrap long lines onto the rows below (or crop them)."""
        self.is_wrapped = not self.is_wrapped
        self._invalidate()
        self._resize()
        if self.is_following:
            self._to_end()
        self._measure()
        self.refresh()

    def action_toggle_times(self) -> None:
        """Show or hide when each line arrived and each step started."""
        self.shows_times = not self.shows_times
        self._invalidate()
        self._widest = 0  # the times column came or went: every row's width changed
        self._resize()
        self._measure()
        self.refresh()

    def jump_to(self, step: int, line: int | None) -> None:
        """Scroll so a step's line (or header) is at the top, pausing follow."""
        self.cursor = self.job_log.row_of(step, line)
        self.is_following = False
        self.scroll_to(y=max(0, self.cursor - 2), animate=False)
        self._announce()
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolling up pauses follow; the cursor stays on screen."""
        super().watch_scroll_y(old, new)
        if new < old and self.is_following:
            self.is_following = False
            self._announce()
        top = int(new)
        self.cursor = min(max(self.cursor, top), top + max(0, self.size.height - 1))
        self._measure()

    def watch_show_horizontal_scrollbar(self) -> None:
        """The scrollbar takes (or gives back) the bottom row: the end moved."""
        if self.is_following:
            self._to_end()

    def watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar takes (or gives back) the right edge: wrapped rows fill the rest."""
        if self.is_wrapped:
            self._resize()

    def on_resize(self) -> None:
        """Another size: wrapped rows follow the width, and more rows may show."""
        self._resize()
        if self.is_following:
            self._to_end()
        self._measure()

    def render_line(self, y: int) -> Strip:
        """One row on screen."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if self.is_wrapped:
            placed = self._wrapped_rows(scroll_y, self._text_width())
            if y >= len(placed):
                return Strip.blank(width, self.rich_style)
            number, text = placed[y]
            scroll_x = 0
        else:
            number = scroll_y + y
            found = self._text(number)
            if found is None:
                return Strip.blank(width, self.rich_style)
            text = found
        strip = Strip(text.render(self.app.console), text.cell_len)
        if number == self.cursor and self.has_focus:
            strip = strip.apply_style(Style(bgcolor="grey23"))
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _wrapped_rows(self, top: int, width: int) -> list[tuple[int, Text]]:
        """Screen rows from logical row ``top`` down, long lines wrapped onto several."""
        key = (top, width, self.job_log.row_count, self._text_generation)
        if self._wrap_key == key:
            return self._wrap_rows_cache
        placed: list[tuple[int, Text]] = []
        number = top
        while len(placed) < self.size.height:
            text = self._text(number)
            if text is None:
                break
            pieces = text.wrap(self.app.console, max(1, width), no_wrap=False) or [Text("")]
            placed.extend((number, piece) for piece in pieces)
            number += 1
        self._wrap_key, self._wrap_rows_cache = key, placed[: self.size.height]
        return self._wrap_rows_cache

    def _wrapped_end(self) -> int:
        """The top row that shows the last rows whole when lines wrap."""
        rows, top, width = 0, self.job_log.row_count, self._text_width()
        while top > 0 and rows < self.size.height:
            text = self._text(top - 1)
            rows += len(text.wrap(self.app.console, width)) if text is not None else 1
            if rows > self.size.height:
                break
            top -= 1
        return top

    def _text(self, number: int) -> Text | None:
        cached = self._text_cache.get(number)
        if cached is not None:
            return cached
        row = self.job_log.row(number)
        if row is None:
            return None
        text = self._header(row.step) if row.line is None else self._line(row)
        if self.needle and row.line is not None:
            text.highlight_words([self.needle], style="black on yellow", case_sensitive=False)
        if len(self._text_cache) > 2000:
            self._text_cache = {}
        self._text_cache[number] = text
        return text

    def _header(self, step: int) -> Text:
        log = self.job_log.steps[step]
        text = Text.assemble(("▶ ", "bold"), (log.title, "bold"), "  ", Text.from_markup(log.status) if log.status else "")
        if self.shows_times and step < len(self.step_times) and self.step_times[step]:
            text.append(f"  started {self.step_times[step]}", style="bright_black")
        return text

    def _line(self, row: Row) -> Text:
        text = self._line_text(row)
        if not self.shows_times:
            return text
        assert row.line is not None
        at = self.job_log.steps[row.step].time_of(row.line)
        clock = _clock(at) if at is not None else " " * 12
        return Text.assemble((clock, "bright_black"), text)

    def _line_text(self, row: Row) -> Text:
        assert row.line is not None
        raw = self.job_log.steps[row.step].line(row.line)
        if raw.startswith(GROUP.decode()):
            group = self.job_log.group_at(row)
            arrow = "▸" if group is not None and group.is_folded and group.end is not None else "▾"
            return Text.assemble("  ", (f"{arrow} {raw[len(GROUP):]}", "bold cyan"))
        if raw.startswith(END_GROUP.decode()):
            return Text("")
        for prefix, (mark, style) in _MARKS.items():
            if raw.startswith(prefix):
                return Text.assemble("  ", (mark + raw[len(prefix):], style))
        return Text.assemble("  ", terminal_safe(raw))

    def _invalidate(self) -> None:
        self._text_cache = {}
        self._text_generation += 1

    def _resize(self) -> None:
        if self.is_wrapped:  # scrolling is by lines: the last one may be the top row
            self.virtual_size = Size(self._text_width(), self.job_log.row_count + max(0, self.size.height - 1))
        else:
            self.virtual_size = Size(self._widest, self.job_log.row_count)

    def _text_width(self) -> int:
        """Cells a row has beside the vertical scrollbar: what wrapped lines fill."""
        return max(1, self.scrollable_content_region.width)

    def _measure(self) -> None:
        """Widen the unwrapped view to the rows on screen, if one is wider than any before."""
        if self.is_wrapped:
            return
        top = int(self.scroll_y)
        widest = self._widest
        for number in range(top, min(top + self.size.height, self.job_log.row_count)):
            text = self._text(number)
            if text is not None:
                widest = max(widest, text.cell_len)
        if widest > self._widest:
            self._widest = widest
            self._resize()

    def _to_end(self) -> None:
        if self.is_wrapped:
            self.scroll_to(y=self._wrapped_end(), animate=False, immediate=True)
        else:
            self.scroll_end(animate=False, immediate=True)

    def _jump(self, step: int) -> None:
        if not self.matches:
            return
        self.match_at = (self.match_at + step) % len(self.matches)
        match = self.matches[self.match_at]
        self.jump_to(match.step, match.line)

    def _announce(self) -> None:
        if self.needle:
            found = f"{self.match_at + 1}/{len(self.matches)}" if self.matches else "no"
            state = f"{found} matches for '{self.needle}'  (n next, N previous)"
        elif self.is_following:
            state = "following"
        elif self.unseen:
            state = f"paused: {self.unseen} new lines (End to follow)"
        else:
            state = "paused (End to follow)"
        self.post_message(self.Status(f"{self.job_log.row_count} lines · {state}"))


def _clock(moment: float) -> str:
    """``HH:MM:SS.mmm`` in local time, as the step headers show times."""
    return datetime.fromtimestamp(moment).strftime("%H:%M:%S.%f")[:12]
