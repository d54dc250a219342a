"""``?``: every key of the dashboard, on one page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = """[b]Everywhere[/b]
  ?          this help            ctrl+p   command palette
  q          quit                 escape   back

[b]Runs list[/b]
  ↑ ↓ j k    move                 enter    open the run
  /          search (free text)   f        filter: repo:NAME workflow:NAME branch:NAME status:failure
  c          cancel the run (y confirms)
  R          re-run it            F        re-run its failed jobs
  d          dispatch a workflow of a watched repository (a form of its inputs)

[b]Run view[/b]
  ↑ ↓        choose a job or step (its log shows on the right)
  tab        move between the jobs and the log
  r          jump to the first failure
  c R F      cancel, re-run, re-run failed (as in the list)

[b]Log[/b]
  ↑ ↓ PgUp PgDn   scroll (scrolling up pauses follow)
  end        follow again         home     top
  /          search               n N      next, previous match
  enter      fold or unfold a group
  w          wrap long lines      t        show when each line arrived (also from the jobs)
"""


class HelpScreen(ModalScreen[None]):
    """The keys, until any of ``?``, Escape or ``q`` closes it."""

    BINDINGS = [Binding("question_mark,escape,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        """The key table."""
        with VerticalScroll(id="help"):
            yield Static(KEYS)

    def action_close(self) -> None:
        """Back to the screen below."""
        self.dismiss(None)
