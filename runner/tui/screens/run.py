"""One run: its job graph and steps on the left, the selected job's live log on the right."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static

from runner.status import RunId
from runner.store.paths import step_log_name
from runner.store.records import JobRecord, StepRecord
from runner.tui.access import Access
from runner.tui.feed import RunDetail, outcome_word
from runner.tui.logindex import JobLog, StepLog
from runner.tui.look import ORDER, duration, labelled, short_ref
from runner.tui.screens.actions import RunActionScreen
from runner.tui.widgets.job_tree import JobTree, Pick
from runner.tui.widgets.log_view import LogView

POLL_SECONDS = 0.4
"""How often the run's jobs and steps are read again."""
TICK_SECONDS = 0.1
"""How often the log looks for new output (redraws are batched per tick)."""


class RunScreen(RunActionScreen):
    """Jobs and steps of ``run_id`` beside the log of the chosen job."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "first_failure", "First failure"),
        Binding("slash", "search", "Search log"),
        Binding("t", "toggle_times", "Times", show=False),  # the log's keys, also while the jobs have focus
        Binding("w", "toggle_wrap", "Wrap", show=False),
    ]

    def __init__(self, access: Access, run_id: str) -> None:
        super().__init__(access)
        self.run_id = RunId(run_id)
        self.detail: RunDetail | None = None
        self.job_key: str | None = None
        """The job whose log is shown."""
        self._steps_shown: tuple[str, ...] = ()
        self._logs: dict[str, JobLog] = {}
        """The index of each job whose log was shown: switching back does not read it again."""

    def compose(self) -> ComposeResult:
        """Title, tree | log, status lines, key bar."""
        yield Static("", id="title")
        with Horizontal(id="body"):
            yield JobTree(id="jobs")
            with Vertical(id="right"):
                yield LogView(id="log")
                yield Input(placeholder="search the log…", id="search")
                yield Static("", id="logstatus")
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        """Read the run, then keep it and its log current."""
        self.query_one("#search", Input).display = False
        self.query_one(JobTree).focus()
        self.set_interval(POLL_SECONDS, self.poll)
        self.set_interval(TICK_SECONDS, self.query_one(LogView).tick)
        self.call_later(self.poll)

    def selected_run_id(self) -> str | None:
        """This screen's run."""
        return self.run_id

    async def poll(self) -> None:
        """Read the run again and show what changed."""
        app = self.access
        detail = await app.ask(app.feed.run, self.run_id)
        if detail is None:
            self.query_one("#title", Static).update(f"run {self.run_id} is not in the store")
            return
        self.detail = detail
        now = app.clock()
        self.query_one("#title", Static).update(_title(detail, now))
        self.query_one(JobTree).show(detail, now)
        if self.job_key is None and detail.jobs:
            chosen = _default_job(detail)
            self._choose(chosen)
            node = self.query_one(JobTree).node_of(Pick(chosen))
            if node is not None:  # the tree's cursor shows whose log this is
                self.query_one(JobTree).move_cursor(node)
        elif self.job_key is not None:
            self._update_log(detail)

    def on_unmount(self) -> None:
        """Close the log files this screen opened."""
        for log in self._logs.values():
            log.close()

    def on_job_tree_picked(self, message: JobTree.Picked) -> None:
        """Show the picked job's log (at the picked step)."""
        self._choose(message.pick.job_key)
        if message.pick.step is not None:
            self.query_one(LogView).jump_to(message.pick.step, None)

    def on_log_view_status(self, message: LogView.Status) -> None:
        """Show the log's state line."""
        self.query_one("#logstatus", Static).update(message.text)

    def action_back(self) -> None:
        """Back to the runs list (or close the search line)."""
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            self.query_one(LogView).focus()
            return
        self.app.pop_screen()

    def action_first_failure(self) -> None:
        """Select the first failed job and show its first failed step."""
        if self.detail is None:
            return
        for job in self.detail.jobs:
            if outcome_word(job.status, job.conclusion) == "failure":
                steps = self.detail.steps.get(job.job_key, ())
                failed = next((n for n, s in enumerate(steps) if s.conclusion is not None and s.conclusion.value == "failure"), None)
                self._choose(job.job_key)
                tree = self.query_one(JobTree)
                node = tree.node_of(Pick(job.job_key, failed) if failed is not None else Pick(job.job_key))
                if node is not None:
                    tree.move_cursor(node)
                self.query_one(LogView).jump_to(failed if failed is not None else 0, None)
                return
        self.say("no job failed in this run")

    def action_toggle_times(self) -> None:
        """Show or hide when each log line arrived, whichever pane has focus."""
        self.query_one(LogView).action_toggle_times()

    def action_toggle_wrap(self) -> None:
        """Wrap long log lines or not, whichever pane has focus."""
        self.query_one(LogView).action_toggle_wrap()

    def action_search(self) -> None:
        """Ask for text to find in the log."""
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Search the log for the typed text."""
        event.stop()
        view = self.query_one(LogView)
        view.search(event.value)
        event.input.display = False
        view.focus()

    def _choose(self, job_key: str) -> None:
        if job_key == self.job_key or self.detail is None:
            return
        self.job_key = job_key
        self._steps_shown = ()
        self._update_log(self.detail)

    def _update_log(self, detail: RunDetail) -> None:
        """Give the log view the job's steps; new steps join the same index."""
        assert self.job_key is not None
        view = self.query_one(LogView)
        steps = detail.steps.get(self.job_key, ())
        names = tuple(f"{s.index}:{s.name}" for s in steps)
        now = self.access.clock()
        if names != self._steps_shown:
            log = self._logs.get(self.job_key)
            if log is None:
                log = self._logs[self.job_key] = JobLog([])
            if view.job_log is not log:
                view.show(log)
            if len(steps) > len(log.steps):  # steps started: add them
                log.steps.extend(StepLog(title=s.name, path=self._log_path(s)) for s in steps[len(log.steps):])
                log.rebuild()
                view.tick()
            self._steps_shown = names
        view.set_step_titles([_step_status(s, now) for s in steps], [_clock(s.started_at) for s in steps])

    def _log_path(self, step: StepRecord) -> Path:
        app = self.access
        return app.feed.home / (step.log_path or step_log_name(self.run_id, step.job_key, step.index, step.attempt))


def _default_job(detail: RunDetail) -> str:
    """The first failed job (failed, interrupted, cancelled: in that order), else the first
    running one, else the first one."""
    last = ORDER["running"] + 1

    def rank(job: JobRecord) -> int:
        return min(ORDER.get(outcome_word(job.status, job.conclusion), last), last)

    return min(detail.jobs, key=rank).job_key


def _title(detail: RunDetail, now: float) -> str:
    run = detail.run
    word = outcome_word(run.status, run.conclusion)
    took = duration(run.started_at, run.finished_at, now=now)
    where = run.repository.rstrip("/").rsplit("/", 1)[-1]
    return (f"#{run.number} [b]{run.workflow}[/b] · {where} · {run.event} · {short_ref(run.ref)}@{run.sha[:7]} · "
            f"{labelled(word).markup} {took}")


def _step_status(step: StepRecord, now: float) -> str:
    word = outcome_word(step.status, step.conclusion)
    took = duration(step.started_at, step.finished_at, now=now)
    return f"{labelled(word).markup} [bright_black]{took}[/]"


def _clock(moment: float | None) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M:%S") if moment else ""
