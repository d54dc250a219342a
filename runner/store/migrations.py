"""The store's schema as numbered migrations: append new ones, never edit shipped ones.

A file written by an older baton upgrades by running the migrations it has not seen;
``schema_version`` remembers which ran. Conclusions and statuses are stored as the
words of ``runner.status`` and checked when read, not by ``CHECK`` constraints, so a
new word never needs a table rebuild. No column holds environment values or secrets:
log lines arrive masked and live in files, not here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    """One step of the schema's history."""

    version: int
    """Its number; the schema is at version N once migrations 1..N ran."""
    description: str
    statements: tuple[str, ...]
    """SQL statements, run in order inside one transaction."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="runs, jobs, steps and annotations",
        statements=(
            """
            CREATE TABLE runs (
                id            TEXT PRIMARY KEY,
                number        INTEGER NOT NULL UNIQUE,
                workflow      TEXT NOT NULL,
                workflow_path TEXT NOT NULL,
                event         TEXT NOT NULL,
                ref           TEXT NOT NULL,
                sha           TEXT NOT NULL,
                repository    TEXT NOT NULL,
                status        TEXT NOT NULL,
                conclusion    TEXT,
                started_at    REAL,
                finished_at   REAL,
                pid           INTEGER,
                host          TEXT
            )
            """,
            "CREATE INDEX runs_by_repository ON runs (repository, number)",
            """
            CREATE TABLE jobs (
                id          INTEGER PRIMARY KEY,
                run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                job_key     TEXT NOT NULL,
                job_id      TEXT NOT NULL,
                name        TEXT NOT NULL,
                needs       TEXT NOT NULL DEFAULT '[]',
                matrix      TEXT NOT NULL DEFAULT '{}',
                executor    TEXT,
                status      TEXT NOT NULL,
                conclusion  TEXT,
                outputs     TEXT NOT NULL DEFAULT '{}',
                summary     TEXT NOT NULL DEFAULT '',
                reason      TEXT NOT NULL DEFAULT '',
                started_at  REAL,
                finished_at REAL,
                UNIQUE (run_id, job_key)
            )
            """,
            """
            CREATE TABLE steps (
                run_id      TEXT NOT NULL,
                job_key     TEXT NOT NULL,
                idx         INTEGER NOT NULL,
                name        TEXT NOT NULL,
                status      TEXT NOT NULL,
                outcome     TEXT,
                conclusion  TEXT,
                outputs     TEXT NOT NULL DEFAULT '{}',
                started_at  REAL,
                finished_at REAL,
                log_path    TEXT,
                PRIMARY KEY (run_id, job_key, idx),
                FOREIGN KEY (run_id, job_key) REFERENCES jobs (run_id, job_key) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE annotations (
                id      INTEGER PRIMARY KEY,
                run_id  TEXT NOT NULL,
                job_key TEXT NOT NULL,
                idx     INTEGER NOT NULL,
                level   TEXT NOT NULL,
                message TEXT NOT NULL,
                file    TEXT,
                line    INTEGER,
                FOREIGN KEY (run_id, job_key) REFERENCES jobs (run_id, job_key) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX annotations_by_step ON annotations (run_id, job_key, idx)",
        ),
    ),
    Migration(
        version=2,
        description="process identity of a run, so a reused pid is not taken for the run's process",
        statements=(
            # "<boot id>:<start time in clock ticks>" of the pid when the run began (Linux);
            # NULL where /proc is missing, and then the pid alone decides.
            "ALTER TABLE runs ADD COLUMN process_start TEXT",
            # recover() runs on every start: it must only touch unfinished runs.
            "CREATE INDEX runs_unfinished ON runs (host) WHERE status != 'completed'",
        ),
    ),
    Migration(
        version=3,
        description="a run's own liveness: a heartbeat written while its task lives",
        statements=(
            # Unix time of the run's last sign of life, written by the process running it
            # every few seconds; NULL for runs of an older baton (then the process decides).
            # Inside a long-lived service a run can end without its process doing so.
            "ALTER TABLE runs ADD COLUMN heartbeat_at REAL",
        ),
    ),
    Migration(
        version=4,
        description="the watch service: last-seen refs and schedule ticks, and what each run was started for",
        statements=(
            # The watched repository's name in baton.toml (NULL for `baton run`).
            "ALTER TABLE runs ADD COLUMN repo TEXT",
            # The commit's first line.
            "ALTER TABLE runs ADD COLUMN title TEXT NOT NULL DEFAULT ''",
            # JSON {"payload": the event payload, "inputs": the inputs given}: enough to
            # run it again on the same commit and event. Never secrets or variables.
            "ALTER TABLE runs ADD COLUMN \"trigger\" TEXT NOT NULL DEFAULT '{}'",
            "CREATE INDEX runs_by_repo ON runs (repo, number) WHERE repo IS NOT NULL",
            # Each watched repository once seen: its refs are then in watched_refs (maybe none).
            "CREATE TABLE watched_repos (repo TEXT PRIMARY KEY, seen_at REAL NOT NULL)",
            # Where each ref of a watched repository was last seen; written in the same
            # transaction as the runs its move starts.
            """
            CREATE TABLE watched_refs (
                repo TEXT NOT NULL,
                ref  TEXT NOT NULL,
                sha  TEXT NOT NULL,
                PRIMARY KEY (repo, ref)
            ) WITHOUT ROWID
            """,
            # The last tick of each schedule that was run (or passed over on first sight).
            """
            CREATE TABLE schedule_ticks (
                repo          TEXT NOT NULL,
                workflow_path TEXT NOT NULL,
                cron          TEXT NOT NULL,
                tick_at       REAL NOT NULL,
                PRIMARY KEY (repo, workflow_path, cron)
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        version=5,
        description="attempts: a job retried or re-run keeps each attempt's steps, annotations and logs",
        statements=(
            # The run's attempt (github.run_attempt): a re-run of the run makes the next.
            "ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1",
            # The job's latest attempt: its row always shows that one.
            "ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1",
            # Every attempt of a job as it went (the latest one too).
            """
            CREATE TABLE job_attempts (
                run_id      TEXT NOT NULL,
                job_key     TEXT NOT NULL,
                attempt     INTEGER NOT NULL,
                run_attempt INTEGER NOT NULL DEFAULT 1,
                executor    TEXT,
                status      TEXT NOT NULL,
                conclusion  TEXT,
                reason      TEXT NOT NULL DEFAULT '',
                started_at  REAL,
                finished_at REAL,
                PRIMARY KEY (run_id, job_key, attempt),
                FOREIGN KEY (run_id, job_key) REFERENCES jobs (run_id, job_key) ON DELETE CASCADE
            ) WITHOUT ROWID
            """,
            "INSERT INTO job_attempts (run_id, job_key, attempt, executor, status, conclusion, reason, started_at,"
            " finished_at) SELECT run_id, job_key, 1, executor, status, conclusion, reason, started_at, finished_at FROM jobs",
            # Steps are kept per attempt: the key gains it (SQLite rebuilds the table for that).
            """
            CREATE TABLE steps_by_attempt (
                run_id      TEXT NOT NULL,
                job_key     TEXT NOT NULL,
                attempt     INTEGER NOT NULL DEFAULT 1,
                idx         INTEGER NOT NULL,
                name        TEXT NOT NULL,
                status      TEXT NOT NULL,
                outcome     TEXT,
                conclusion  TEXT,
                outputs     TEXT NOT NULL DEFAULT '{}',
                started_at  REAL,
                finished_at REAL,
                log_path    TEXT,
                PRIMARY KEY (run_id, job_key, attempt, idx),
                FOREIGN KEY (run_id, job_key) REFERENCES jobs (run_id, job_key) ON DELETE CASCADE
            )
            """,
            "INSERT INTO steps_by_attempt (run_id, job_key, idx, name, status, outcome, conclusion, outputs, started_at,"
            " finished_at, log_path) SELECT run_id, job_key, idx, name, status, outcome, conclusion, outputs, started_at,"
            " finished_at, log_path FROM steps",
            "DROP TABLE steps",
            "ALTER TABLE steps_by_attempt RENAME TO steps",
            "ALTER TABLE annotations ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1",
        ),
    ),
)
"""Every migration, in order; the last one's number is the current schema version."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The version this baton writes."""
