"""Finding runs, jobs and steps by what a user types."""

from __future__ import annotations

import pytest

from runner.errors import StoreError, UsageError
from runner.events import EventBus, JobQueued
from runner.status import Conclusion, RunId
from runner.store import Recorder, Store, find_job, find_step, get_run, list_runs, steps_of
from tests.store.events import publish, run_started, step, whole_run

IDS = ("4f1c0a77", "4f1c9b02", "7d00e1aa", "12ab")


@pytest.fixture
def runs(bus: EventBus, recorder: Recorder) -> None:
    """Four runs, numbered 1-4 in the order of IDS; the last is of another repository."""
    for n, run_id in enumerate(IDS):
        bus.publish(run_started(run_id, repository="/src/other" if n == 3 else "/src/app"))
    recorder.flush(timeout=5)


@pytest.mark.usefixtures("runs")
@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("4f1c0a77", "4f1c0a77"),  # the id
        ("7d", "7d00e1aa"),  # a unique prefix
        ("4f1c0", "4f1c0a77"),
        ("2", "4f1c9b02"),  # a number
        ("12ab", "12ab"),  # an id made of digits and letters
        ("12", "12ab"),  # no run 12: a prefix
        (" 3 ", "7d00e1aa"),
    ],
)
def test_get_run(store: Store, ref: str, expected: str) -> None:
    assert get_run(store, ref).id == expected


@pytest.mark.usefixtures("runs")
def test_an_ambiguous_prefix_lists_the_candidates(store: Store) -> None:
    with pytest.raises(UsageError) as caught:
        get_run(store, "4f1c")
    assert "ambiguous" in str(caught.value)
    assert "#1 4f1c0a77" in str(caught.value) and "#2 4f1c9b02" in str(caught.value)


@pytest.mark.usefixtures("runs")
@pytest.mark.parametrize("ref", ["5", "ffff", "4f1c0a770"])
def test_no_such_run(store: Store, ref: str) -> None:
    with pytest.raises(StoreError, match="no run"):
        get_run(store, ref)


@pytest.mark.usefixtures("runs")
def test_list_runs_newest_first_and_by_repository(store: Store) -> None:
    assert [r.number for r in list_runs(store)] == [4, 3, 2, 1]
    assert [r.number for r in list_runs(store, 2)] == [4, 3]
    assert [r.id for r in list_runs(store, repository="/src/other")] == ["12ab"]


@pytest.fixture
def matrix_run(bus: EventBus, recorder: Recorder) -> RunId:
    """A finished run with jobs ``build`` and ``test.1``, plus two more legs of ``test``."""
    rid = RunId("m1")
    events = whole_run(rid)
    publish(bus, events[:-1])
    for leg, py in ((2, "3.13"), (3, "3.13")):
        name = f"test ({py})"
        bus.publish(JobQueued(run_id=rid, job_key=f"test.{leg}", job_id="test", name=name, needs=("build",)))
    bus.publish(events[-1])
    recorder.flush(timeout=5)
    return rid


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("build", "build"),  # key (and job id)
        ("test.2", "test.2"),  # key of a leg
        ("Build", "build"),  # display name
        ("test (3.12)", "test.1"),
        ("TEST (3.12)", "test.1"),  # name, ignoring case
    ],
)
def test_find_job(store: Store, matrix_run: RunId, ref: str, expected: str) -> None:
    assert find_job(store, matrix_run, ref).job_key == expected


@pytest.mark.parametrize(("ref", "match"), [("test", "ambiguous.*test.1.*test.2"), ("test (3.13)", "ambiguous")])
def test_find_job_ambiguous(store: Store, matrix_run: RunId, ref: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        find_job(store, matrix_run, ref)


def test_find_job_missing_lists_the_jobs(store: Store, matrix_run: RunId) -> None:
    with pytest.raises(StoreError, match="no job 'lint' .*build, test.1, test.2, test.3"):
        find_job(store, matrix_run, "lint")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("1", "Checkout"), ("3", "Upload"), ("Comp", "Compile"), ("upl", "Upload"), ("Checkout", "Checkout")],
)
def test_find_step(store: Store, matrix_run: RunId, ref: str, expected: str) -> None:
    assert find_step(steps_of(store, matrix_run, "build"), ref).name == expected


@pytest.mark.parametrize(("ref", "error"), [("4", StoreError), ("0", StoreError), ("Deploy", StoreError)])
def test_find_step_missing(store: Store, matrix_run: RunId, ref: str, error: type[Exception]) -> None:
    with pytest.raises(error, match="no step"):
        find_step(steps_of(store, matrix_run, "build"), ref)


def test_find_step_ambiguous_prefix(bus: EventBus, recorder: Recorder, store: Store) -> None:
    publish(bus, [run_started("s"), *step("s", "a", 0, "Test unit", (), Conclusion.SUCCESS, at=1)])
    publish(bus, step("s", "a", 1, "Test e2e", (), Conclusion.SUCCESS, at=2))
    recorder.flush(timeout=5)
    with pytest.raises(UsageError, match="'Test' is ambiguous: it could be 1 'Test unit', 2 'Test e2e'"):
        find_step(steps_of(store, RunId("s"), "a"), "Test")
