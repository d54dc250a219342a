"""Running a recorded run again, on the same commit and event, as its next attempt (same
run id and number, ``github.run_attempt`` + 1): every job, or, as GitHub's "Re-run failed
jobs" does, only the failed (or cancelled, or interrupted) jobs and every job that depends
on them, the other jobs kept with their recorded results and outputs. Each job that runs
again starts at its next attempt, so the store keeps the earlier attempts' steps and logs.

Pure (the caller reads the run, its jobs and the workflow at the run's commit)::

    trigger, inputs = recorded_trigger(record, facts)
    launch = Launch(trigger=trigger, workflows=(workflow,), inputs=inputs, secrets=..., vars=...)
    launch, planned = plan_rerun(launch, record, jobs_of(store, record.id), is_failed_only=True)
    await start_runs(runtime, launch, [planned])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from runner.engine.request import KeptJob, KeptLeg
from runner.errors import BatonError, UsageError
from runner.launch.planning import Launch, NextAttempt, PlannedRun, Trigger, plan_runs
from runner.plan import Plan
from runner.source.repo import RepoFacts
from runner.status import Conclusion
from runner.store.records import JobRecord, RunRecord

RUN_AGAIN = frozenset({Conclusion.FAILURE, Conclusion.CANCELLED, Conclusion.INTERRUPTED})
"""How a job must have ended to be run again by a re-run of failed jobs."""


def recorded_trigger(record: RunRecord, facts: RepoFacts) -> tuple[Trigger, dict[str, str]]:
    """The trigger of ``record`` (its event, payload, commit and ref) over ``facts`` of
    its repository, and the inputs it was given."""
    payload = record.trigger.get("payload")
    given = record.trigger.get("inputs")
    trigger = Trigger(
        event_name=record.event,
        payload=payload if isinstance(payload, dict) else {},
        facts=replace(facts, sha=record.sha, ref=record.ref, title=record.title or facts.title),
        commit=record.sha,
        repo=record.repo,
    )
    inputs = {str(k): str(v) for k, v in given.items()} if isinstance(given, dict) else {}
    return trigger, inputs


def plan_rerun(
    launch: Launch, record: RunRecord, jobs: Sequence[JobRecord], *, is_failed_only: bool
) -> tuple[Launch, PlannedRun]:
    """The re-run of ``record``: ``launch`` holds its trigger and its one workflow (read at
    the run's commit), as the run's next attempt; the recorded ``jobs`` (all of them) give
    each job's next attempt and, with ``is_failed_only``, the jobs to keep.

    Raises :class:`~runner.errors.UsageError` when only failed jobs are asked for and none
    failed, and :class:`~runner.errors.BatonError` when the workflow no longer runs on
    the run's event.
    """
    again = NextAttempt(run_id=record.id, attempt=record.attempt + 1)
    planned = plan_runs(replace(launch, only_jobs=None, kept={}, again=again))
    if len(planned) != 1:
        raise BatonError(f"{record.workflow_path} does not run on {record.event} for {record.ref} at {record.sha[:12]}")
    kept = kept_jobs(planned[0].plan, record, jobs) if is_failed_only else {}
    if is_failed_only and len(kept) == len(planned[0].plan.jobs):
        raise UsageError(f"run #{record.number} has no failed jobs to run again")
    kept_keys = {leg.key for job in kept.values() for leg in job.legs}
    again = replace(again, first_attempts={job.job_key: job.attempt + 1 for job in jobs if job.job_key not in kept_keys})
    return replace(launch, only_jobs=None, kept=kept, again=again), planned[0]


def kept_jobs(plan: Plan, record: RunRecord, jobs: Sequence[JobRecord]) -> dict[str, KeptJob]:
    """The jobs of ``plan`` a re-run of failed jobs keeps: those recorded as ended, none of
    whose legs is in :data:`RUN_AGAIN`, and none of whose needs (at any depth) runs again."""
    legs: dict[str, list[JobRecord]] = {}
    for job in jobs:
        if "/" not in job.job_key and job.job_id in plan.jobs:  # a called workflow's jobs go with their caller
            legs.setdefault(job.job_id, []).append(job)
    again = {
        job_id
        for job_id in plan.jobs
        if not legs.get(job_id) or any(not leg.is_completed or leg.conclusion in RUN_AGAIN for leg in legs[job_id])
    }
    is_growing = True
    while is_growing:  # and everything downstream of what runs again
        grown = again | {job_id for job_id, planned in plan.jobs.items() if again.intersection(planned.job.needs)}
        is_growing, again = grown != again, grown
    return {
        job_id: KeptJob(
            from_run=record.id,
            legs=tuple(
                KeptLeg(key=leg.job_key, name=leg.name, matrix=dict(leg.matrix), conclusion=leg.conclusion or Conclusion.SUCCESS, outputs=dict(leg.outputs))
                for leg in legs[job_id]
            ),
        )
        for job_id in plan.jobs
        if job_id not in again
    }
