"""What ``list`` and ``graph`` show of a workflow before anything runs."""

from __future__ import annotations

from dataclasses import dataclass

from runner.errors import BatonError
from runner.expr import Value
from runner.plan import expand_job
from runner.workflow.model import Job, Workflow


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSummary:
    """One job as listed: id, display name, needs, and its matrix size when knowable."""

    id: str
    name: str
    needs: tuple[str, ...]
    matrix_size: int | None
    """1 without a matrix; None when the matrix depends on the run (``needs``, inputs)."""
    uses: str | None


def preview_contexts(workflow: Workflow) -> dict[str, Value]:
    """Contexts of a hypothetical push to the default branch, with inputs at their defaults."""
    inputs: dict[str, Value] = {}
    for event in ("workflow_dispatch", "workflow_call"):
        trigger = workflow.on.events.get(event)
        for name, spec in (trigger.inputs if trigger else {}).items():
            if isinstance(spec.default, (str, int, float, bool)) or spec.default is None:
                inputs.setdefault(name, spec.default)
    github: dict[str, Value] = {
        "event_name": next(iter(workflow.on.events), "push"),
        "ref": "refs/heads/main",
        "ref_name": "main",
        "event": {},
        "repository": "",
        "workflow": workflow.display_name,
    }
    return {"github": github, "inputs": inputs, "vars": {}}


def summarize(workflow: Workflow) -> list[JobSummary]:
    """The jobs of ``workflow`` in file order."""
    contexts = preview_contexts(workflow)
    return [_job(job, contexts) for job in workflow.jobs.values()]


def _job(job: Job, contexts: dict[str, Value]) -> JobSummary:
    size: int | None
    try:
        size = len(expand_job(job, contexts))
    except BatonError:
        size = None
    return JobSummary(
        id=job.id,
        name=job.name.source if job.name is not None else job.id,
        needs=job.needs,
        matrix_size=size,
        uses=job.uses,
    )
