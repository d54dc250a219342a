"""Starting runs: the snapshot, the requests, the engine, and clean-up after them."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence
from pathlib import Path

from runner.engine.execute import execute_run
from runner.engine.request import RunRequest
from runner.launch.planning import Launch, PlannedRun, plan_runs
from runner.launch.runtime import Runtime, collect_garbage
from runner.source.action_cache import ACTIONS_FOLDER, GitActionFetcher
from runner.source.snapshot import new_snapshot_folder, snapshot_commit, snapshot_worktree
from runner.errors import BatonError
from runner.events import JobFinished, JobStarted
from runner.status import Conclusion, RunId
from runner.store import Store
from runner.store.starts import NewRun, begin_runs, finish_unstarted
from runner.workflow.model import Job


async def start_runs(
    runtime: Runtime, launch: Launch, planned: Sequence[PlannedRun] | None = None
) -> tuple[Conclusion, ...]:
    """Run what ``launch`` triggers (``planned``, if the caller planned it already with
    :func:`plan_runs`) to the end, all at once, and return their conclusions in order.

    Before they start, the repository is copied once (``launch.trigger.commit``, or the
    working tree) into a snapshot folder that checkouts read, removed when the runs end.
    While they run, runs of dead processes are marked interrupted and their leftovers
    removed (:func:`collect_garbage`, reported through ``runtime.notify``, a failure too). Every event goes on
    ``runtime.bus`` (so into the store); nothing is printed. ``runtime.cancel(run_id)``
    cancels one run, which then concludes ``cancelled``; cancelling the caller's task
    cancels them all (and raises :class:`asyncio.CancelledError`).

    Raises :class:`~runner.errors.BatonError` (a snapshot or store failure) before any
    run starts; a run's own failures are its conclusion.
    """
    runs = tuple(plan_runs(launch) if planned is None else planned)
    if not runs:
        return ()
    ids = [run.run_id for run in runs]
    await asyncio.to_thread(_begin, runtime.home, new_runs(launch, runs))
    # Garbage collection runs beside the runs, not before them: what it removes belongs to
    # processes that died, never to these runs (recorded active just above, their owner
    # alive). It waits until one of their jobs has its session (or ended): a short run's
    # time is mostly its first container's start, which the sweep must not slow.
    source = new_snapshot_folder()
    begun = asyncio.Event()
    unsubscribe = runtime.bus.subscribe(
        lambda event: begun.set() if isinstance(event, (JobStarted, JobFinished)) and event.run_id in ids else None
    )
    sweep = asyncio.create_task(_collect_garbage(runtime, begun), name="baton gc")
    try:
        try:
            await _settle(asyncio.create_task(asyncio.to_thread(_snapshot, launch, runs, source)))
        except BatonError:
            await asyncio.to_thread(_finish, runtime.home, ids, Conclusion.FAILURE)
            raise
        unstarted = set(ids) if runtime.is_stopping else runtime.cancelled_early.intersection(ids)
        runtime.cancelled_early.difference_update(ids)
        if unstarted:  # cancelled while being prepared: they never start
            await asyncio.to_thread(_finish, runtime.home, sorted(unstarted), Conclusion.CANCELLED)
        requests = [_request(runtime, launch, run, source) for run in runs if run.run_id not in unstarted]
        ended = iter(await _run_all(runtime, requests) if requests else ())
        return tuple(Conclusion.CANCELLED if run.run_id in unstarted else next(ended) for run in runs)
    finally:
        begun.set()
        unsubscribe()
        try:
            await _settle(sweep)
        finally:
            await asyncio.to_thread(shutil.rmtree, source, True)


def new_runs(launch: Launch, planned: Sequence[PlannedRun]) -> tuple[NewRun, ...]:
    """The store's records of ``planned`` before they start (to record them with the ref
    moves or schedule ticks that start them: :func:`runner.store.watched.begin_watched_runs`)."""
    trigger = launch.trigger
    return tuple(
        NewRun(
            run_id=run.run_id,
            workflow=run.info.workflow,
            workflow_path=run.info.workflow_path,
            event=run.info.event_name,
            ref=run.info.ref,
            sha=run.info.sha,
            repository=run.info.repository,
            repo=trigger.repo,
            title=trigger.facts.title,
            trigger={"payload": run.info.event, "inputs": dict(launch.inputs)},
            attempt=run.info.run_attempt,
        )
        for run in planned
    )


def _begin(home: Path, runs: Sequence[NewRun]) -> None:
    with Store.open(home) as store:
        begin_runs(store, runs)


def _finish(home: Path, run_ids: Sequence[RunId], conclusion: Conclusion) -> None:
    with Store.open(home) as store:
        finish_unstarted(store, run_ids, conclusion)


async def _collect_garbage(runtime: Runtime, begun: asyncio.Event) -> None:
    """:func:`collect_garbage` once ``begun`` is set, its failure told through
    ``runtime.notify``: the runs beside it do not depend on it, and the next run's sweep
    tries again."""
    await begun.wait()
    try:
        await collect_garbage(runtime)
    except BatonError as exc:
        runtime.notify(f"garbage collection failed, leftovers of dead processes stay for the next run: {exc}")


async def _settle(task: asyncio.Task[None]) -> None:
    """Wait for ``task`` even when cancelled meanwhile (its thread writes into the folder
    about to be removed), then let the cancellation go on."""
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


def _request(runtime: Runtime, launch: Launch, run: PlannedRun, source: Path) -> RunRequest:
    return RunRequest(
        run_id=run.run_id,
        plan=run.plan,
        info=run.info,
        inputs=run.inputs,
        vars=dict(launch.vars),
        secrets={"GITHUB_TOKEN": "", **launch.secrets},
        env=dict(launch.env),
        source=source,
        placement=runtime.placement,
        executors=dict(runtime.executors),
        actions=dict(runtime.actions),
        home=runtime.home,
        action_settings=dict(runtime.action_settings),
        capacity=runtime.capacity,
        job_groups=runtime.job_groups,
        only_jobs=launch.only_jobs,
        matrix_filter=dict(launch.matrix_filter),
        kept=dict(launch.kept),
        first_attempts=dict(launch.again.first_attempts) if launch.again is not None else {},
        pull=runtime.pull,
        retry=runtime.retry,
        fetcher=GitActionFetcher(
            source=runtime.remote.source, cache=runtime.home / ACTIONS_FOLDER, is_offline=runtime.remote.is_offline
        ),
        node=runtime.remote.node,
    )


async def _run_all(runtime: Runtime, requests: list[RunRequest]) -> tuple[Conclusion, ...]:
    tasks = [asyncio.create_task(execute_run(r, runtime.bus)) for r in requests]
    for request, task in zip(requests, tasks):
        runtime.running[request.run_id] = task
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for request in requests:
            runtime.running.pop(request.run_id, None)
    conclusions: list[Conclusion] = []
    for result in results:
        if isinstance(result, Conclusion):
            conclusions.append(result)
        elif isinstance(result, asyncio.CancelledError):
            conclusions.append(Conclusion.CANCELLED)
        elif isinstance(result, BaseException):
            raise result
    return tuple(conclusions)


def _snapshot(launch: Launch, runs: Sequence[PlannedRun], source: Path) -> None:
    """Copy the repository for checkouts and called workflows (in a thread); runs whose
    jobs use neither skip the copy."""
    if not any(_reads_source(job.job) for run in runs for job in run.plan.jobs.values()):
        return
    trigger = launch.trigger
    if trigger.commit is not None:
        snapshot_commit(trigger.facts.root, trigger.commit, source)
    else:
        snapshot_worktree(trigger.facts.root, source)


def _reads_source(job: Job) -> bool:
    """Whether a job reads the repository snapshot: it checks out, or calls a local workflow."""
    if job.uses and job.uses.startswith("./"):
        return True
    steps = list(job.steps)
    while steps:
        step = steps.pop()
        steps.extend(step.parallel)
        if step.uses and step.uses.partition("@")[0].lower() == "actions/checkout":
            return True
    return False
