"""The watch service: one asyncio process that polls its repositories, starts the runs
their pushes, schedules and dispatches trigger, and holds them all in one runtime
(executors, capacity and the store shared, as ``baton run`` has them for its runs).

A ref's new position is recorded in the same transaction as the runs it starts
(:func:`runner.store.watched.begin_watched_runs`), so after a crash, even ``kill -9``, each ref
that moved while baton was down is built once at its head, and nothing is built twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from runner.errors import BatonError
from runner.launch import Launch, Runtime, Trigger, collect_garbage
from runner.launch.dispatch_form import DispatchForm, dispatch_form
from runner.launch.rerun import plan_rerun, recorded_trigger
from runner.source.repo import RepoFacts, repository_name
from runner.status import RunId
from runner.store import get_run, jobs_of
from runner.store.watched import RefMove, Tick, begin_watched_runs, first_sight, schedule_ticks, watched_refs
from runner.watch.dispatch import dispatch_payload, find_workflow
from runner.watch.poller import RepoWatch, Say
from runner.watch.pushes import describe_push
from runner.watch.refs import BRANCH, RefChange
from runner.watch.repository import Repository
from runner.watch.schedule import due_ticks, next_tick
from runner.watch.service_api import RepoState
from runner.watch.settings import RepoSettings
from runner.watch.starter import Starter
from runner.watch.store_thread import StoreThread
from runner.watch.values import read_values
from runner.workflow.model import Workflow


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
        self.watches = {repo.name: RepoWatch(repo, mirrors=runtime.home / "mirrors", say=say) for repo in repos}
        self.store = StoreThread(runtime.home)
        self.starter = Starter(runtime, self.store, say)
        self._ticks: dict[str, dict[tuple[str, str], float]] = {}

    async def serve(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set, then cancel every run, wait for them to clean up
        and close the repositories and the store."""
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
            await self.starter.stop()
            for watch in self.watches.values():
                watch.close()  # here, not in a worker: those may all be held by hanging fetches it kills
            await self.store.close()

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
        commit = refs[full_ref].commit if full_ref in refs else None
        if full_ref is None or commit is None:
            raise BatonError(f"{repo} has no branch or tag {ref or '(default branch)'!r}")
        found = await asyncio.to_thread(watch.workflows.read, repository, commit)
        chosen = find_workflow(found, workflow, repo)
        payload, given = dispatch_payload(chosen, inputs, ref=full_ref)
        facts = await self._facts(watch, commit, full_ref)
        trigger = Trigger(event_name="workflow_dispatch", payload=payload, facts=facts, commit=commit)
        planned, failed = await self.starter.launch(self._launch(watch, trigger, (chosen,), inputs=given), secrets_read=found.secrets)
        if failed:
            raise BatonError(f"{chosen.path} cannot run: see run {failed[0].run_id}")
        if not planned:
            raise BatonError(f"{chosen.path} does not run on workflow_dispatch for {full_ref}")
        self.say(f"{repo}: dispatched {chosen.path} on {full_ref.removeprefix(BRANCH)}: run {planned[0].run_id}")
        return planned[0].run_id

    async def dispatch_forms(self, repo: str | None) -> tuple[DispatchForm, ...]:
        """The dispatchable workflows of the default branch of ``repo`` (of every readable
        repository when None), with their inputs."""
        forms: list[DispatchForm] = []
        for watch in self.watches.values() if repo is None else (self._watch(repo),):
            if watch.repository is None and repo is None:
                continue  # not readable now: its state says why
            repository = self._repository(watch)
            refs = await asyncio.to_thread(repository.refs)
            default = await asyncio.to_thread(repository.default_branch, refs)
            commit = refs[default].commit if default in refs else None
            if commit is None:
                continue
            found = await asyncio.to_thread(watch.workflows.read, repository, commit)
            forms.extend(form for workflow in found.workflows if (form := dispatch_form(watch.name, workflow)) is not None)
        return tuple(forms)

    async def cancel(self, run_id: RunId) -> str:
        """Cancel a run this service holds."""
        done = await self.starter.cancel(run_id)
        if done is not None:
            return done
        record = await self.store.call(get_run, run_id)
        if record.is_completed:
            raise BatonError(f"run {run_id} already ended ({record.conclusion.value if record.conclusion else 'completed'})")
        raise BatonError(f"run {run_id} is not run by this service")

    async def rerun(self, run_id: RunId, *, is_failed_only: bool) -> RunId:
        """Run a recorded run's workflow again on the same commit and event, as its next attempt."""
        record = await self.store.call(get_run, run_id)
        if record.repo is None or record.repo not in self.watches:
            raise BatonError(f"run {run_id} was not started by a repository this service watches")
        watch = self.watches[record.repo]
        repository = self._repository(watch)
        found = await asyncio.to_thread(watch.workflows.read, repository, record.sha)
        chosen = next((w for w in found.workflows if w.path == record.workflow_path), None)
        if chosen is None:
            raise BatonError(f"{record.workflow_path} does not load at {record.sha[:12]}")
        jobs = await self.store.call(jobs_of, run_id)  # each job runs again as its next attempt
        trigger, inputs = recorded_trigger(record, await self._facts(watch, record.sha, record.ref))
        launch, _ = plan_rerun(self._launch(watch, trigger, (chosen,), inputs=inputs), record, jobs, is_failed_only=is_failed_only)
        planned, failed = await self.starter.launch(launch, secrets_read=found.secrets)
        if not planned:
            raise BatonError(f"{record.workflow_path} cannot run again" + (f": see run {failed[0].run_id}" if failed else ""))
        return planned[0].run_id

    # --- polling ------------------------------------------------------------------------------

    async def _known(self, repo: str) -> dict[str, str] | None:
        return await self.store.call(watched_refs, repo)

    async def _first_sight(self, watch: RepoWatch, refs: dict[str, str]) -> None:
        await self.store.call(first_sight, watch.name, refs)

    async def _on_change(self, watch: RepoWatch, change: RefChange) -> None:
        """Record ``change`` with the runs it starts, then start them."""
        move = RefMove(repo=watch.name, ref=change.ref, sha=change.after)
        repository = self._repository(watch)
        push = None
        if not change.is_deleted:
            push = await asyncio.to_thread(describe_push, repository, change, watch.refs, root=watch.root, full_name=_full_name(watch))
        if push is None:
            await self.store.call(begin_watched_runs, (), [move])
            self.say(f"{watch.name}: {change.kind.value} {change.short_name}: nothing to build")
            return
        found = await asyncio.to_thread(watch.workflows.read, repository, push.commit)
        trigger = Trigger(event_name="push", payload=push.payload, facts=push.facts, commit=push.commit, changed_paths=push.changed_paths)
        planned, failed = await self.starter.launch(
            self._launch(watch, trigger, found.workflows), invalid=[(b.path, b.diagnostics) for b in found.broken], moves=[move],
            secrets_read=found.secrets,
        )
        names = ", ".join([*(run.workflow.display_name for run in planned), *(f"{run.workflow} (invalid)" for run in failed)])
        self.say(f"{watch.name}: {change.kind.value} {change.short_name} at {push.commit[:7]}: {names or 'no workflow runs'}")

    async def _schedules(self, watch: RepoWatch) -> float | None:
        """Start the schedules of the default branch whose tick came (ticks missed while
        down run once); returns when the next tick comes."""
        repository = self._repository(watch)
        default = await asyncio.to_thread(repository.default_branch, watch.refs)
        head = watch.refs.get(default) if default else None
        if default is None or head is None or head.commit is None:
            return None
        found = await asyncio.to_thread(watch.workflows.read, repository, head.commit)
        crons = [(w, c.line, c.timezone) for w in found.workflows if "schedule" in w.on.events for c in w.on.events["schedule"].crons]
        if not crons:
            return None
        if watch.name not in self._ticks:
            self._ticks[watch.name] = await self.store.call(schedule_ticks, watch.name)
        last = self._ticks[watch.name]
        due, first = due_ticks([(w.path, line, zone) for w, line, zone in crons], last, self.clock())
        if first:  # a schedule seen for the first time starts with its next tick
            await self.store.call(begin_watched_runs, (), (), [Tick(repo=watch.name, workflow_path=p, cron=c, at=at) for (p, c), at in first.items()])
            last.update(first)
        for (path, line), at in due.items():
            workflow = next(w for w, cron, _ in crons if w.path == path and cron == line)
            facts = await self._facts(watch, head.commit, default)
            trigger = Trigger(event_name="schedule", payload={"schedule": line}, facts=facts, commit=head.commit)
            tick = Tick(repo=watch.name, workflow_path=path, cron=line, at=at)
            await self.starter.launch(self._launch(watch, trigger, (workflow,)), ticks=[tick], secrets_read=found.secrets)
            last[(path, line)] = at
            self.say(f"{watch.name}: schedule '{line}' of {path}")
        return next_tick([(line, zone) for _, line, zone in crons], self.clock())

    # --- helpers ------------------------------------------------------------------------------

    def _launch(
        self, watch: RepoWatch, trigger: Trigger, workflows: tuple[Workflow, ...], *,
        inputs: Mapping[str, str] | None = None, only_jobs: frozenset[str] | None = None,
    ) -> Launch:  # fmt: skip
        values = read_values(watch.settings)
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

    def _watch(self, repo: str) -> RepoWatch:
        watch = self.watches.get(repo)
        if watch is None:
            raise BatonError(f"no watched repository {repo!r} (watched: {', '.join(self.watches) or 'none'})")
        return watch

    def _repository(self, watch: RepoWatch) -> Repository:
        if watch.repository is None:
            raise BatonError(f"{watch.name} cannot be read now: {watch.problem or 'not polled yet'}")
        return watch.repository

    async def _facts(self, watch: RepoWatch, commit: str, ref: str) -> RepoFacts:
        repository = self._repository(watch)
        head = await asyncio.to_thread(repository.commit, commit)
        default = await asyncio.to_thread(repository.default_branch, watch.refs)
        return RepoFacts(
            root=watch.root, sha=commit, ref=ref, repository=_full_name(watch), actor=head.committer_name or "baton",
            default_branch=(default or "refs/heads/main").removeprefix(BRANCH), title=head.title,
        )  # fmt: skip


def _full_ref(ref: str, refs: Mapping[str, object]) -> str:
    if ref.startswith("refs/"):
        return ref
    for prefix in (BRANCH, "refs/tags/"):
        if prefix + ref in refs:
            return prefix + ref
    return BRANCH + ref


def _full_name(watch: RepoWatch) -> str:
    return repository_name(watch.settings.url, watch.name)
