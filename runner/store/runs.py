"""Reading runs, jobs, steps and annotations back from the store.

Every function takes an open :class:`~runner.store.db.Store` and returns frozen
records; they are safe to call from another process while a run is being written.
"""

from __future__ import annotations

from collections.abc import Sequence

from runner.errors import StoreError, UsageError
from runner.status import RunId
from runner.store.db import Store, translated
from runner.store.records import (
    AnnotationRecord,
    JobAttemptRecord,
    JobRecord,
    RunRecord,
    StepRecord,
    annotation_from_row,
    job_attempt_from_row,
    job_from_row,
    run_from_row,
    step_from_row,
)

MAX_CANDIDATES = 10
"""How many matches an "ambiguous" error lists."""


def list_runs(store: Store, limit: int = 20, repository: str | None = None) -> tuple[RunRecord, ...]:
    """The most recent runs, newest first; only those of ``repository`` when given."""
    with translated(store.path):
        if repository is None:
            rows = store.connection.execute("SELECT * FROM runs ORDER BY number DESC LIMIT ?", (limit,))
        else:
            rows = store.connection.execute(
                "SELECT * FROM runs WHERE repository = ? ORDER BY number DESC LIMIT ?", (repository, limit)
            )
        return tuple(run_from_row(row) for row in rows)


def retries_of(store: Store, run_ids: Sequence[RunId]) -> dict[RunId, int]:
    """How many times jobs of each run were retried because the infrastructure broke (attempts
    beyond each job's first within one attempt of the run); runs with none are left out."""
    if not run_ids:
        return {}
    marks = ", ".join("?" * len(run_ids))
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT run_id, COUNT(*) - COUNT(DISTINCT job_key || char(0) || run_attempt) FROM job_attempts"
            f" WHERE run_id IN ({marks}) GROUP BY run_id",
            tuple(run_ids),
        )
        return {RunId(run_id): count for run_id, count in rows if count}


def get_run(store: Store, run_ref: str) -> RunRecord:
    """The run named by ``run_ref``: its id, its number, or a unique prefix of its id.

    An exact id wins, then a number, then a prefix. Raises :class:`StoreError` when no
    run matches and :class:`UsageError` listing the candidates when several do.
    """
    ref = run_ref.strip()
    if not ref:
        raise UsageError("a run must be named by its number or (a prefix of) its id")
    with translated(store.path):
        row = store.connection.execute("SELECT * FROM runs WHERE id = ?", (ref,)).fetchone()
        if row is None and ref.isdigit():
            row = store.connection.execute("SELECT * FROM runs WHERE number = ?", (int(ref),)).fetchone()
        if row is not None:
            return run_from_row(row)
        # A range on the primary key finds prefixes without LIKE's wildcards.
        rows = store.connection.execute(
            "SELECT * FROM runs WHERE id >= ? AND id < ? ORDER BY number DESC LIMIT ?",
            (ref, ref + "\U0010ffff", MAX_CANDIDATES + 1),
        ).fetchall()
    if not rows:
        raise StoreError(f"no run {ref!r} in the store (see `baton runs`)", where=str(store.path))
    if len(rows) > 1:
        listed = ", ".join(f"#{r['number']} {r['id']}" for r in rows[:MAX_CANDIDATES])
        more = " …" if len(rows) > MAX_CANDIDATES else ""
        raise UsageError(f"run {ref!r} is ambiguous: it could be {listed}{more}")
    return run_from_row(rows[0])


def previous_run(store: Store, run: RunRecord) -> RunRecord | None:
    """The last completed run before ``run`` of the same workflow, repository and ref
    (what "fixed" compares with), or None."""
    with translated(store.path):
        row = store.connection.execute(
            "SELECT * FROM runs WHERE repository = ? AND workflow_path = ? AND ref = ? AND number < ?"
            " AND status = 'completed' ORDER BY number DESC LIMIT 1",
            (run.repository, run.workflow_path, run.ref, run.number),
        ).fetchone()
    return None if row is None else run_from_row(row)


