"""``baton logs RUN [JOB [STEP]] [--follow] [--attempt N] [--timestamps]``: the output of a run's steps, from the store.

Each job shows its latest attempt; ``--attempt N`` shows its N-th instead (a retry of what
the infrastructure broke, or a re-run, makes the next), leaving out jobs that had none.

Works from any process: it reads the database and the step log files that the
recording process writes. With ``--follow`` it reads both again at each event of the
run (from the watch service's stream, :mod:`runner.cli.run_events`), or every 0.2 s,
until what it shows has completed; the recorder flushes a step's log before it commits
the step's end, so once "completed" is read, the files hold every line.

``--timestamps`` (``-t``, also with ``--follow``) puts before each line when it arrived,
in ISO-8601 UTC (as ``docker logs -t`` does), from the log's side file
(:mod:`runner.store.linetimes`); a log written before those existed gets its step's start time.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from runner.cli.run_events import RunNews
from runner.cli.runs import COLOURS
from runner.cli.style import Style
from runner.errors import BatonError, StoreError, UsageError
from runner.status import Conclusion
from runner.store import (
    JobRecord,
    RunRecord,
    StepRecord,
    Store,
    attempts_of,
    find_job,
    find_step,
    get_run,
    jobs_of,
    steps_of,
)
from runner.store.linetimes import LineTimes

_CHUNK = 1 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton logs``."""
    parser.add_argument("run", metavar="RUN", help="the run: its number, its id or a unique prefix of the id")
    parser.add_argument("job", nargs="?", metavar="JOB", help="only this job: its key, its id or its name")
    parser.add_argument("step", nargs="?", metavar="STEP", help="only this step: its number as shown, or a name prefix")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until it completes")
    parser.add_argument("--attempt", type=int, metavar="N", help="each job's N-th attempt (default: its latest)")
    parser.add_argument("-t", "--timestamps", action="store_true",
                        help="put when each line arrived (ISO-8601 UTC) before it")


def run(args: argparse.Namespace) -> int:
    """Print the logs; exit 0 when the run (or the job, or the step) succeeded, 1 otherwise."""
    if args.attempt is not None and args.attempt < 1:
        raise UsageError("--attempt must be at least 1", where="--attempt")
    with Store.open() as store:
        view = _View(store=store, style=Style(sys.stdout), job_ref=args.job, step_ref=args.step, attempt=args.attempt,
                     timestamps=args.timestamps)
        run_record = get_run(store, args.run)
        if args.follow:
            with RunNews(store.home, run_record) as news:
                return view.follow(run_record, news)
        return view.print_all(run_record)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Selection:
    """What the command shows, as found in the store right now."""

    run: RunRecord
    jobs: tuple[tuple[JobRecord, tuple[StepRecord, ...]], ...]
    """The selected jobs with their (selected) steps."""
    conclusion: Conclusion | None
    """The conclusion of the narrowest thing selected; None while it has not completed."""


@dataclass(slots=True)
class _Tail:
    """How far a step's log has been printed."""

    offset: int = 0
    partial: bytes = b""
    lines: int = 0
    """Whole lines printed so far."""
    times: LineTimes | None = None
    """The log's line times, with ``--timestamps``."""


