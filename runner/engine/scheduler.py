"""Runs a plan: each job starts the moment its own ``needs`` are done, within capacity.

One task per job of the workflow and one per matrix leg, all in one task group;
cancelling the run cancels the group, and every job still open is recorded as
cancelled while its session cleans up. No task lets an exception other than its
cancellation out into the group (which would cancel every unrelated job): a bug in
baton while running a job becomes that job's failure, with a one-line reason, and the
run goes on. Only ``fail-fast`` cancels siblings, and only those of one matrix.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import replace

from runner.engine.contexts import github_context
from runner.engine.job_groups import Replaced, resolve_group
from runner.engine.job_runner import JobRunner
from runner.engine.masking import Masker
from runner.engine.prewarm import WarmSession
from runner.engine.request import JobResult, KeptJob, RunRequest
from runner.engine.reusable import call_workflow
from runner.errors import BatonError, internal_failure
from runner.events import EventBus, JobFinished, JobQueued, RunFinished, RunStarted
from runner.expr import Status, Value
from runner.plan import Leg, expand_job
from runner.plan.matrix import matches_selection
from runner.status import Conclusion
from runner.workflow.model import Job
from runner.workflow.resolve import resolve_flag, resolve_number, resolve_strategy

class Scheduler:
    """One run of one plan, or the jobs of a called workflow inside a run (``caller``)."""

    def __init__(
        self,
        request: RunRequest,
        bus: EventBus,
        masker: Masker,
        *,
        caller: Leg | None = None,
    ) -> None:
        self.request = request
        self.bus = bus
        self.masker = masker
        self.jobs = JobRunner(request, bus, masker)
        self.capacity = request.capacity
        """The process's pool, shared with its other runs (and a called workflow's jobs)."""
        self.caller = caller
        self.results: dict[str, JobResult] = {}
        self.done: dict[str, asyncio.Event] = {job_id: asyncio.Event() for job_id in request.plan.jobs}

    async def run(self) -> Conclusion:
        """Run every selected job; returns the run's conclusion (``cancelled`` on cancel)."""
        req = self.request
        info = req.info
        self.bus.publish(
            RunStarted(
                run_id=req.run_id,
                workflow=info.workflow,
                workflow_path=info.workflow_path,
                event=info.event_name,
                ref=info.ref,
                sha=info.sha,
                repository=info.repository,
                at=time.time(),
                attempt=info.run_attempt,
            )
        )
        conclusion = Conclusion.CANCELLED
        try:
            conclusion = await self.run_jobs()
        finally:
            self.bus.publish(RunFinished(run_id=req.run_id, conclusion=conclusion, at=time.time()))
        return conclusion

    async def run_jobs(self) -> Conclusion:
        """Run the selected jobs (no run events: a called workflow's jobs run this way)."""
        selected = self._selected()
        async with asyncio.TaskGroup() as group:
            for job_id, planned in self.request.plan.jobs.items():
                if job_id in selected:
                    group.create_task(self._job(planned.job))
                else:
                    self.done[job_id].set()
        return run_conclusion(list(self.results.values()))

    def _selected(self) -> set[str]:
        """Job ids to run: all, or ``-j`` jobs plus everything they need."""
        jobs = self.request.plan.jobs
        if self.request.only_jobs is None:
            return set(jobs)
        roots = {j for j in self.request.only_jobs if j in jobs}
        return roots | self._ancestors(roots)

    async def _job(self, job: Job) -> None:
        kept = self.request.kept.get(job.id) if self.caller is None else None
        if kept is not None:
            self.results[job.id] = self._keep(job, kept)
            self.done[job.id].set()
            return
        warm = self._prewarm(job) if any(not self.done[n].is_set() for n in job.needs) else {}
        try:
            for need in job.needs:
                await self.done[need].wait()
            self.results[job.id] = await self._decide_and_run(job, warm)
        except Exception as exc:  # a bug in baton: this job fails, the others go on
            self.results[job.id] = self._finish_unrun(job, Conclusion.FAILURE, self.masker.mask(internal_failure(exc)))
        except asyncio.CancelledError:
            self.results.setdefault(job.id, JobResult(conclusion=Conclusion.CANCELLED))
            raise
        finally:
            self.done[job.id].set()
            for session in warm.values():
                await session.close()
            self.capacity.release_warm(len(warm))

    def _prewarm(self, job: Job) -> dict[str, WarmSession]:
        """Sessions opened while the job waits for its needs, within the process's capacity."""
        legs = self.request.plan.jobs[job.id].legs
        if legs is None or job.uses or not self.capacity.reserve_warm(len(legs)):
            return {}
        warm = {leg.key: session for leg in map(self._adopt, legs) if (session := self.jobs.prewarm(leg))}
        self.capacity.release_warm(len(legs) - len(warm))
        return warm

    async def _decide_and_run(self, job: Job, warm: dict[str, WarmSession]) -> JobResult:
        req = self.request
        needs: dict[str, Value] = {
            n: self.results.get(n, JobResult(conclusion=Conclusion.SKIPPED)).as_context() for n in job.needs
        }
        base: dict[str, Value] = {**self._base(), "needs": needs}
        reason = ""
        try:
            should_run = self._condition(job, base, needs)
        except BatonError as exc:
            should_run, reason = False, str(exc)
        if not should_run:
            return self._finish_unrun(job, Conclusion.FAILURE if reason else Conclusion.SKIPPED, reason)
        planned = req.plan.jobs[job.id]
        try:
            legs = planned.legs if planned.legs is not None else expand_job(job, base)
            fail_fast, limit = _strategy_settings(job, {**self._base(), "needs": needs})
        except BatonError as exc:
            return self._finish_unrun(job, Conclusion.FAILURE, str(exc))
        legs = tuple(self._adopt(leg) for leg in legs if matches_selection(leg.matrix, req.matrix_filter))
        if not legs:
            return self._finish_unrun(job, Conclusion.SKIPPED, "no matrix leg matches --matrix")
        for leg in legs:
            self.bus.publish(
                JobQueued(run_id=req.run_id, job_key=leg.key, job_id=job.id, name=leg.name, needs=job.needs, matrix=leg.matrix,
                          attempt=req.first_attempts.get(leg.key, 1))
            )
        legs = tuple(replace(leg, fail_fast=fail_fast, max_parallel=limit) for leg in legs)
        return await self._legs(legs, needs, warm, fail_fast=fail_fast, limit=limit)

    def _adopt(self, leg: Leg) -> Leg:
        """A leg of a called workflow is named and keyed under its calling job."""
        if self.caller is None:
            return leg
        return replace(leg, caller=self.caller.key, name=f"{self.caller.name} / {leg.name}")

    def _condition(self, job: Job, contexts: dict[str, Value], needs: dict[str, Value]) -> bool:
        """Whether ``job`` runs. ``failure()`` looks at every ancestor, as GitHub's does
        ("true if any ancestor job fails"); ``success()`` needs every direct need to succeed."""
        ancestors = {self.results[a].conclusion for a in self._ancestors({job.id}) if a in self.results}
        direct = {str(n["result"]) for n in needs.values() if isinstance(n, dict)}
        if Conclusion.FAILURE in ancestors:
            word = "failure"
        elif Conclusion.CANCELLED in ancestors:
            word = "cancelled"
        elif direct - {"success"}:
            word = "skipped"
        else:
            word = "success"
        status = Status(job=word)
        if job.condition is None:
            return status.success()
        return job.condition.holds(contexts, status=status)

    def _ancestors(self, roots: set[str]) -> set[str]:
        """Every job the ``roots`` need, directly or not."""
        jobs = self.request.plan.jobs
        found: set[str] = set()
        todo = [n for root in roots for n in jobs[root].job.needs if n in jobs]
        while todo:
            need = todo.pop()
            if need not in found:
                found.add(need)
                todo.extend(n for n in jobs[need].job.needs if n in jobs)
        return found

    async def _legs(
        self, legs: tuple[Leg, ...], needs: dict[str, Value], warm: dict[str, WarmSession], *, fail_fast: bool, limit: int | None
    ) -> JobResult:
        """Run the legs, at most ``limit`` at once; with ``fail_fast``, a failed leg
        cancels its siblings (a cancelled task ends alone: the group goes on)."""
        gate = asyncio.Semaphore(limit or len(legs))
        results: list[JobResult] = []
        tasks: list[asyncio.Task[None]] = []

        async def one(leg: Leg) -> None:
            held = AsyncExitStack()
            try:
                group = resolve_group(leg.job.concurrency, {**self._base(), "needs": needs, "matrix": leg.matrix})
                if group is not None and self.request.job_groups is not None:
                    await held.enter_async_context(self.request.job_groups.hold(group))
                await gate.acquire()
            except asyncio.CancelledError:  # still queued when a sibling failed (or the run ended)
                await held.aclose()
                self.jobs.finish(leg, Conclusion.CANCELLED, {}, reason="cancelled before it started")
                raise
            except Replaced as exc:  # a newer job of its concurrency group came
                results.append(self.jobs.finish(leg, Conclusion.CANCELLED, {}, reason=str(exc)))
                return
            except BatonError as exc:  # the group's expression failed
                results.append(self.jobs.finish(leg, Conclusion.FAILURE, {}, reason=f"concurrency: {exc}"))
                return
            try:
                if leg.job.uses:
                    result = await call_workflow(self.jobs, leg, needs, self._run_called)
                else:
                    result = await self.jobs.run_leg(leg, needs, warm.get(leg.key))
            except Exception as exc:  # a bug in baton: this leg fails, its siblings go on
                result = self.jobs.finish(leg, Conclusion.FAILURE, {}, reason=self.masker.mask(internal_failure(exc)))
            finally:
                gate.release()
                await held.aclose()
            results.append(result)
            if fail_fast and result.conclusion == Conclusion.FAILURE:
                for task in tasks:
                    task.cancel()

        async with asyncio.TaskGroup() as group:
            tasks.extend(group.create_task(one(leg)) for leg in legs)
        results.extend(JobResult(conclusion=Conclusion.CANCELLED) for _ in range(len(legs) - len(results)))
        return merge_legs(results)

    async def _run_called(self, request: RunRequest, leg: Leg) -> tuple[Conclusion, dict[str, JobResult]]:
        """The jobs of a workflow that ``leg`` calls, in this run (its bus, masker and capacity)."""
        nested = Scheduler(request, self.bus, self.masker, caller=leg)
        conclusion = await nested.run_jobs()
        return conclusion, nested.results

    def _base(self) -> dict[str, Value]:
        """Contexts of job-level expressions before a job has a session."""
        req = self.request
        return {"github": github_context(req.info, job="", workspace=""), "inputs": req.inputs, "vars": req.vars}

    def _keep(self, job: Job, kept: KeptJob) -> JobResult:
        """Take a kept job's result; its legs are recorded as they ended in ``kept.from_run``
        (an earlier attempt of this run: its records stand as they are)."""
        req = self.request
        reason = f"kept from run {kept.from_run} (only failed jobs were run again)"
        for leg in kept.legs if kept.from_run != req.run_id else ():
            self.bus.publish(JobQueued(run_id=req.run_id, job_key=leg.key, job_id=job.id, name=leg.name, needs=job.needs, matrix=leg.matrix))
            self.bus.publish(
                JobFinished(run_id=req.run_id, job_key=leg.key, conclusion=leg.conclusion, outputs=leg.outputs, at=time.time(), reason=reason)
            )
        return merge_legs([JobResult(conclusion=leg.conclusion, outputs=leg.outputs) for leg in kept.legs])

    def _finish_unrun(self, job: Job, conclusion: Conclusion, reason: str) -> JobResult:
        req = self.request
        leg = self._adopt(Leg(job=job, name=job.name.source if job.name is not None else job.id))
        self.bus.publish(JobQueued(run_id=req.run_id, job_key=leg.key, job_id=job.id, name=leg.name, needs=job.needs,
                                   attempt=req.first_attempts.get(leg.key, 1)))
        self.bus.publish(
            JobFinished(run_id=req.run_id, job_key=leg.key, conclusion=conclusion, outputs={}, at=time.time(), reason=reason)
        )
        return JobResult(conclusion=conclusion)


