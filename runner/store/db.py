"""Opening the run database: WAL, pragmas, numbered migrations, and errors that name the file.

WAL lets a dashboard or ``baton logs`` in another process read while a run writes;
``synchronous=NORMAL`` is durable across a crash of baton (a power cut may lose the
last commits, never corrupt the file).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from runner.errors import StoreError
from runner.store.migrations import MIGRATIONS, SCHEMA_VERSION
from runner.store.paths import PRIVATE_FILE, baton_home, database_path, ensure_home, private_file

BUSY_TIMEOUT_SECONDS = 10.0
"""How long a statement waits for another process's write lock before giving up."""


class Store:
    """An open run store: the database of one baton home and the folder of its logs.

    A ``Store`` belongs to the thread that opened it; the recorder opens its own.
    """

    def __init__(self, *, home: Path, connection: sqlite3.Connection) -> None:
        self.home = home
        """The baton home; step log paths are relative to it."""
        self.path = database_path(home)
        """The SQLite file."""
        self.connection = connection
        """The open connection (autocommit; use :meth:`transaction` to write)."""

    @classmethod
    def open(cls, home: Path | None = None) -> Store:
        """Open (creating and upgrading as needed) the store in ``home`` (default: :func:`baton_home`)."""
        home = baton_home() if home is None else ensure_home(home)
        return cls(home=home, connection=connect(database_path(home)))

    def log_file(self, log_path: str) -> Path:
        """The absolute path of a step's log, given ``steps.log_path``."""
        return self.home / log_path

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        with translated(self.path):
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def connect(path: Path, *, is_shared_with_thread: bool = False) -> sqlite3.Connection:
    """A connection to the run database at ``path``, configured and migrated to the current schema.

    ``is_shared_with_thread`` allows handing the connection to one other thread (the
    recorder's writer), which then uses it alone.
    """
    with translated(path):
        private_file(path)  # SQLite gives its -wal and -shm files the database's mode
        connection = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=not is_shared_with_thread,
        )
    try:
        with translated(path):
            connection.row_factory = sqlite3.Row
            mode = _enable_wal(connection)
            if mode != "wal":
                raise StoreError(f"the database cannot use WAL mode (it is in {mode!r} mode)", where=str(path))
            for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                if companion.exists() and companion.stat().st_mode & 0o777 != PRIVATE_FILE:
                    companion.chmod(PRIVATE_FILE)  # made by an older baton
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            migrate(connection, path=path)
    except BaseException:
        connection.close()
        raise
    return connection


def _enable_wal(connection: sqlite3.Connection) -> str:
    """Switch to WAL; a new file opened by several processes at once may refuse for a moment
    (the switch needs the file to itself, and SQLite does not wait for it), so try again."""
    mode = ""
    for _ in range(50):
        try:
            mode = str(connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if mode == "wal":
            break
        time.sleep(0.02)
    return mode


def schema_version(connection: sqlite3.Connection) -> int:
    """The version of the schema in this database (0 for a new, empty file)."""
    try:
        row = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0] or 0)


def migrate(connection: sqlite3.Connection, *, path: Path, target: int = SCHEMA_VERSION) -> int:
    """Run the migrations the database has not seen, up to ``target``; returns its version.

    Safe when several processes open a new file at once: the check is repeated under
    the write lock, so each migration runs exactly once.
    """
    current = schema_version(connection)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"the run store has schema version {current}, newer than this baton knows ({SCHEMA_VERSION}); "
            "upgrade baton or point BATON_HOME elsewhere",
            where=str(path),
        )
    if current >= target:
        return current
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        current = schema_version(connection)
        for migration in MIGRATIONS:
            if current < migration.version <= target:
                for statement in migration.statements:
                    connection.execute(statement)
                connection.execute(
                    "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.description, time.time()),
                )
                current = migration.version
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return current


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn SQLite's exceptions into a :class:`StoreError` naming ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """A user-facing :class:`StoreError` for an SQLite failure on the store at ``path``."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        message = (
            f"the run store stayed locked for more than {BUSY_TIMEOUT_SECONDS:g} s "
            "(another baton process is writing and does not let go)"
        )
    elif "not a database" in text:
        message = "this file is not an SQLite database (point BATON_HOME elsewhere, or move the file away)"
    elif "unable to open" in text or "readonly" in text or "read-only" in text:
        message = f"cannot open the run store for writing ({text}); check the file's and its folder's permissions"
    elif "malformed" in text or "corrupt" in text:
        message = f"the run store is damaged ({text})"
    else:
        message = f"run store error: {text}"
    return StoreError(message, where=str(path))