@dataclass(slots=True, kw_only=True)
class _View:
    """Selects and prints jobs and steps; remembers what ``--follow`` already printed."""

    store: Store
    style: Style
    job_ref: str | None
    step_ref: str | None
    attempt: int | None = None
    """The attempt of each job to show; None: its latest."""
    timestamps: bool = False
    """Whether each printed line starts with when it arrived."""
    tails: dict[tuple[str, int, int], _Tail] = field(default_factory=dict)
    """By job key, attempt and step index."""
    section: tuple[str, int, int] | None = None
    latest: dict[str, int] = field(default_factory=dict)
    """Each job's latest attempt, as last read."""

    @property
    def has_headers(self) -> bool:
        """Whether several steps are shown, so each gets a header."""
        return self.step_ref is None

    def select(self, run: RunRecord, *, is_waiting: bool) -> _Selection:
        """The jobs and steps asked for; while ``is_waiting``, what does not exist yet is not an error."""
        run = get_run(self.store, run.id)
        try:
            jobs = jobs_of(self.store, run.id) if self.job_ref is None else (find_job(self.store, run.id, self.job_ref),)
        except BatonError:
            if is_waiting and not run.is_completed:
                return _Selection(run=run, jobs=(), conclusion=None)
            raise
        selected = []
        conclusion = run.conclusion if run.is_completed else None
        if self.attempt is not None:
            jobs = self._attempts(run, jobs)
        for job in jobs:
            steps = steps_of(self.store, run.id, job.job_key, job.attempt)
            conclusion = (job.conclusion if job.is_completed else None) if self.job_ref else conclusion
            if self.step_ref is not None:
                try:
                    step = find_step(steps, self.step_ref)
                except BatonError:
                    if is_waiting and not job.is_completed:
                        return _Selection(run=run, jobs=(), conclusion=None)
                    raise
                steps = (step,)
                conclusion = step.conclusion if step.is_completed else None
            selected.append((job, steps))
        return _Selection(run=run, jobs=tuple(selected), conclusion=conclusion)

    def _attempts(self, run: RunRecord, jobs: tuple[JobRecord, ...]) -> tuple[JobRecord, ...]:
        """``jobs`` as their attempt :attr:`attempt` went; those without one left out (all
        without one: a :class:`StoreError` naming the attempts there are)."""
        found: list[JobRecord] = []
        for job in jobs:
            self.latest[job.job_key] = job.attempt
            for one in attempts_of(self.store, run.id, job.job_key):
                if one.attempt == self.attempt:
                    found.append(replace(job, attempt=one.attempt, executor=one.executor, status=one.status,
                                         conclusion=one.conclusion, reason=one.reason))
        if not found and jobs and (run.is_completed or self.job_ref is not None):
            most = max(job.attempt for job in jobs)
            raise StoreError(f"run #{run.number}{f' job {self.job_ref}' if self.job_ref else ''} has no attempt "
                             f"{self.attempt} (attempts: 1{f' to {most}' if most > 1 else ''})")
        return tuple(found)

    def print_all(self, run: RunRecord) -> int:
        """Print every selected step's whole log once."""
        selection = self.select(run, is_waiting=False)
        for job, steps in selection.jobs:
            if self.has_headers:
                self._write(self._job_header(job))
            for step in steps:
                if self.has_headers:
                    self._write(self._step_header(job, step, steps))
                if step.log_path is not None:
                    self._copy(step)
        return 0 if selection.conclusion is Conclusion.SUCCESS else 1

    def follow(self, run: RunRecord, news: RunNews) -> int:
        """Print lines as they are written until the selection completes (looking
        again whenever ``news`` says there may be more)."""
        announced: set[tuple[str, int]] = set()
        while True:
            # The state is read before the files: once it says completed, the files are whole.
            selection = self.select(run, is_waiting=True)
            is_done = selection.run.is_completed or (self.job_ref is not None and selection.conclusion is not None)
            for job, steps in selection.jobs:
                if self.has_headers and (job.job_key, job.attempt) not in announced:  # a retry is announced again
                    announced.add((job.job_key, job.attempt))
                    self._write(self._job_header(job, is_live=True))
                for step in steps:
                    self._follow_step(job, step, steps)
            if is_done:
                self._drain_partials()
                state = selection.conclusion.value if selection.conclusion else "completed"
                what = f"run #{selection.run.number}" + "".join(f" {r}" for r in (self.job_ref, self.step_ref) if r)
                print(f"{what}: {Style(sys.stderr)(state, *COLOURS.get(state, ()))}", file=sys.stderr)
                return 0 if selection.conclusion is Conclusion.SUCCESS else 1
            sys.stdout.flush()
            news.wait()

    def _follow_step(self, job: JobRecord, step: StepRecord, steps: tuple[StepRecord, ...]) -> None:
        key = (job.job_key, step.attempt, step.index)
        tail = self.tails.get(key)
        if tail is None:
            tail = self.tails[key] = _Tail()
            self._switch_to(job, step, steps)
        if step.log_path is None:
            return
        try:
            with self.store.log_file(step.log_path).open("rb") as file:
                file.seek(tail.offset)
                while data := file.read(_CHUNK):
                    tail.offset += len(data)
                    data = tail.partial + data
                    cut = data.rfind(b"\n") + 1  # print whole lines; a line's end may not be written yet
                    tail.partial = data[cut:]
                    if cut:
                        self._switch_to(job, step, steps)
                        text = data[:cut].decode("utf-8", "replace")
                        if self.timestamps:
                            text = self._stamped(text, tail, step)
                        self._write(text)
        except FileNotFoundError:
            return

    def _stamped(self, text: str, tail: _Tail, step: StepRecord) -> str:
        """Whole lines ``text`` of a followed step with each one's arrival time before it."""
        assert step.log_path is not None
        if tail.times is None:
            tail.times = LineTimes(self.store.log_file(step.log_path))
        tail.times.refresh()  # written before the lines it times: it already covers them
        lines = text.splitlines(keepends=True)
        first, tail.lines = tail.lines, tail.lines + len(lines)
        return "".join(_stamp(tail.times.at(first + n) or step.started_at) + line for n, line in enumerate(lines))

    def _switch_to(self, job: JobRecord, step: StepRecord, steps: tuple[StepRecord, ...]) -> None:
        """Print a step's header when the output moves to it from another step."""
        key = (job.job_key, step.attempt, step.index)
        if self.section != key and self.has_headers:
            self._write(self._step_header(job, step, steps, is_live=True))
        self.section = key

    def _drain_partials(self) -> None:
        for tail in self.tails.values():
            if tail.partial:
                self._write(tail.partial.decode("utf-8", "replace") + "\n")
                tail.partial = b""
        sys.stdout.flush()

    def _copy(self, step: StepRecord) -> None:
        assert step.log_path is not None
        if self.timestamps:
            self._copy_stamped(step)
            return
        try:
            with self.store.log_file(step.log_path).open(encoding="utf-8", errors="replace") as file:
                while chunk := file.read(_CHUNK):
                    sys.stdout.write(chunk)
        except FileNotFoundError:
            return

    def _copy_stamped(self, step: StepRecord) -> None:
        """Print a step's log with each line's arrival time before it."""
        assert step.log_path is not None
        path = self.store.log_file(step.log_path)
        times = LineTimes(path)
        times.refresh()
        try:
            with path.open(encoding="utf-8", errors="replace", newline="") as file:
                for number, line in enumerate(file):
                    stamp = _stamp(times.at(number) or step.started_at)
                    sys.stdout.write(stamp + line if line.endswith("\n") else stamp + line + "\n")
        except FileNotFoundError:
            return

    def _job_header(self, job: JobRecord, *, is_live: bool = False) -> str:
        where = f" on {job.executor}" if job.executor else ""
        label = self.style(f"== {job.name}", "bold")
        latest = max(self.latest.get(job.job_key, 1), job.attempt)
        attempt = f" (attempt {job.attempt} of {latest})" if latest > 1 else ""
        return f"{label}{where}{attempt}{self._state(job.conclusion, job.status.value, is_live and not job.is_completed)}\n"

    def _step_header(self, job: JobRecord, step: StepRecord, steps: tuple[StepRecord, ...], *, is_live: bool = False) -> str:
        number = steps.index(step) + 1
        prefix = f"{job.name} / " if is_live and self.job_ref is None else ""
        label = self.style(f"-- {prefix}{number} {step.name}", "bold")
        return f"{label}{self._state(step.conclusion, step.status.value, is_live and not step.is_completed)}\n"

    def _state(self, conclusion: Conclusion | None, status: str, is_hidden: bool) -> str:
        """`` [success]`` in its colour; nothing while following something unfinished."""
        if is_hidden:
            return ""
        state = conclusion.value if conclusion is not None else status
        return f" [{self.style(state, *COLOURS.get(state, ()))}]"

    def _write(self, text: str) -> None:
        sys.stdout.write(text)


def _stamp(at: float | None) -> str:
    """``2026-12-03T12:24:10.123Z `` (nothing for an unknown time)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z " if at else ""