def jobs_of(store: Store, run_id: RunId) -> tuple[JobRecord, ...]:
    """The jobs of a run, in the order they were queued."""
    with translated(store.path):
        rows = store.connection.execute("SELECT * FROM jobs WHERE run_id = ? ORDER BY id", (run_id,))
        return tuple(job_from_row(row) for row in rows)


def steps_of(store: Store, run_id: RunId, job_key: str, attempt: int | None = None) -> tuple[StepRecord, ...]:
    """The steps of one attempt of a job (None: its latest) that started or were skipped so
    far, in step order."""
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT * FROM steps WHERE run_id = ? AND job_key = ?"
            " AND attempt = COALESCE(?, (SELECT attempt FROM jobs WHERE run_id = ? AND job_key = ?)) ORDER BY idx",
            (run_id, job_key, attempt, run_id, job_key),
        )
        return tuple(step_from_row(row) for row in rows)


def attempts_of(store: Store, run_id: RunId, job_key: str) -> tuple[JobAttemptRecord, ...]:
    """Every attempt of a job so far, first first."""
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT * FROM job_attempts WHERE run_id = ? AND job_key = ? ORDER BY attempt", (run_id, job_key)
        )
        return tuple(job_attempt_from_row(row) for row in rows)


def annotations_of(store: Store, run_id: RunId) -> tuple[AnnotationRecord, ...]:
    """The annotations of a run's jobs' latest attempts, in the order they were printed."""
    with translated(store.path):
        rows = store.connection.execute(
            "SELECT annotations.* FROM annotations JOIN jobs USING (run_id, job_key)"
            " WHERE annotations.run_id = ? AND annotations.attempt = jobs.attempt ORDER BY annotations.id",
            (run_id,),
        )
        return tuple(annotation_from_row(row) for row in rows)


def find_job(store: Store, run_id: RunId, ref: str) -> JobRecord:
    """The job of a run named by ``ref``: its key, its job id (if only one leg has it), or its display name.

    Raises :class:`StoreError` when nothing matches and :class:`UsageError` listing
    the candidates when several do.
    """
    jobs = jobs_of(store, run_id)
    for matches in (
        [j for j in jobs if j.job_key == ref],
        [j for j in jobs if j.job_id == ref],
        [j for j in jobs if j.name == ref],
        [j for j in jobs if j.name.casefold() == ref.casefold()],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            listed = ", ".join(f"{j.job_key} ({j.name})" for j in matches[:MAX_CANDIDATES])
            raise UsageError(f"job {ref!r} is ambiguous in run {run_id}: it could be {listed}")
    known = ", ".join(j.job_key for j in jobs[:MAX_CANDIDATES]) or "none yet"
    raise StoreError(f"run {run_id} has no job {ref!r} (its jobs: {known})", where=str(store.path))


def find_step(steps: tuple[StepRecord, ...], ref: str) -> StepRecord:
    """The step named by ``ref`` among ``steps``: its number as shown (1-based) or a prefix of its name.

    Raises :class:`StoreError` when nothing matches and :class:`UsageError` listing
    the candidates when several do.
    """
    if ref.isdigit():
        number = int(ref)
        if 1 <= number <= len(steps):
            return steps[number - 1]
    for matches in (
        [s for s in steps if s.name == ref],
        [s for s in steps if s.name.startswith(ref)],
        [s for s in steps if s.name.casefold().startswith(ref.casefold())],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            listed = ", ".join(f"{steps.index(s) + 1} {s.name!r}" for s in matches[:MAX_CANDIDATES])
            raise UsageError(f"step {ref!r} is ambiguous: it could be {listed}")
    known = ", ".join(f"{n} {s.name!r}" for n, s in enumerate(steps[:MAX_CANDIDATES], 1)) or "none yet"
    raise StoreError(f"no step {ref!r} (the steps: {known})")
