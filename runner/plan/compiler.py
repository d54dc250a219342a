"""Workflow + event contexts → :class:`Plan`: matrices expanded, jobs ordered."""

from __future__ import annotations

from collections.abc import Mapping

from runner.errors import BatonError, Diagnostic, PlanError
from runner.expr import Value
from runner.plan.graph import topological_order
from runner.plan.matrix import MatrixError, display_name, expand_matrix
from runner.plan.spec import Leg, Plan, PlannedJob
from runner.workflow.model import Job, Strategy, Workflow
from runner.workflow.resolve import resolve_strategy
from runner.workflow.text import evaluate_tree, tree_references


def compile_plan(workflow: Workflow, contexts: Mapping[str, Value]) -> Plan:
    """Plan every job; ``contexts`` holds at least ``github``, ``inputs`` and ``vars``."""
    order = topological_order({job.id: job.needs for job in workflow.jobs.values()})
    jobs: dict[str, PlannedJob] = {}
    for job_id in order:
        job = workflow.jobs[job_id]
        references = _matrix_references(job)
        legs = None
        if "needs" not in references:
            try:
                legs = expand_job(job, contexts)
            except BatonError:
                if not references:
                    raise  # a literal matrix that cannot expand: the workflow is wrong
                # else an expression's error: the job fails with it when its turn comes
        jobs[job_id] = PlannedJob(job=job, legs=legs)
    return Plan(workflow=workflow, jobs=jobs)


def expand_job(job: Job, contexts: Mapping[str, Value]) -> tuple[Leg, ...]:
    """The legs of ``job``; ``contexts`` must hold ``needs`` when its matrix reads it."""
    strategy = resolve_strategy(job.strategy, contexts)
    if strategy is None or strategy.matrix is None:
        return (Leg(job=job, name=job_name(job, contexts, {}, 1)),)
    try:
        matrix = evaluate_tree(strategy.matrix, contexts)
        if not isinstance(matrix, dict):
            raise MatrixError(f"the matrix must be a mapping, not {type(matrix).__name__}")
        combos = expand_matrix(matrix)
    except MatrixError as exc:
        raise PlanError(f"job '{job.id}': {exc.message}", where=str(strategy.mark)) from None
    total = len(combos)
    return tuple(
        Leg(job=job, name=job_name(job, contexts, c.values, total, c.label), matrix=c.values, index=c.index, total=total)
        for c in combos
    )


def job_name(job: Job, contexts: Mapping[str, Value], matrix: Mapping[str, Value], total: int, label: str = "") -> str:
    """GitHub's display name of one leg.

    A ``name:`` with expressions is evaluated (and gets no suffix); otherwise the name
    (or id) gets the matrix values in parentheses.
    """
    if job.name is not None and not job.name.is_literal:
        scope: dict[str, Value] = {**contexts, "matrix": dict(matrix), "strategy": {"job-total": total}}
        try:
            value = job.name.evaluate(scope)
        except BatonError:
            return job.name.source
        return "" if value is None else str(value) if not isinstance(value, str) else value
    base = job.name.source if job.name is not None else job.id
    return display_name(base, label)


def check_plan(workflow: Workflow) -> tuple[Diagnostic, ...]:
    """What validation can tell of matrices that need no run contexts (size, emptiness)."""
    found: list[Diagnostic] = []
    for job in workflow.jobs.values():
        if not isinstance(job.strategy, Strategy) or job.strategy.matrix is None or _matrix_references(job):
            continue
        try:
            expand_job(job, {})
        except PlanError as exc:
            found.append(Diagnostic(job.strategy.mark, exc.message))
        except BatonError:
            continue  # an expression that needs run contexts after all: checked at run time
    return tuple(found)


def _matrix_references(job: Job) -> frozenset[str]:
    """The contexts a job's matrix (or its whole ``strategy``, when one expression) reads."""
    if isinstance(job.strategy, Strategy):
        return tree_references(job.strategy.matrix)
    return tree_references(job.strategy)
