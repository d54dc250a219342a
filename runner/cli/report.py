"""What ``baton run`` prints at the end: the dry-run plan, the summary table, the JSON document.

The JSON document (``--format json``) is one object::

    {"status": "success" | "failure" | "cancelled",
     "runs": [{"id", "workflow", "file", "status", "attempt"}],
     "jobs": [{"id", "key", "name", "workflow", "matrix", "conclusion", "outputs", "reason", "summary",
               "attempt", "failed_attempts",
               "steps": [{"id", "name", "outcome", "conclusion", "outputs", "duration", "log"}]}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from runner.cli.style import Style
from runner.expr import Value
from runner.plan import Plan
from runner.status import Conclusion, RunId
from runner.terminal import shown

if TYPE_CHECKING:  # only in annotations: a dry run (``baton run -n``) imports neither
    from runner.cli.printer import Printer
    from runner.launch import PlannedRun


def print_dry_run(plan: Plan, out: TextIO) -> None:
    """The plan of a workflow: jobs in order, their legs and needs; nothing runs."""
    style = Style(out)
    workflow = plan.workflow
    print(style(shown(workflow.display_name), "bold") + style(f"  ({workflow.path})  dry run: nothing runs", "dim"), file=out)
    for planned in plan.jobs.values():
        job = planned.job
        needs = f"  needs: {', '.join(job.needs)}" if job.needs else ""
        if planned.legs is None:
            print(f"  {job.id}: matrix expands at run time (it reads needs){needs}", file=out)
            continue
        for leg in planned.legs:
            steps = len(job.steps) if not job.uses else 0
            what = f"calls {job.uses}" if job.uses else f"{steps} step{'s' * (steps != 1)}"
            print(f"  {shown(leg.name):<40} {what}{style(needs, 'dim')}", file=out)


def overall(conclusions: Sequence[Conclusion]) -> Conclusion:
    """The status of several runs together."""
    if Conclusion.FAILURE in conclusions:
        return Conclusion.FAILURE
    if Conclusion.CANCELLED in conclusions:
        return Conclusion.CANCELLED
    return Conclusion.SUCCESS


def print_summary(printer: Printer, requests: Sequence[PlannedRun], conclusions: Sequence[Conclusion], out: TextIO) -> None:
    """The table of jobs and one line per run."""
    style = Style(out)
    print("", file=out)
    for line in printer.summary():
        print(line, file=out)
    for request, conclusion in zip(requests, conclusions):
        colour = "green" if conclusion == Conclusion.SUCCESS else "red" if conclusion == Conclusion.FAILURE else "yellow"
        took = printer.elapsed(request.run_id) if request.run_id in printer.runs else 0.0
        print(
            style(f"{shown(request.info.workflow)}: {conclusion.value} in {took:.1f}s", colour, "bold")
            + style(f"  (run {request.run_id}; logs: baton logs {request.run_id})", "dim"),
            file=out,
        )


def json_document(printer: Printer, requests: Sequence[PlannedRun], conclusions: Sequence[Conclusion], home: Path) -> str:
    """The machine-readable account of the run (schema in this module's docstring)."""
    from runner.store.paths import step_log_name  # here: a dry run does not open the store

    by_run = {r.run_id: r for r in requests}
    jobs: list[Value] = []
    for view in printer.jobs.values():
        request = by_run.get(RunId(view.run_id))
        planned = request.plan.jobs.get(view.job_id) if request else None
        steps: list[Value] = []
        for index in sorted(view.steps):
            step = view.steps[index]
            yaml_step = planned.job.steps[index] if planned and 0 <= index < len(planned.job.steps) else None
            steps.append(
                {
                    "id": yaml_step.id if yaml_step else None,
                    "name": step.name,
                    "outcome": step.outcome.value if step.outcome else None,
                    "conclusion": step.conclusion.value if step.conclusion else None,
                    "outputs": dict(step.outputs),
                    "duration": round(step.duration, 3) if step.duration is not None else None,
                    "log": str(home / step_log_name(RunId(view.run_id), view.key, index, view.attempt))
                    if step.duration is not None else None,
                }
            )
        jobs.append(
            {
                "id": view.job_id,
                "key": view.key,
                "name": view.name,
                "workflow": request.info.workflow if request else "",
                "matrix": dict(view.matrix),
                "conclusion": view.conclusion.value if view.conclusion else None,
                "outputs": dict(view.outputs),
                "reason": view.reason,
                "summary": view.summary,
                "attempt": view.attempt,
                "failed_attempts": list(view.failed_attempts),
                "steps": steps,
            }
        )
    runs: list[Value] = [
        {"id": r.run_id, "workflow": r.info.workflow, "file": r.info.workflow_path, "status": c.value,
         "attempt": r.info.run_attempt}
        for r, c in zip(requests, conclusions)
    ]
    return json.dumps({"status": overall(conclusions).value, "runs": runs, "jobs": jobs}, indent=2)
