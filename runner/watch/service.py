"""The watch service: one asyncio process that polls its repositories, starts the runs
their pushes, schedules and dispatches trigger, and holds them all in one runtime
(executors, capacity and the store shared, as ``baton run`` has them for its runs).

A ref's new position is recorded in the same transaction as the runs it starts
(:func:`runner.store.starts.begin_runs`), so after a crash, even ``kill -9``, each ref
that moved while baton was down is built once at its head, and nothing is built twice.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from runner.errors import BatonError, Diagnostic, Mark
from runner.expr import Value
from runner.launch import Launch, PlannedRun, Runtime, Trigger, collect_garbage, new_runs, plan_runs, start_runs
from runner.status import Conclusion, RunId, new_run_id
from runner.store import Store, get_run, jobs_of
from runner.store.starts import NewRun, begin_runs, finish_unstarted
from runner.store.watched import RefMove, Tick, first_sight, schedule_ticks, watched_refs
from runner.watch.concurrency import Groups, group_of
from runner.watch.dispatch import dispatch_payload, find_workflow
from runner.watch.failed_run import publish_failed_run
from runner.watch.poller import RepoWatch, Say
from runner.watch.pushes import describe_push
from runner.watch.refs import RefChange
from runner.watch.repository import Repository
from runner.watch.schedule import due_ticks, next_tick
from runner.watch.service_api import RepoState
from runner.watch.settings import RepoSettings
from runner.watch.values import RunValues, read_values
from runner.source.repo import RepoFacts, repository_name
from runner.workflow.model import Workflow

T = TypeVar("T")

STOP_SECONDS = 8.0
"""How long stopping waits for cancelled runs to clean up (SIGTERM must end within 10 s)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Start:
    """A planned run waiting for its turn in a concurrency group."""

    launch: Launch
    run: PlannedRun


