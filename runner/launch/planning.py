"""What to start: an event on a commit, the workflows it may trigger, and their plans.

Pure (no I/O): a caller plans first (to print a dry run, warn about missing inputs, or
write the run ids into its own tables), then starts what it planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from runner.engine.contexts import RunInfo, github_context
from runner.expr import Value, to_display_string
from runner.launch.event import complete_event, occurrence_of, pull_request_refs, workflow_inputs
from runner.plan import Plan, compile_plan
from runner.source.repo import RepoFacts
from runner.status import RunId, new_run_id
from runner.workflow.model import Workflow

if TYPE_CHECKING:
    # A type only: the run request's module brings the plugin API and the executors'
    # placement, which planning alone (``baton run -n``) does not need.
    from runner.engine.request import KeptJob


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    """What the runs are for: an event on one commit of a repository on this machine."""

    event_name: str
    """``push``, ``workflow_dispatch``, ``pull_request``, …"""
    payload: Mapping[str, Value] = field(default_factory=dict)
    """The event payload as known; what GitHub always sends for this event is added
    (what is given wins, so a watcher's ``before`` stays)."""
    facts: RepoFacts
    """The repository (``root``: its folder here), the commit (``sha``), ``ref``, ``owner/name``, actor."""
    commit: str | None = None
    """Snapshot exactly this commit for checkouts; None: the working tree as it is now
    (uncommitted changes included, as ``baton run`` does)."""
    repo: str | None = None
    """The watched repository's name (``[repos.NAME]``) when the watch service starts it."""
    changed_paths: tuple[str, ...] | None = None
    """Files the event changed, for ``paths`` filters; None when unknown (the filters pass)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NextAttempt:
    """A re-run: the next attempt of a recorded run, under its id (the store keeps the earlier
    attempts' jobs, steps and logs)."""

    run_id: RunId
    attempt: int
    """The run's new attempt (``github.run_attempt``)."""
    first_attempts: Mapping[str, int] = field(default_factory=dict)
    """The attempt each recorded job key that runs again starts at (its last one + 1)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    """One start: a trigger, the workflows it may start, and the values given for them."""

    trigger: Trigger
    workflows: tuple[Workflow, ...]
    """Parsed workflows; those whose ``on:`` matches the event run, the others are left out."""
    inputs: Mapping[str, str] = field(default_factory=dict)
    """``workflow_dispatch`` / ``workflow_call`` inputs given (over the payload's and the defaults)."""
    vars: Mapping[str, Value] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra variables for every step, under the workflow's own ``env``."""
    only_jobs: frozenset[str] | None = None
    """Run only these job ids and what they need; None runs all."""
    matrix_filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Run only matrix legs whose values match."""
    kept: Mapping[str, KeptJob] = field(default_factory=dict)
    """Jobs taken as they ended in an earlier attempt instead of running (a re-run of failed
    jobs: :func:`runner.launch.rerun.plan_rerun`)."""
    again: NextAttempt | None = None
    """The run this launch runs again, as its next attempt (one workflow only); None: new runs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRun:
    """A triggered workflow made ready to run, its run id chosen."""

    run_id: RunId
    workflow: Workflow
    plan: Plan
    info: RunInfo
    """The ``github`` context's facts, ``run_id`` included."""
    inputs: dict[str, Value]
    """The ``inputs`` context."""

    @property
    def leg_names(self) -> list[str]:
        """Display names of the legs known before the run (for a printer's column width)."""
        return [leg.name for job in self.plan.jobs.values() for leg in job.legs or ()]


def plan_runs(launch: Launch) -> tuple[PlannedRun, ...]:
    """The runs ``launch`` starts: one per workflow whose ``on:`` matches, each compiled.

    Raises :class:`~runner.errors.UsageError` for an input of the wrong type and
    :class:`~runner.errors.BatonError` for a plan that cannot compile; empty when no
    workflow is triggered.
    """
    trigger = launch.trigger
    payload = complete_event(trigger.event_name, dict(trigger.payload), trigger.facts)
    occurrence = replace(occurrence_of(trigger.event_name, payload, trigger.facts), changed_paths=trigger.changed_paths)
    return tuple(
        _plan(workflow, launch, payload) for workflow in launch.workflows if workflow.on.matches(occurrence)
    )


def _plan(workflow: Workflow, launch: Launch, payload: dict[str, Value]) -> PlannedRun:
    trigger, facts = launch.trigger, launch.trigger.facts
    head_ref, base_ref = pull_request_refs(payload)
    inputs = workflow_inputs(workflow, trigger.event_name, dict(launch.inputs), payload)
    if trigger.event_name == "workflow_dispatch":
        # GitHub's dispatch payload carries every input, as strings.
        payload = {**payload, "inputs": {k: to_display_string(v) for k, v in inputs.items()}}
    run_id = launch.again.run_id if launch.again is not None else new_run_id()
    info = RunInfo(
        run_id=run_id,
        run_attempt=launch.again.attempt if launch.again is not None else 1,
        event_name=trigger.event_name,
        event=payload,
        ref=facts.ref,
        sha=trigger.commit or facts.sha,
        repository=facts.repository,
        actor=facts.actor,
        workflow=workflow.display_name,
        workflow_path=workflow.path,
        head_ref=head_ref,
        base_ref=base_ref,
    )
    contexts: dict[str, Value] = {
        "github": github_context(info, job="", workspace=""),
        "inputs": inputs,
        "vars": dict(launch.vars),
    }
    return PlannedRun(run_id=run_id, workflow=workflow, plan=compile_plan(workflow, contexts), info=info, inputs=inputs)

