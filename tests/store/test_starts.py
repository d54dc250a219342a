"""Runs recorded before they start, with the ref moves and schedule ticks that start them."""

from __future__ import annotations

import sqlite3

import pytest

from runner.errors import StoreError
from runner.events import EventBus
from runner.status import Conclusion, RunId, Status
from runner.store import Recorder, Store, get_run
from runner.store.starts import NewRun, begin_runs, finish_unstarted
from runner.store.watched import RefMove, Tick, begin_watched_runs, first_sight, schedule_ticks, watched_refs
from tests.store.events import publish, whole_run

SHA = "0123456789abcdef0123456789abcdef01234567"


def new_run(run_id: str, **changes: object) -> NewRun:
    values: dict[str, object] = {
        "run_id": RunId(run_id), "workflow": "CI", "workflow_path": ".github/workflows/ci.yml", "event": "push",
        "ref": "refs/heads/main", "sha": SHA, "repository": "local/app", "repo": "app", "title": "Add a feature",
        "trigger": {"payload": {"ref": "refs/heads/main", "after": SHA}, "inputs": {}},
    }  # fmt: skip
    values.update(changes)
    return NewRun(**values)  # type: ignore[arg-type]


def test_a_repository_never_seen_has_no_refs_and_first_sight_records_them(store: Store) -> None:
    assert watched_refs(store, "app") is None
    first_sight(store, "app", {})
    assert watched_refs(store, "app") == {}
    first_sight(store, "app", {"refs/heads/main": SHA, "refs/tags/v1": "1" * 40})
    assert watched_refs(store, "app") == {"refs/heads/main": SHA, "refs/tags/v1": "1" * 40}
    assert watched_refs(store, "other") is None


def test_runs_and_moves_and_ticks_are_written_together(store: Store) -> None:
    first_sight(store, "app", {"refs/heads/main": "1" * 40, "refs/heads/old": "2" * 40})
    begin_watched_runs(
        store,
        [new_run("run00001"), new_run("run00002", workflow="Lint")],
        [RefMove(repo="app", ref="refs/heads/main", sha=SHA), RefMove(repo="app", ref="refs/heads/old", sha=None)],
        [Tick(repo="app", workflow_path=".github/workflows/nightly.yml", cron="0 3 * * *", at=1000.0)],
    )
    assert watched_refs(store, "app") == {"refs/heads/main": SHA}
    assert schedule_ticks(store, "app") == {(".github/workflows/nightly.yml", "0 3 * * *"): 1000.0}
    first, second = get_run(store, "run00001"), get_run(store, "run00002")
    assert (first.number, second.number) == (1, 2)
    assert (first.status, first.started_at, first.repo, first.title) == (Status.QUEUED, None, "app", "Add a feature")
    assert first.trigger == {"payload": {"ref": "refs/heads/main", "after": SHA}, "inputs": {}}


def test_a_failed_write_moves_no_ref(store: Store) -> None:
    first_sight(store, "app", {"refs/heads/main": "1" * 40})
    with pytest.raises(StoreError):
        # The second run cannot be written: the move and the first run are undone with it.
        begin_watched_runs(
            store,
            [new_run("run00001"), new_run("run00002", workflow=None)],
            [RefMove(repo="app", ref="refs/heads/main", sha=SHA)],
        )
    assert watched_refs(store, "app") == {"refs/heads/main": "1" * 40}
    with pytest.raises(StoreError, match="no run"):
        get_run(store, "run00001")


def test_a_recorded_run_keeps_its_number_title_and_trigger_when_it_starts(
    store: Store, bus: EventBus, recorder: Recorder
) -> None:
    begin_runs(store, [new_run("a1b2c3d4e5f6")])
    begin_runs(store, [new_run("a1b2c3d4e5f6", title="ignored")])  # already there: left as it is
    publish(bus, whole_run("a1b2c3d4e5f6"))
    recorder.flush(timeout=5)
    run = get_run(store, "a1b2c3d4e5f6")
    assert (run.number, run.title, run.repo, run.status, run.conclusion) == (
        1, "Add a feature", "app", Status.COMPLETED, Conclusion.SUCCESS,
    )  # fmt: skip
    assert run.started_at is not None and run.trigger["inputs"] == {}


def test_unstarted_runs_are_concluded_and_started_ones_left_alone(store: Store, bus: EventBus, recorder: Recorder) -> None:
    begin_runs(store, [new_run("pending01"), new_run("started01")])
    publish(bus, whole_run("started01")[:1])
    recorder.flush(timeout=5)
    finish_unstarted(store, [RunId("pending01"), RunId("started01")], Conclusion.CANCELLED)
    pending, started = get_run(store, "pending01"), get_run(store, "started01")
    assert (pending.status, pending.conclusion, pending.started_at) == (Status.COMPLETED, Conclusion.CANCELLED, None)
    assert (started.status, started.conclusion) == (Status.RUNNING, None)


def test_the_migration_adds_the_columns_to_an_older_store(store: Store) -> None:
    columns = {row[1] for row in store.connection.execute("PRAGMA table_info(runs)")}
    assert {"repo", "title", "trigger"} <= columns
    tables = {row[0] for row in store.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"watched_refs", "watched_repos", "schedule_ticks"} <= tables
    assert isinstance(store.connection, sqlite3.Connection)
