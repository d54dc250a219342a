"""Fixtures of the dashboard tests: a real store written by the real recorder from run events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.events import Annotation, Event, EventBus, JobFinished, JobQueued, JobStarted, LogLines, RunFinished, StepStarted
from runner.status import Conclusion, RunId
from runner.store import Recorder
from runner.tui.access import Access
from runner.tui.app import BatonApp
from runner.tui.control import LocalControl
from runner.tui.feed import StoreFeed
from tests.store.events import T0, publish, run_started, step, whole_run

NOW = T0 + 600
"""The dashboard's clock in these tests: ten minutes after the first run started."""


def failed_run(run_id: str, *, at: float) -> list[Event]:
    """A run whose ``lint`` job fails with an annotation, beside a successful ``build``."""
    rid = RunId(run_id)
    return [
        run_started(run_id, at=at, ref="refs/heads/feature"),
        JobQueued(run_id=rid, job_key="build", job_id="build", name="build", needs=()),
        JobQueued(run_id=rid, job_key="lint", job_id="lint", name="lint", needs=("build",)),
        JobStarted(run_id=rid, job_key="build", executor="local", at=at),
        *step(run_id, "build", 0, "Compile", ("##[group]compiler flags", "-O2", "-g", "##[endgroup]", "built"),
              Conclusion.SUCCESS, at=at),
        JobFinished(run_id=rid, job_key="build", conclusion=Conclusion.SUCCESS, outputs={}, at=at + 2),
        JobStarted(run_id=rid, job_key="lint", executor="local", at=at + 2),
        *step(run_id, "lint", 0, "Ruff", ("checking 12 files", "\x1b[31mE501\x1b[0m line too long",
                                           "##[error]lint found 1 problem (app.py:3)"), Conclusion.FAILURE, at=at + 2),
        Annotation(run_id=rid, job_key="lint", index=0, level="error", message="lint found 1 problem", file="app.py", line=3),
        JobFinished(run_id=rid, job_key="lint", conclusion=Conclusion.FAILURE, outputs={}, at=at + 4),
        RunFinished(run_id=rid, conclusion=Conclusion.FAILURE, at=at + 4),
    ]  # fmt: skip


def running_run(run_id: str, *, at: float) -> list[Event]:
    """A run whose ``deploy`` job is printing."""
    rid = RunId(run_id)
    return [
        run_started(run_id, at=at, ref="refs/tags/v1.0"),
        JobQueued(run_id=rid, job_key="deploy", job_id="deploy", name="deploy", needs=()),
        JobStarted(run_id=rid, job_key="deploy", executor="local", at=at),
        StepStarted(run_id=rid, job_key="deploy", index=0, name="Upload", at=at),
        LogLines(run_id=rid, job_key="deploy", index=0, lines=tuple(f"uploading part {n}" for n in range(1, 101))),
    ]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty baton home."""
    return tmp_path / "baton-home"


@pytest.fixture
def recorder(home: Path) -> Iterator[tuple[Recorder, EventBus]]:
    """The real recorder writing ``home``'s store, and the bus it listens to."""
    bus = EventBus()
    recorder = Recorder.open(home)
    recorder.attach(bus)
    yield recorder, bus
    recorder.close()


@pytest.fixture
def filled(home: Path, recorder: tuple[Recorder, EventBus]) -> Path:
    """A store with three runs: #1 succeeded, #2 failed, #3 is running."""
    rec, bus = recorder
    publish(bus, whole_run("100000000001", at=T0))
    publish(bus, failed_run("100000000002", at=T0 + 60))
    publish(bus, running_run("100000000003", at=T0 + 120))
    rec.flush()
    return home


def make_app(home: Path, *, first_run: str | None = None) -> BatonApp:
    """The dashboard on ``home``'s store, with the fixed clock."""
    return BatonApp(Access(StoreFeed(home), LocalControl(), clock=lambda: NOW), first_run=first_run)