def merge_legs(results: list[JobResult]) -> JobResult:
    """A matrix job's result: failure if any leg failed, cancelled if any was, else success."""
    conclusions = {r.conclusion for r in results}
    if Conclusion.FAILURE in conclusions:
        conclusion = Conclusion.FAILURE
    elif Conclusion.CANCELLED in conclusions:
        conclusion = Conclusion.CANCELLED
    elif conclusions == {Conclusion.SKIPPED}:
        conclusion = Conclusion.SKIPPED
    else:
        conclusion = Conclusion.SUCCESS
    outputs: dict[str, str] = {}
    for result in results:
        outputs.update({k: v for k, v in result.outputs.items() if v})
    return JobResult(conclusion=conclusion, outputs=outputs)


def run_conclusion(results: list[JobResult]) -> Conclusion:
    """The run's conclusion from its jobs' (skipped jobs don't fail a run)."""
    conclusions = {r.conclusion for r in results}
    if Conclusion.FAILURE in conclusions:
        return Conclusion.FAILURE
    if Conclusion.CANCELLED in conclusions:
        return Conclusion.CANCELLED
    return Conclusion.SUCCESS


def _strategy_settings(job: Job, contexts: dict[str, Value]) -> tuple[bool, int | None]:
    """``strategy.fail-fast`` and ``max-parallel`` (None: no limit) as evaluated now."""
    strategy = resolve_strategy(job.strategy, contexts)
    if strategy is None:
        return True, None
    limit = resolve_number(strategy.max_parallel, contexts, "max-parallel")
    return resolve_flag(strategy.fail_fast, contexts, "fail-fast"), int(limit) if limit is not None else None
