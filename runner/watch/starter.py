"""Starting the service's runs: each planned workflow recorded (with the ref moves or
schedule ticks that start it, in one transaction), a workflow that cannot load or plan
recorded as a failed run, and each run started through its concurrency group."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from runner.errors import BatonError, Diagnostic, Mark
from runner.expr import Value
from runner.launch import Launch, PlannedRun, Runtime, new_runs, plan_runs, start_runs
from runner.status import Conclusion, RunId, new_run_id
from runner.store.starts import NewRun, finish_unstarted
from runner.store.watched import RefMove, Tick, begin_watched_runs
from runner.watch.concurrency import Groups, group_of
from runner.watch.failed_run import publish_failed_run
from runner.watch.poller import Say
from runner.watch.run_notes import RunNotes
from runner.watch.store_thread import StoreThread

STOP_SECONDS = 8.0
"""How long stopping waits for cancelled runs to clean up (SIGTERM must end within 10 s)."""

Invalid = tuple[str, tuple[Diagnostic, ...]]
"""A workflow file that does not load or plan, and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Waiting:
    """A planned run waiting for its turn in a concurrency group."""

    launch: Launch
    run: PlannedRun


class Starter:
    """Records and starts runs, keeps their concurrency groups, holds their tasks."""

    def __init__(self, runtime: Runtime, store: StoreThread, say: Say) -> None:
        self.runtime = runtime
        self.store = store
        self.say = say
        self.tasks: dict[RunId, asyncio.Task[None]] = {}
        """The runs started and not ended yet."""
        self._groups: Groups[_Waiting] = Groups()
        self._group_of: dict[RunId, str] = {}
        self.notes = RunNotes(runtime.bus)

    async def launch(
        self,
        launch: Launch,
        *,
        invalid: Iterable[Invalid] = (),
        moves: Iterable[RefMove] = (),
        ticks: Iterable[Tick] = (),
        secrets_read: Mapping[str, frozenset[str]] | None = None,
    ) -> tuple[list[PlannedRun], list[NewRun]]:
        """Plan each workflow of ``launch``, record the runs with ``moves`` and ``ticks``,
        then start them; a workflow in ``invalid`` (or one that cannot be planned) becomes
        a failed run. A secret a workflow reads (``secrets_read``, by path) that is not
        configured is empty, with a warning in the run's log. Returns the planned runs
        and the failed ones."""
        planned, unplanned = _plan_each(launch)
        for one in planned:
            missing = sorted((secrets_read or {}).get(one.workflow.path, frozenset()) - set(launch.secrets) - {"GITHUB_TOKEN"})
            self.notes.add(one.run_id, tuple(
                f"##[warning]secret {name} is not configured for {launch.trigger.repo} (secrets_file or secrets_env "
                "in baton.toml): it is empty" for name in missing
            ))  # fmt: skip
        failed = [(_failed_run(launch, path), diagnostics) for path, diagnostics in [*invalid, *unplanned]]
        await self.store.call(begin_watched_runs, [*new_runs(launch, planned), *(run for run, _ in failed)], list(moves), list(ticks))
        for run, diagnostics in failed:
            publish_failed_run(self.runtime.bus, run, diagnostics)
        for one in planned:
            await self._start(launch, one)
        return planned, [run for run, _ in failed]

    async def cancel(self, run_id: RunId) -> str | None:
        """Cancel a run held here; what was done, or None when it is not held here."""
        if self._groups.withdraw(run_id):
            self._group_of.pop(run_id, None)
            await self.store.call(finish_unstarted, [run_id], Conclusion.CANCELLED)
            return f"run {run_id} was waiting for its concurrency group; cancelled"
        if run_id in self.tasks:
            self.runtime.cancel(run_id)
            return f"cancelling run {run_id}: its steps stop and what they started is removed"
        return None

    async def stop(self) -> None:
        """Cancel every run (those waiting never start) and wait for them to clean up."""
        waiting = self._groups.pending()
        for run_id in waiting:
            self._groups.withdraw(run_id)
        if waiting:
            await self.store.call(finish_unstarted, waiting, Conclusion.CANCELLED)
        held, tasks = list(self.tasks), list(self.tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_SECONDS)
            await self.store.call(finish_unstarted, held, Conclusion.CANCELLED)  # those cut off while being prepared
        self.notes.close()

    async def _start(self, launch: Launch, run: PlannedRun) -> None:
        """Start ``run`` now, or make it its concurrency group's pending run."""
        try:
            group = group_of(run, launch.vars)
        except BatonError as exc:
            self.say(f"{launch.trigger.repo}: {run.workflow.path}: concurrency: {exc}; the run starts outside any group")
            group = None
        if group is None:
            self._spawn(launch, run)
            return
        self._group_of[run.run_id] = group.name
        is_now, replaced, running = self._groups.arrive(group.name, run.run_id, _Waiting(launch=launch, run=run))
        if replaced is not None:
            self._group_of.pop(replaced, None)
            await self.store.call(finish_unstarted, [replaced], Conclusion.CANCELLED)
            self.say(f"run {replaced} of group '{group.name}' was replaced by the newer run {run.run_id}; cancelled")
        if is_now:
            self._spawn(launch, run)
            return
        self.say(f"run {run.run_id} waits for run {running} of group '{group.name}'")
        if group.is_cancelling and running is not None:
            self.runtime.cancel(running)
            self.say(f"run {running} of group '{group.name}' cancelled (cancel-in-progress)")

    def _spawn(self, launch: Launch, run: PlannedRun) -> None:
        self.tasks[run.run_id] = asyncio.create_task(self._run(launch, run), name=f"run {run.run_id}")

    async def _run(self, launch: Launch, run: PlannedRun) -> None:
        where = f"{launch.trigger.repo} {run.workflow.display_name} on {_short(run.info.ref)}"
        try:
            (conclusion,) = await start_runs(self.runtime, launch, [run])
            self.say(f"run {run.run_id} ({where}): {conclusion.value}")
        except BatonError as exc:
            self.say(f"run {run.run_id} ({where}) could not start: {exc}")
            await self.store.call(finish_unstarted, [run.run_id], Conclusion.FAILURE)
        finally:
            self.tasks.pop(run.run_id, None)
            group = self._group_of.pop(run.run_id, None)
            following = self._groups.leave(group, run.run_id) if group is not None else None
            if following is not None:
                self._spawn(following[1].launch, following[1].run)


def _plan_each(launch: Launch) -> tuple[list[PlannedRun], list[Invalid]]:
    """Plan each workflow alone: one that cannot be planned fails alone."""
    planned: list[PlannedRun] = []
    invalid: list[Invalid] = []
    for workflow in launch.workflows:
        try:
            planned.extend(plan_runs(replace(launch, workflows=(workflow,))))
        except BatonError as exc:
            invalid.append((workflow.path, (Diagnostic(Mark(workflow.path, 1, 1), str(exc)),)))
    return planned, invalid


def _failed_run(launch: Launch, path: str) -> NewRun:
    trigger, facts = launch.trigger, launch.trigger.facts
    payload: dict[str, Value] = dict(trigger.payload)
    return NewRun(
        run_id=new_run_id(), workflow=path, workflow_path=path, event=trigger.event_name, ref=facts.ref,
        sha=facts.sha, repository=facts.repository, repo=trigger.repo, title=facts.title,
        trigger={"payload": payload, "inputs": dict(launch.inputs)},
    )  # fmt: skip


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/").removeprefix("refs/tags/")