class Service:
    """Watches repositories and runs what they trigger; implements :class:`ServiceApi`."""

    def __init__(
        self,
        runtime: Runtime,
        repos: Sequence[RepoSettings],
        *,
        say: Say,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runtime = runtime
        self.say = say
        self.clock = clock
        """Unix time now (schedules read it; tests move it)."""
        mirrors = runtime.home / "mirrors"
        self.watches = {repo.name: RepoWatch(repo, mirrors=mirrors, say=say) for repo in repos}
        self._tasks: dict[RunId, asyncio.Task[object]] = {}
        self._groups: Groups[_Start] = Groups()
        self._group_of: dict[RunId, str] = {}
        self._ticks: dict[str, dict[tuple[str, str], float]] = {}
        self._store: Store | None = None
        self._store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-watch-store")

    # --- life ---------------------------------------------------------------------------------

    async def serve(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set, then cancel every run, wait for them to clean up
        (at most :data:`STOP_SECONDS`) and close the repositories."""
        await collect_garbage(self.runtime)
        polls = [
            asyncio.create_task(watch.run(self._known, self._first_sight, self._on_change, self._schedules), name=f"watch {name}")
            for name, watch in self.watches.items()
        ]
        try:
            await stop.wait()
        finally:
            for task in polls:
                task.cancel()
            await asyncio.gather(*polls, return_exceptions=True)
            await self._stop_runs()
            for watch in self.watches.values():
                await asyncio.to_thread(watch.close)
            await asyncio.get_running_loop().run_in_executor(self._store_thread, self._close_store)
            self._store_thread.shutdown()

    async def _stop_runs(self) -> None:
        pending = self._groups.pending()
        for run_id in pending:
            self._groups.withdraw(run_id)
        if pending:
            await self._in_store(finish_unstarted, pending, Conclusion.CANCELLED)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_SECONDS)

    # --- ServiceApi ---------------------------------------------------------------------------

    def status(self) -> tuple[RepoState, ...]:
        """Every watched repository, in configuration order."""
        return tuple(watch.state() for watch in self.watches.values())

    def poke(self, repo: str | None) -> None:
        """Poll ``repo`` (all when None) now."""
        for watch in self.watches.values() if repo is None else (self._watch(repo),):
            watch.poke()

    async def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: Mapping[str, str]) -> RunId:
        """Start ``workflow`` by ``workflow_dispatch`` on ``ref`` (default branch when None)."""
        watch = self._watch(repo)
        repository = self._repository(watch)
        refs = await asyncio.to_thread(repository.refs)
        full_ref = _full_ref(ref, refs) if ref else await asyncio.to_thread(repository.default_branch, refs)
        if full_ref is None or full_ref not in refs or refs[full_ref].commit is None:
            raise BatonError(f"{repo} has no branch or tag {ref or '(default branch)'!r}")
        commit = refs[full_ref].commit
        assert commit is not None
        found = await asyncio.to_thread(watch.workflows.read, repository, commit)
        chosen = find_workflow(found, workflow, repo)
        payload, checked = dispatch_payload(chosen, inputs, ref=full_ref)
        facts = await self._facts(watch, commit, full_ref)
        launch = self._launch(watch, Trigger(event_name="workflow_dispatch", payload=payload, facts=facts, commit=commit),
                              (chosen,), inputs=checked)
        planned = plan_runs(launch)
        if not planned:
            raise BatonError(f"{chosen.path} does not run on workflow_dispatch for {full_ref}")
        await self._in_store(begin_runs, new_runs(launch, planned))
        for run in planned:
            await self._start(launch, run)
        return planned[0].run_id

    async def cancel(self, run_id: RunId) -> str:
        """Cancel a run this service holds."""
        if self._groups.withdraw(run_id):
            await self._in_store(finish_unstarted, [run_id], Conclusion.CANCELLED)
            return f"run {run_id} was waiting for its concurrency group; cancelled"
        if run_id in self._tasks:
            self.runtime.cancel(run_id)
            return f"cancelling run {run_id}: its steps stop and its containers are removed"
        record = await self._in_store(get_run, run_id)
        if record.is_completed:
            raise BatonError(f"run {run_id} already ended ({record.conclusion.value if record.conclusion else 'completed'})")
        raise BatonError(f"run {run_id} is not run by this service")

    async def rerun(self, run_id: RunId, *, is_failed_only: bool) -> RunId:
        """Run a recorded run's workflow again on the same commit and event."""
        record = await self._in_store(get_run, run_id)
        if record.repo is None or record.repo not in self.watches:
            raise BatonError(f"run {run_id} was not started by this service's repositories (re-run it with baton run)")
        watch = self.watches[record.repo]
        repository = self._repository(watch)
        found = await asyncio.to_thread(watch.workflows.read, repository, record.sha)
        chosen = next((w for w in found.workflows if w.path == record.workflow_path), None)
        if chosen is None:
            raise BatonError(f"{record.workflow_path} does not load at {record.sha[:12]} any more")
        only: frozenset[str] | None = None
        if is_failed_only:
            jobs = await self._in_store(jobs_of, run_id)
            only = frozenset(j.job_id for j in jobs if j.conclusion in (Conclusion.FAILURE, Conclusion.CANCELLED, Conclusion.INTERRUPTED))
            if not only:
                raise BatonError(f"run {run_id} has no failed jobs")
        trigger = record.trigger
        payload = trigger.get("payload")
        given = trigger.get("inputs")
        facts = await self._facts(watch, record.sha, record.ref)
        launch = self._launch(
            watch,
            Trigger(event_name=record.event, payload=payload if isinstance(payload, dict) else {}, facts=facts, commit=record.sha),
            (chosen,),
            inputs={str(k): str(v) for k, v in given.items()} if isinstance(given, dict) else {},
            only_jobs=only,
        )
        planned = plan_runs(launch) or _forced_plan(launch)
        await self._in_store(begin_runs, new_runs(launch, planned))
        await self._start(launch, planned[0])
        return planned[0].run_id

    # --- polling ------------------------------------------------------------------------------

    async def _known(self, repo: str) -> dict[str, str] | None:
        return await self._in_store(watched_refs, repo)

    async def _first_sight(self, watch: RepoWatch, refs: dict[str, str]) -> None:
        await self._in_store(first_sight, watch.name, refs)

    async def _on_change(self, watch: RepoWatch, change: RefChange) -> None:
        """Record ``change`` with the runs it starts, then start them."""
        move = RefMove(repo=watch.name, ref=change.ref, sha=change.after)
        repository = self._repository(watch)
        push = None
        if not change.is_deleted:
            push = await asyncio.to_thread(
                describe_push, repository, change, watch.refs, root=watch.root, full_name=_full_name(watch)
            )
        if push is None:
            await self._in_store(begin_runs, (), [move])
            self.say(f"{watch.name}: {change.kind.value} {change.short_name}: nothing to build")
            return
        found = await asyncio.to_thread(watch.workflows.read, repository, push.commit)
        trigger = Trigger(event_name="push", payload=push.payload, facts=push.facts, commit=push.commit,
                          changed_paths=push.changed_paths)  # fmt: skip
        launch = self._launch(watch, trigger, found.workflows)
        planned, broken = _plan_each(launch)
        failed = [(run, diagnostics) for run, diagnostics in self._failed_runs(launch, broken + [
            (b.path, b.diagnostics) for b in found.broken])]  # fmt: skip
        await self._in_store(begin_runs, [*new_runs(launch, planned), *(run for run, _ in failed)], [move])
        names = ", ".join(run.workflow.display_name for run in planned) or "no workflow"
        self.say(f"{watch.name}: {change.kind.value} {change.short_name} at {push.commit[:7]}: {names}"
                 + (f"; {len(failed)} invalid workflow file{'s' * (len(failed) != 1)}" if failed else ""))  # fmt: skip
        for run, diagnostics in failed:
            publish_failed_run(self.runtime.bus, run, diagnostics)
        for one in planned:
            await self._start(launch, one)

    async def _schedules(self, watch: RepoWatch) -> float | None:
        """Start the schedules of the default branch whose tick came (a tick missed while
        down runs once); returns when the next tick comes."""
        repository = self._repository(watch)
        default = await asyncio.to_thread(repository.default_branch, watch.refs)
        head = watch.refs.get(default) if default else None
        if default is None or head is None or head.commit is None:
            return None
        found = await asyncio.to_thread(watch.workflows.read, repository, head.commit)
        crons = [(w, cron.line, cron.timezone) for w in found.workflows if "schedule" in w.on.events
                 for cron in w.on.events["schedule"].crons]  # fmt: skip
        if not crons:
            return None
        if watch.name not in self._ticks:
            self._ticks[watch.name] = await self._in_store(schedule_ticks, watch.name)
        last = self._ticks[watch.name]
        now = self.clock()
        due, passed = due_ticks([(w.path, line, zone) for w, line, zone in crons], last, now)
        if passed:  # schedules seen for the first time: their next tick is the first to run
            await self._in_store(begin_runs, (), (), [Tick(repo=watch.name, workflow_path=p, cron=c, at=at) for (p, c), at in passed.items()])
            last.update(passed)
        for (path, line), at in due.items():
            workflow = next(w for w, cron, _ in crons if w.path == path and cron == line)
            facts = await self._facts(watch, head.commit, default)
            launch = self._launch(watch, Trigger(event_name="schedule", payload={"schedule": line}, facts=facts, commit=head.commit),
                                  (workflow,))
            planned, broken = _plan_each(launch)
            failed = self._failed_runs(launch, broken)
            tick = Tick(repo=watch.name, workflow_path=path, cron=line, at=at)
            await self._in_store(begin_runs, [*new_runs(launch, planned), *(run for run, _ in failed)], (), [tick])
            last[(path, line)] = at
            self.say(f"{watch.name}: schedule '{line}' of {path}")
            for run, diagnostics in failed:
                publish_failed_run(self.runtime.bus, run, diagnostics)
            for one in planned:
                await self._start(launch, one)
        return next_tick([(line, zone) for _, line, zone in crons], self.clock())

    # --- starting -----------------------------------------------------------------------------

    def _launch(
        self, watch: RepoWatch, trigger: Trigger, workflows: tuple[Workflow, ...], *,
        inputs: Mapping[str, str] | None = None, only_jobs: frozenset[str] | None = None,
    ) -> Launch:  # fmt: skip
        values: RunValues = read_values(watch.settings)
        for line in values.notes:
            self.say(f"{watch.name}: {line}")
        return Launch(
            trigger=replace(trigger, repo=watch.name),
            workflows=workflows,
            inputs=dict(inputs or {}),
            vars=values.vars,
            secrets=values.secrets,
            only_jobs=only_jobs,
        )

    def _failed_runs(
        self, launch: Launch, broken: Iterable[tuple[str, tuple[Diagnostic, ...]]]
    ) -> list[tuple[NewRun, tuple[Diagnostic, ...]]]:
        trigger, facts = launch.trigger, launch.trigger.facts
        payload: dict[str, Value] = dict(trigger.payload)
        return [
            (
                NewRun(
                    run_id=new_run_id(), workflow=path, workflow_path=path, event=trigger.event_name, ref=facts.ref,
                    sha=facts.sha, repository=facts.repository, repo=trigger.repo, title=facts.title,
                    trigger={"payload": payload, "inputs": dict(launch.inputs)},
                ),
                diagnostics,
            )
            for path, diagnostics in broken
        ]  # fmt: skip

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
        is_now, replaced, running = self._groups.arrive(group.name, run.run_id, _Start(launch=launch, run=run))
        if replaced is not None:
            await self._in_store(finish_unstarted, [replaced], Conclusion.CANCELLED)
            self.say(f"run {replaced} of group '{group.name}' was replaced by a newer run; cancelled")
        if is_now:
            self._spawn(launch, run)
        elif group.is_cancelling and running is not None:
            self.runtime.cancel(running)
            self.say(f"run {running} of group '{group.name}' cancelled in favour of run {run.run_id}")

    def _spawn(self, launch: Launch, run: PlannedRun) -> None:
        task: asyncio.Task[object] = asyncio.create_task(self._run(launch, run), name=f"run {run.run_id}")
        self._tasks[run.run_id] = task

    async def _run(self, launch: Launch, run: PlannedRun) -> None:
        try:
            (conclusion,) = await start_runs(self.runtime, launch, [run])
            self.say(f"run {run.run_id} ({launch.trigger.repo} {run.workflow.display_name} on {_short(run.info.ref)}): {conclusion.value}")
        except BatonError as exc:
            self.say(f"run {run.run_id} could not start: {exc}")
            await self._in_store(finish_unstarted, [run.run_id], Conclusion.FAILURE)
        finally:
            self._tasks.pop(run.run_id, None)
            group = self._group_of.pop(run.run_id, None)
            if group is not None:
                following = self._groups.leave(group, run.run_id)
                if following is not None:
                    self._spawn(following[1].launch, following[1].run)

    # --- helpers ------------------------------------------------------------------------------

    def _watch(self, repo: str) -> RepoWatch:
        watch = self.watches.get(repo)
        if watch is None:
            raise BatonError(f"no watched repository {repo!r} (watched: {', '.join(self.watches) or 'none'})")
        return watch

    def _repository(self, watch: RepoWatch) -> Repository:
        if watch.repository is None:
            raise BatonError(f"{watch.name} is not readable now: {watch.problem or 'not polled yet'}")
        return watch.repository

    async def _facts(self, watch: RepoWatch, commit: str, ref: str) -> RepoFacts:
        repository = self._repository(watch)
        head = await asyncio.to_thread(repository.commit, commit)
        default = await asyncio.to_thread(repository.default_branch, watch.refs)
        return RepoFacts(
            root=watch.root, sha=commit, ref=ref, repository=_full_name(watch), actor=head.committer_name or "baton",
            default_branch=(default or "refs/heads/main").removeprefix("refs/heads/"), title=head.title,
        )  # fmt: skip

    async def _in_store(self, work: Callable[..., T], *args: object) -> T:
        """``work(store, *args)`` on the service's one store connection, in its own thread."""
        return await asyncio.get_running_loop().run_in_executor(self._store_thread, self._with_store, work, args)

    def _with_store(self, work: Callable[..., T], args: tuple[object, ...]) -> T:
        if self._store is None:
            self._store = Store.open(self.runtime.home)
        return work(self._store, *args)

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _plan_each(launch: Launch) -> tuple[list[PlannedRun], list[tuple[str, tuple[Diagnostic, ...]]]]:
    """Plan each workflow alone: one that cannot be planned fails alone."""
    planned: list[PlannedRun] = []
    broken: list[tuple[str, tuple[Diagnostic, ...]]] = []
    for workflow in launch.workflows:
        try:
            planned.extend(plan_runs(replace(launch, workflows=(workflow,))))
        except BatonError as exc:
            broken.append((workflow.path, (Diagnostic(Mark(workflow.path, 1, 1), str(exc)),)))
    return planned, broken


def _forced_plan(launch: Launch) -> tuple[PlannedRun, ...]:
    raise BatonError(f"{launch.workflows[0].path} no longer runs on {launch.trigger.event_name} for {launch.trigger.facts.ref}")


def _full_ref(ref: str, refs: Mapping[str, object]) -> str:
    if ref.startswith("refs/"):
        return ref
    for prefix in ("refs/heads/", "refs/tags/"):
        if prefix + ref in refs:
            return prefix + ref
    return "refs/heads/" + ref


def _full_name(watch: RepoWatch) -> str:
    return repository_name(watch.settings.url, watch.name)


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/").removeprefix("refs/tags/")


