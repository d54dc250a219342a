"""Opening the database: pragmas, migrations, concurrency and clear errors."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from runner.errors import StoreError
from runner.store import Store, get_run, recover
from runner.store.db import connect, migrate, schema_version
from runner.store.migrations import SCHEMA_VERSION


def test_pragmas(store: Store) -> None:
    one = store.connection.execute
    assert one("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert one("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert one("PRAGMA foreign_keys").fetchone()[0] == 1
    assert one("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_migrations_run_once(home: Path) -> None:
    for _ in range(3):
        with Store.open(home) as store:
            assert schema_version(store.connection) == SCHEMA_VERSION
            versions = [row[0] for row in store.connection.execute("SELECT version FROM schema_version")]
            assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_a_version_1_file_upgrades_and_keeps_its_runs(home: Path) -> None:
    home.mkdir()
    old = sqlite3.connect(home / "baton.db", isolation_level=None)
    assert migrate(old, path=home / "baton.db", target=1) == 1
    old.execute(
        "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status, started_at,"
        " pid, host) VALUES ('old-run', 1, 'CI', 'ci.yml', 'push', 'refs/heads/main', 'abc', '/r', 'running',"
        " 1.0, 2147483646, 'somewhere-else')"
    )
    old.close()

    with Store.open(home) as store:
        assert schema_version(store.connection) == SCHEMA_VERSION
        run = get_run(store, "old-run")
        assert (run.number, run.host) == (1, "somewhere-else")
        assert recover(store) == ()  # another host's run is not judged from here
        (start,) = store.connection.execute("SELECT process_start FROM runs").fetchone()
        assert start is None


def test_a_newer_schema_is_refused(home: Path) -> None:
    with Store.open(home) as store:
        store.connection.execute("INSERT INTO schema_version VALUES (?, 'from the future', 0)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this baton knows") as caught:
        Store.open(home)
    assert caught.value.where == str(home / "baton.db")
    assert caught.value.exit_code == 3


def test_a_file_that_is_not_a_database(home: Path) -> None:
    home.mkdir()
    (home / "baton.db").write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(StoreError, match="not an SQLite database") as caught:
        Store.open(home)
    assert caught.value.where == str(home / "baton.db")


def test_a_database_path_that_cannot_be_opened(home: Path) -> None:
    (home / "baton.db").mkdir(parents=True)  # a folder where the file should be (works even as root)
    with pytest.raises(StoreError, match="cannot open the run store") as caught:
        Store.open(home)
    assert caught.value.where == str(home / "baton.db")


def test_a_store_locked_too_long(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir()
    holder = sqlite3.connect(home / "baton.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # a writer that does not let go, before any migration ran
    monkeypatch.setattr("runner.store.db.BUSY_TIMEOUT_SECONDS", 0.1)
    try:
        with pytest.raises(StoreError, match="stayed locked") as caught:
            Store.open(home)
        assert caught.value.where == str(home / "baton.db")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_wal_lets_a_reader_read_while_a_writer_writes(home: Path) -> None:
    with Store.open(home) as writer, Store.open(home) as reader:
        insert = (
            "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status)"
            " VALUES (?, ?, 'CI', 'ci.yml', 'push', 'refs/heads/main', 'abc', '/r', 'running')"
        )
        with writer.transaction() as connection:
            connection.execute(insert, ("first", 1))
        writer.connection.execute("BEGIN IMMEDIATE")
        writer.connection.execute(insert, ("second", 2))
        # The writer holds its lock mid-transaction; the reader neither waits nor sees uncommitted rows.
        rows = reader.connection.execute("SELECT id FROM runs ORDER BY number").fetchall()
        assert [r[0] for r in rows] == ["first"]
        writer.connection.execute("COMMIT")
        rows = reader.connection.execute("SELECT id FROM runs ORDER BY number").fetchall()
        assert [r[0] for r in rows] == ["first", "second"]


def test_a_failed_transaction_rolls_back(store: Store) -> None:
    with pytest.raises(StoreError, match="run store error"):
        with store.transaction() as connection:
            connection.execute(
                "INSERT INTO runs (id, number, workflow, workflow_path, event, ref, sha, repository, status)"
                " VALUES ('x', 1, 'CI', 'ci.yml', 'push', 'r', 's', '/r', 'running')"
            )
            connection.execute("INSERT INTO nowhere VALUES (1)")
    assert store.connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0


def test_concurrent_first_opens_migrate_once(home: Path) -> None:
    home.mkdir()
    barrier = threading.Barrier(6)

    def open_at_once() -> int:
        barrier.wait()
        connection = connect(home / "baton.db")
        try:
            return int(connection.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0])
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        counts = set(pool.map(lambda _: open_at_once(), range(6)))
    assert counts == {SCHEMA_VERSION}
