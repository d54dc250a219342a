"""A job that calls a reusable workflow (``uses: ./.github/workflows/x.yml``).

A local workflow (``./…``) is read from the run's repository snapshot (the same
revision, as on GitHub), another repository's (``owner/repo/.github/workflows/x.yml@ref``)
through the run's fetcher, as remote actions are; its jobs run inside this run, keyed
and named under the calling job, with the inputs and secrets the call passes. Its ``workflow_call`` outputs become the calling
job's outputs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Protocol

from runner.confinement import resolve_inside
from runner.engine.job_runner import JobRunner
from runner.engine.request import JobResult, RunRequest
from runner.errors import BatonError, ExpressionError
from runner.events import JobStarted
from runner.expr import Value, to_display_string
from runner.plan import Leg, compile_plan
from runner.status import Conclusion
from runner.workflow import parse_file
from runner.workflow.action_ref import parse_action_ref
from runner.workflow.model import Workflow
from runner.workflow.text import Text, Tree, evaluate_tree

class CallError(BatonError):
    """A reusable workflow cannot be called as written."""


class CalledJobsRunner(Protocol):
    """Runs the jobs of a called workflow's ``request`` inside the calling run, keyed and
    named under the calling ``leg``; returns their conclusion and results by job id."""

    async def __call__(self, request: RunRequest, leg: Leg) -> tuple[Conclusion, dict[str, JobResult]]:
        """The called jobs' conclusion and results."""


async def call_workflow(caller: JobRunner, leg: Leg, needs: dict[str, Value], run_called: CalledJobsRunner) -> JobResult:
    """Run the workflow ``leg`` calls (its jobs through ``run_called``); never raises except on cancellation."""
    req = caller.request
    bus = caller.bus
    bus.publish(JobStarted(run_id=req.run_id, job_key=leg.key, executor=f"workflow {leg.job.uses}", at=time.time()))
    try:
        called = await _load(req, leg)
        contexts: dict[str, Value] = {
            "github": caller.job_contexts(leg, needs)["github"],
            "needs": needs,
            "strategy": {"job-index": leg.index, "job-total": leg.total},
            "matrix": dict(leg.matrix),
            "inputs": req.inputs,
            "vars": req.vars,
            "secrets": dict(req.secrets),
        }
        inputs = _inputs(called, leg, contexts)
        secrets = _secrets(leg, contexts, req.secrets)
        plan = compile_plan(called, {"github": contexts["github"], "inputs": inputs, "vars": req.vars})
    except BatonError as exc:
        return caller.finish(leg, Conclusion.FAILURE, {}, reason=caller.masker.mask(str(exc)))
    for secret in secrets.values():
        caller.masker.add(secret)
    nested_request = replace(req, plan=plan, inputs=inputs, secrets=secrets, only_jobs=None, matrix_filter={}, kept={})
    conclusion, results = await run_called(nested_request, leg)
    jobs: dict[str, Value] = {job_id: result.as_context() for job_id, result in results.items()}
    outputs: dict[str, str] = {}
    trigger = called.on.events["workflow_call"]
    for name, text in trigger.outputs.items():
        try:
            value = text.evaluate({"github": contexts["github"], "jobs": jobs, "inputs": inputs, "vars": req.vars})
        except BatonError:
            value = ""
        text_value = to_display_string(value)
        outputs[name] = "" if caller.masker.mask(text_value) != text_value else text_value  # GitHub drops secrets
    return caller.finish(leg, conclusion, outputs)


async def _load(request: RunRequest, leg: Leg) -> Workflow:
    """The called workflow: from the run's snapshot (``./…``), or fetched with its repository."""
    uses = leg.job.uses or ""
    if uses.startswith("./"):
        if request.source is None:
            raise CallError(f"'{uses}' cannot be read: this run has no repository snapshot")
        path, display = request.source / uses[2:], uses[2:]
        if not path.is_file():
            raise CallError(f"'{uses}' does not exist in the repository")
    else:
        ref = parse_action_ref(uses)
        if request.fetcher is None:
            raise CallError(f"cannot call '{uses}': this run has no source of remote workflows")
        fetched = await request.fetcher.fetch(ref)
        path, display = resolve_inside(fetched.folder, ref.path, setting=f"uses: {uses}"), uses
        if not path.is_file():
            raise CallError(f"'{uses}': {ref.repository} at {ref.ref} ({fetched.commit[:12]}) has no file '{ref.path}'")
    called = parse_file(path, display=display)
    if "workflow_call" not in called.on.events:
        raise CallError(f"'{uses}' cannot be called: its 'on' has no workflow_call")
    return called


def _inputs(called: Workflow, leg: Leg, contexts: dict[str, Value]) -> dict[str, Value]:
    declared = called.on.events["workflow_call"].inputs
    given = {k: _input(v, contexts, k) for k, v in leg.job.with_.items()}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise CallError(f"'{leg.job.uses}' has no input {', '.join(repr(u) for u in unknown)}")
    values: dict[str, Value] = {}
    for name, spec in declared.items():
        if name in given:
            value = given[name]
        elif isinstance(spec.default, Text):
            value = spec.default.evaluate({"github": contexts["github"], "inputs": dict(values), "vars": contexts["vars"]})
        elif spec.default is not None:
            value = evaluate_tree(spec.default, contexts)
        elif spec.is_required:
            raise CallError(f"'{leg.job.uses}' needs input '{name}'")
        else:
            value = "" if spec.type == "string" else False if spec.type == "boolean" else 0
        values[name] = _typed(value, spec.type, name)
    return values


def _input(value: Tree, contexts: dict[str, Value], name: str) -> Value:
    """One ``with:`` value, evaluated: a scalar, else an error at its expression."""
    result = evaluate_tree(value, contexts)
    if isinstance(result, (dict, list)) and isinstance(value, Text):
        kind = "a mapping" if isinstance(result, dict) else "a sequence"
        raise ExpressionError(f"'with.{name}' must give a string, number or boolean (an input's value), not {kind}",
                              expression=value.source, mark=value.mark)
    return result


def _typed(value: Value, kind: str, name: str) -> Value:
    if kind == "boolean" and isinstance(value, str):
        return value.strip().lower() == "true"
    if kind == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise CallError(f"input '{name}' must be a number, not '{value}'") from None
    if kind == "string" and not isinstance(value, str):
        return to_display_string(value)
    return value


def _secrets(leg: Leg, contexts: dict[str, Value], inherited: dict[str, str]) -> dict[str, str]:
    given = leg.job.secrets
    if given == "inherit":
        return dict(inherited)
    out = {"GITHUB_TOKEN": inherited.get("GITHUB_TOKEN", "")}
    if isinstance(given, dict):
        out.update({k: to_display_string(v.evaluate(contexts)) for k, v in given.items()})
    return out
