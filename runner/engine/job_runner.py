"""One job leg: place it, open its session, run its steps, compute its outputs."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import posixpath
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from runner.api import ContainerSpec, Executor, HostPool, JobSpec, ServiceInfo, Session
from runner.engine.capacity import host_key
from runner.engine.contexts import default_env, github_context, runner_context
from runner.engine.masking import Masker
from runner.engine.placement import Target
from runner.engine.prewarm import WarmSession
from runner.engine.request import JobResult, RunRequest
from runner.engine.job_state import JobScope, JobState
from runner.errors import BatonError, internal_failure, is_infrastructure_failure
from runner.events import Annotation, EventBus, JobFinished, JobQueued, JobRetrying, JobStarted
from runner.expr import Value, to_display_string
from runner.plan import Leg
from runner.status import Conclusion
from runner.workflow.model import Container, Job, Step
from runner.workflow.resolve import (
    resolve_container,
    resolve_flag,
    resolve_runs_on,
    resolve_services,
    resolve_text_list,
    resolve_texts,
    resolve_timeout,
)
from runner.workflow.text import Text, tree_references

_KNOWN_EARLY = frozenset({"github", "matrix", "vars", "inputs", "secrets"})
"""Contexts whose values are the same before a job's needs finish as after."""

_log = logging.getLogger("baton.engine")


RunSteps = Callable[[JobScope, Sequence[Step]], Awaitable[JobState]]
"""``runner.engine.job_steps.run_steps``: a job's steps, in its session."""


async def _step_machinery() -> RunSteps:
    """:data:`RunSteps`, its modules (steps, actions, workflow commands, background steps: a
    tenth of a run's imports) loaded on a worker thread while the job's session opens, which
    mostly waits (a container's start takes 0.2 s), rather than before it."""
    module = await asyncio.to_thread(importlib.import_module, "runner.engine.job_steps")
    run_steps: RunSteps = module.run_steps
    return run_steps


