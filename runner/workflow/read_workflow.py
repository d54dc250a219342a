"""Reading a whole workflow file: top-level keys, jobs, and the checks across jobs."""

from __future__ import annotations

from runner.workflow import availability
from runner.workflow.model import Job, RunDefaults, Workflow
from runner.workflow.read_job import read_concurrency, read_defaults, read_job, read_permissions
from runner.workflow.read_triggers import read_triggers
from runner.workflow.reader import Reader
from runner.workflow.suggest import closest
from runner.workflow.tree import Map, Node, Scalar
from runner.workflow.triggers import Triggers

WORKFLOW_KEYS = ("name", "run-name", "description", "on", "env", "defaults", "concurrency", "permissions", "jobs")


def read_workflow(r: Reader, root: Node) -> Workflow | None:
    """The workflow in ``root``, or None when it is not even a mapping."""
    body = r.mapping(root, "the workflow")
    if body is None:
        return None
    r.check_keys(body, WORKFLOW_KEYS, "the workflow")
    on_node = r.require(body, "on", "the workflow")
    on = read_triggers(r, on_node) if on_node is not None else Triggers(events={})
    jobs_node = r.require(body, "jobs", "the workflow")
    jobs = _jobs(r, jobs_node) if jobs_node is not None else {}
    name_node = body.get("name")
    return Workflow(
        path=r.file,
        name=None if name_node is None or isinstance(name_node, Scalar) and name_node.value is None else r.string(name_node, "name"),
        run_name=r.text(n, availability.WORKFLOW_LEVEL, "run-name") if (n := body.get("run-name")) is not None else None,
        on=on,
        env=r.env(e, availability.WORKFLOW_ENV, availability.WORKFLOW_ENV, "env") if (e := body.get("env")) is not None else {},
        defaults=read_defaults(r, d, frozenset())
        if (d := body.get("defaults")) is not None
        else RunDefaults(),
        concurrency=read_concurrency(r, c, availability.WORKFLOW_LEVEL)
        if (c := body.get("concurrency")) is not None
        else None,
        permissions=read_permissions(r, p) if (p := body.get("permissions")) is not None else None,
        jobs=jobs,
    )


def _jobs(r: Reader, node: Node) -> dict[str, Job]:
    body = r.mapping(node, "jobs")
    if body is None:
        return {}
    if not body.pairs:
        r.error(body, "'jobs' is empty; a workflow needs at least one job")
    jobs: dict[str, Job] = {}
    for key, value in body.pairs:
        job = read_job(r, key, value)
        if job is not None:
            jobs[job.id] = job
    _check_needs(r, body, jobs)
    return jobs


def _check_needs(r: Reader, body: Map, jobs: dict[str, Job]) -> None:
    """Every ``needs`` names a job of this workflow, and they form no cycle."""
    for job in jobs.values():
        for need in job.needs:
            if need not in jobs:
                at = _needs_node(body, job.id) or job.mark
                others = [j for j in jobs if j != job.id]
                close = closest(need, others)
                hint = f"; did you mean '{close}'?" if close is not None else f" (jobs: {', '.join(others) or 'none'})"
                r.error(at, f"job '{job.id}' needs '{need}', which is not a job of this workflow{hint}")
    cycle = find_cycle({j.id: tuple(n for n in j.needs if n in jobs) for j in jobs.values()})
    if cycle:
        r.error(jobs[cycle[0]].mark, f"jobs depend on each other in a cycle: {' -> '.join(cycle)}")


def find_cycle(edges: dict[str, tuple[str, ...]]) -> list[str] | None:
    """One dependency cycle as ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in edges:
        if start not in state and (found := visit(start)):
            return found
    return None


def _needs_node(body: Map, job_id: str) -> Node | None:
    job = body.get(job_id)
    return job.get("needs") if isinstance(job, Map) else None