class JobRunner:
    """Runs legs of one run's jobs; shared by all jobs of the run."""

    def __init__(self, request: RunRequest, bus: EventBus, masker: Masker) -> None:
        self.request = request
        self.bus = bus
        self.masker = masker

    async def run_leg(
        self, leg: Leg, needs: dict[str, Value], warm: WarmSession | None = None
    ) -> JobResult:
        """Run ``leg`` once the process's capacity allows (in ``warm``'s session, if one
        was prepared); never raises except on cancellation: even a bug in baton becomes
        this leg's failure."""
        try:
            return await self._run(leg, needs, warm)
        except asyncio.CancelledError:
            self.finish(leg, Conclusion.CANCELLED, {}, reason="cancelled")
            raise
        except Exception as exc:
            _log.debug("job %s", leg.key, exc_info=exc)
            return self.finish(leg, Conclusion.FAILURE, {}, reason=self.masker.mask(internal_failure(exc)))

    def prewarm(self, leg: Leg) -> WarmSession | None:
        """Start opening ``leg``'s session now, when where and how it runs reads nothing
        that is only known once its needs finish; None otherwise."""
        job = leg.job
        services = job.services if isinstance(job.services, Text) else list(job.services.values())
        references = tree_references(job.runs_on).union(*map(_references, [job.container, services]))
        if references - _KNOWN_EARLY:
            return None
        try:
            placed = self._place(leg, self.job_contexts(leg, {}))
        except BatonError:
            return None  # the job itself will report it
        if not isinstance(placed, tuple) or isinstance(placed[2], HostPool):
            return None  # a host pool's session takes a host slot: held early, it could block the job it waits for
        return WarmSession(placed[2], placed[1])

    def _place(self, leg: Leg, contexts: dict[str, Value]) -> tuple[Target, JobSpec, Executor] | str:
        """Where ``leg`` runs and how, or why it cannot run anywhere (a reason to skip it)."""
        target = self._target(leg.job, contexts)
        if target is None:
            labels = resolve_runs_on(leg.job.runs_on, contexts, leg.job.mark)
            hosts = self.request.placement.describe_hosts()
            return (
                f"no executor for runs-on {labels}: map a label with -P LABEL=IMAGE "
                "(or -P LABEL=-self-hosted for the host, -P LABEL=ssh://HOST for an SSH host), or in baton.toml [labels]"
                + (f"; no SSH host has all of those labels (hosts: {hosts})" if hosts else "")
            )
        if target.problem is not None:
            raise BatonError(target.problem)
        executor = self.request.executors.get(target.executor)
        if executor is None:
            raise BatonError(f"runs-on maps to executor '{target.executor}', which is not available")
        return target, self._spec(leg, contexts, target), executor

    async def _run(self, leg: Leg, needs: dict[str, Value], warm: WarmSession | None) -> JobResult:
        """Attempts of ``leg`` until one ends other than by the infrastructure breaking, or
        none is left (:class:`RetryPolicy`). Attempts run one after the other in this task,
        so a job never runs twice at once; between two, the job holds no capacity slot
        (another job may run meanwhile) and takes one again, on another host of its pool
        when one is free, else the same."""
        policy = self.request.retry
        first = attempt = self.request.first_attempts.get(leg.key, 1)
        last = first + policy.retries
        failed_hosts: tuple[str, ...] = ()
        while True:
            outcome = await self._attempt(leg, needs, warm, attempt, failed_hosts)
            if isinstance(outcome, JobResult):
                return outcome
            if attempt >= last:
                return self.finish(leg, Conclusion.FAILURE, {}, reason=outcome.reason)
            delay = policy.wait_before(attempt + 1 - first)
            self.bus.publish(JobRetrying(run_id=self.request.run_id, job_key=leg.key, attempt=attempt, attempts=last,
                                         reason=outcome.reason, delay=delay, at=time.time()))
            await asyncio.sleep(delay)
            attempt, warm = attempt + 1, None
            failed_hosts += (outcome.host,) if outcome.host else ()
            self._waiting(leg, "", attempt)

    async def _attempt(
        self, leg: Leg, needs: dict[str, Value], warm: WarmSession | None, attempt: int, failed_hosts: tuple[str, ...]
    ) -> JobResult | _Broken:
        """One attempt of ``leg``: its result, or what broke under it (a retry may mend it)."""
        req, job = self.request, leg.job
        contexts = self.job_contexts(leg, needs)
        host: str | None = None
        try:
            placed = self._place(leg, contexts)
            if isinstance(placed, str):
                return self.finish(leg, Conclusion.SKIPPED, {}, reason=placed)
            target, spec, executor = placed
            # GitHub's default when the value gives none (zero or less, infinite)
            minutes = resolve_timeout(job.timeout_minutes, contexts, "timeout-minutes") or 360
            timeout = minutes * 60
            continues_on_error = resolve_flag(job.continue_on_error, contexts, "continue-on-error")
            keys = [host_key(target.host)] if target.host else []
            hosts = sorted(target.hosts, key=lambda name: name in failed_hosts)  # a host that just failed comes last
            async with req.capacity.slot(keys, any_of=[host_key(h) for h in hosts],
                                         on_wait=lambda why: self._waiting(leg, why, attempt)) as chosen:
                if chosen is not None:  # the host of the pool that had a free slot
                    target = replace(target, host=chosen.partition(":")[2], hosts=())
                    spec = replace(spec, host=target.host)
                host = target.host
                opened = warm.lease() if warm is not None and warm.spec == spec else executor.session(spec)
                machinery = asyncio.ensure_future(_step_machinery())
                try:
                    async with asyncio.timeout(timeout):
                        async with opened as session:
                            self.bus.publish(
                                JobStarted(run_id=req.run_id, job_key=leg.key, executor=target.describe(), at=time.time())
                            )
                            scope = self._scope(leg, contexts, session, await self._write_event(session), attempt)
                            run_steps = await machinery
                            state = await run_steps(scope, job.steps)
                except TimeoutError:
                    return self.finish(leg, Conclusion.FAILURE, {}, reason=f"the job timed out after {minutes:g} minutes")
                finally:
                    machinery.cancel()  # a session that did not open: the import goes on in its thread
        except BatonError as exc:
            if is_infrastructure_failure(exc):
                return _Broken(reason=self.masker.mask(str(exc)), host=host)
            return self.finish(leg, Conclusion.FAILURE, {}, reason=self.masker.mask(str(exc)))
        outputs = self._outputs(leg, state)
        conclusion = Conclusion.SUCCESS if state.status == "success" else Conclusion.FAILURE
        if conclusion == Conclusion.FAILURE and continues_on_error:
            conclusion = Conclusion.SUCCESS
        return self.finish(leg, conclusion, outputs, summary=state.summary)

    def _waiting(self, leg: Leg, why: str, attempt: int) -> None:
        """Tell that ``leg`` could start but waits for a busy host (the run shows it queued, with why)."""
        job = leg.job
        self.bus.publish(JobQueued(run_id=self.request.run_id, job_key=leg.key, job_id=job.id, name=leg.name,
                                   needs=job.needs, matrix=leg.matrix, waiting_for=why, attempt=attempt))

    def job_contexts(self, leg: Leg, needs: dict[str, Value]) -> dict[str, Value]:
        """Contexts of a leg's job-level expressions (``runs-on``, ``container``, ``env``, …)."""
        req = self.request
        strategy: dict[str, Value] = {
            "fail-fast": leg.fail_fast,
            "job-index": leg.index,
            "job-total": leg.total,
            "max-parallel": leg.max_parallel or leg.total,
        }
        return {
            "github": github_context(req.info, job=leg.job.id, workspace=""),
            "needs": needs,
            "strategy": strategy,
            "matrix": dict(leg.matrix),
            "vars": req.vars,
            "inputs": req.inputs,
            "secrets": dict(req.secrets),
        }

    def _target(self, job: Job, contexts: dict[str, Value]) -> Target | None:
        labels = resolve_runs_on(job.runs_on, contexts, job.mark)
        return self.request.placement.resolve(labels)

    def _spec(self, leg: Leg, contexts: dict[str, Value], target: Target) -> JobSpec:
        job, req = leg.job, self.request
        services = {name: self._container(c, contexts, f"services.{name}") for name, c in resolve_services(job.services, contexts).items()}
        container = resolve_container(job.container, contexts, "container") if job.container is not None else None
        return JobSpec(
            run_id=req.run_id,
            job_key=leg.key,
            name=leg.name,
            labels=tuple(resolve_runs_on(job.runs_on, contexts, job.mark)),
            image=target.image,
            host=target.host,
            container=self._container(container, contexts, "container") if container is not None else None,
            services={name: spec for name, spec in services.items() if spec.image},
            repository=req.info.repository,
            pull=req.pull,
            node=req.node,
            secrets=req.secrets,
        )

    def _container(self, container: Container, contexts: dict[str, Value], where: str) -> ContainerSpec:
        def text(value: Value) -> str:
            return to_display_string(value)

        given = resolve_texts(container.credentials or {}, contexts, f"{where}.credentials")
        credentials = {k: text(v.evaluate(contexts)) for k, v in given.items()}
        for secret in credentials.values():
            self.masker.add(secret)
        env = resolve_texts(container.env, contexts, f"{where}.env")
        return ContainerSpec(
            image=text(container.image.evaluate(contexts)),
            env={k: text(v.evaluate({**contexts, "env": {}, "job": {}, "runner": {}})) for k, v in env.items()},
            ports=tuple(text(p.evaluate(contexts)) for p in resolve_text_list(container.ports, contexts, f"{where}.ports")),
            volumes=tuple(text(v.evaluate(contexts)) for v in resolve_text_list(container.volumes, contexts, f"{where}.volumes")),
            options=text(container.options.evaluate(contexts)) if container.options is not None else "",
            username=credentials.get("username"),
            password=credentials.get("password"),
            command=tuple(text(container.command.evaluate(contexts)).split()) if container.command is not None else (),
            entrypoint=text(container.entrypoint.evaluate(contexts)) if container.entrypoint is not None else None,
        )

    async def _write_event(self, session: Session) -> str:
        """Put the event payload where ``GITHUB_EVENT_PATH`` points; returns that path."""
        folder = posixpath.join(session.temp, "_github_workflow")
        with tempfile.TemporaryDirectory(prefix="baton-event-") as host:
            await asyncio.to_thread(Path(host, "event.json").write_text, json.dumps(self.request.info.event, indent=2))
            await session.upload(Path(host), folder)
        return posixpath.join(folder, "event.json")

    def _scope(self, leg: Leg, contexts: dict[str, Value], session: Session, event_path: str, attempt: int) -> JobScope:
        req = self.request
        # github.run_attempt: the run's attempt, or this job's when a retry made it later.
        info = replace(req.info, run_attempt=max(req.info.run_attempt, attempt))
        github = github_context(info, job=leg.job.id, workspace=session.workspace, event_path=event_path)
        runner = runner_context(
            os=session.os, arch=session.arch, temp=session.temp, tool_cache=session.tool_cache, name=f"baton-{leg.key}"
        )
        job_context: dict[str, Value] = {
            "status": "success",
            "services": {name: _service_context(session.services.get(name)) for name in resolve_services(leg.job.services, contexts)},
        }
        return JobScope(
            request=req,
            leg=leg,
            session=session,
            bus=self.bus,
            masker=self.masker,
            contexts={**contexts, "github": github, "runner": runner, "job": job_context},
            base_env=default_env(github, runner),
        )

    def _outputs(self, leg: Leg, state: JobState) -> dict[str, str]:
        """The job's ``outputs``; one that holds a secret is dropped, as GitHub drops it."""
        contexts = state.expression_contexts()
        outputs: dict[str, str] = {}
        for name, text in leg.job.outputs.items():
            try:
                value = to_display_string(text.evaluate(contexts))
            except BatonError:
                value = ""
            if self.masker.mask(value) != value:
                self.bus.publish(
                    Annotation(
                        run_id=self.request.run_id,
                        job_key=leg.key,
                        index=len(leg.job.steps),
                        level="warning",
                        message=f"Skip output '{name}' since it may contain secret.",
                    )
                )
                value = ""
            outputs[name] = value
        return outputs

    def finish(
        self, leg: Leg, conclusion: Conclusion, outputs: dict[str, str], *, reason: str = "", summary: str = ""
    ) -> JobResult:
        """Publish how ``leg`` ended (masking its summary) and return that as a result."""
        self.bus.publish(
            JobFinished(
                run_id=self.request.run_id,
                job_key=leg.key,
                conclusion=conclusion,
                outputs=outputs,
                at=time.time(),
                summary=self.masker.mask(summary),
                reason=reason,
            )
        )
        return JobResult(conclusion=conclusion, outputs=outputs)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Broken:
    """An attempt that the infrastructure broke."""

    reason: str
    """The executor's message, masked."""
    host: str | None
    """The host it ran on (a host pool's), if one was chosen."""


def _references(part: Container | Text | list[Container | Text] | None) -> frozenset[str]:
    """The contexts a job's ``container`` or its services read, wherever in them."""
    if part is None:
        return frozenset()
    if isinstance(part, Text):
        return part.template.references
    if isinstance(part, list):
        return frozenset().union(*map(_references, part))
    texts = [part.image, part.options, part.command, part.entrypoint]
    for group in (part.env, part.credentials, part.ports, part.volumes):
        if isinstance(group, Text):
            texts.append(group)
        elif isinstance(group, dict):
            texts.extend(group.values())
        elif group is not None:
            texts.extend(group)
    return frozenset().union(*(t.template.references for t in texts if t is not None))


def _service_context(service: ServiceInfo | None) -> dict[str, Value]:
    """``job.services.<id>``: the container, its network and its published ports (empty
    where the executor runs the service its own way, as a swarm's sidecar)."""
    if service is None:
        return {"id": "", "network": "", "ports": {}}
    return {"id": service.id, "network": service.network, "ports": dict(service.ports)}
