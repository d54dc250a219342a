"""Reading one job: a runner job with steps, or a call of a reusable workflow."""

from __future__ import annotations

import re

from runner.expr import JOB_IF_FUNCTIONS
from runner.workflow import availability
from runner.workflow.model import Concurrency, Job, RunDefaults, Strategy
from runner.workflow.read_container import read_container, read_services
from runner.workflow.read_step import read_steps
from runner.workflow.reader import Reader
from runner.workflow.text import Text, Tree
from runner.workflow.tree import Map, Node, Plain, Scalar, Seq, kind_name

RUNNER_JOB_KEYS = (
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "snapshot",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "cancel-timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
)
CALL_JOB_KEYS = ("name", "uses", "with", "secrets", "strategy", "needs", "if", "permissions", "concurrency")
JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CALL = re.compile(r"\./\.github/workflows/[^@\s]+\.ya?ml|[^/@\s]+/[^/@\s]+/\.github/workflows/[^@\s]+\.ya?ml@[^@\s]+")
_PERMISSION_SCOPES = frozenset(
    """actions artifact-metadata attestations checks code-quality contents copilot-requests deployments
    discussions drives id-token issues models packages pages pull-requests repository-projects
    security-events statuses vulnerability-alerts""".split()
)


def read_job(r: Reader, key: Scalar, node: Node) -> Job | None:
    """One entry of ``jobs:``."""
    job_id = key.text
    if not JOB_ID.fullmatch(job_id):
        r.error(key, f"job id '{job_id}' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
    body = r.mapping(node, f"jobs.{job_id}")
    if body is None:
        return None
    where = f"job '{job_id}'"
    uses_node = body.get("uses")
    is_call = uses_node is not None
    r.check_keys(body, CALL_JOB_KEYS if is_call else RUNNER_JOB_KEYS, where)
    if is_call and body.get("steps") is not None:
        r.error(body.key_node("steps") or body, f"{where} calls a reusable workflow, so it cannot have 'steps'")
    runs_on: Tree = None
    if not is_call:
        runs_on_node = r.require(body, "runs-on", where)
        if runs_on_node is not None:
            runs_on = _runs_on(r, runs_on_node)
    if not is_call and body.get("steps") is None:
        r.error(body, f"{where} has no 'steps'")
    if (snapshot := body.get("snapshot")) is not None:
        _check_snapshot(r, snapshot)
    names = availability.JOB
    return Job(
        id=job_id,
        name=r.optional_text(body.get("name"), names, "name"),
        needs=_needs(r, body.get("needs")),
        condition=r.condition(c, availability.JOB_IF, "if", functions=JOB_IF_FUNCTIONS) if (c := body.get("if")) is not None else None,
        runs_on=runs_on,
        strategy=read_strategy(r, s) if (s := body.get("strategy")) is not None else None,
        container=read_container(r, c) if (c := body.get("container")) is not None else None,
        services=read_services(r, sv) if (sv := body.get("services")) is not None else {},
        outputs=r.texts(o, availability.JOB_OUTPUTS, "outputs") if (o := body.get("outputs")) is not None else {},
        env=r.env(e, availability.JOB_ENV, availability.JOB_ENV, "env") if (e := body.get("env")) is not None else {},
        defaults=read_job_defaults(r, d) if (d := body.get("defaults")) is not None else RunDefaults(),
        timeout_minutes=r.timeout(body.get("timeout-minutes"), names, "timeout-minutes") or 360,
        cancel_timeout_minutes=r.timeout(body.get("cancel-timeout-minutes"), names, "cancel-timeout-minutes"),
        continue_on_error=r.flag(body.get("continue-on-error"), names, "continue-on-error", default=False),
        concurrency=read_concurrency(r, c, names) if (c := body.get("concurrency")) is not None else None,
        environment=_environment(r, e) if (e := body.get("environment")) is not None else None,
        permissions=read_permissions(r, p) if (p := body.get("permissions")) is not None else None,
        steps=read_steps(r, st, f"jobs.{job_id}.steps") if (st := body.get("steps")) is not None else (),
        uses=_call(r, uses_node) if uses_node is not None else None,
        with_=_with(r, w) if (w := body.get("with")) is not None else {},
        secrets=_secrets(r, sec) if (sec := body.get("secrets")) is not None else None,
        mark=key.mark,
    )


def _runs_on(r: Reader, node: Node) -> Tree:
    if isinstance(node, Map):
        r.check_keys(node, ("group", "labels"), "runs-on")
        if node.get("group") is None and node.get("labels") is None:
            r.error(node, "'runs-on' as a mapping needs 'group' or 'labels'")
    elif isinstance(node, Scalar) and node.value is None:
        r.error(node, "'runs-on' must be a label, a list of labels or {group, labels}, not null")
        return None
    elif isinstance(node, Scalar):  # a number or boolean is a label too, as GitHub reads it
        return r.scalar_text(node, availability.JOB)
    return r.tree(node, availability.JOB)


def _environment(r: Reader, node: Node) -> Tree:
    """``environment``: a name, or ``{name, url}`` where ``url`` may read the steps' outputs."""
    if not isinstance(node, Map):
        return r.tree(node, availability.JOB)
    r.check_keys(node, ("name", "url", "deployment"), "environment")
    r.require(node, "name", "environment")
    if (deployment := node.get("deployment")) is not None:
        r.flag(deployment, availability.JOB, "environment.deployment", default=True)
    return {
        key.text: r.tree(value, availability.ENVIRONMENT_URL if key.text == "url" else availability.JOB)
        for key, value in node.pairs
    }


def _check_snapshot(r: Reader, node: Node) -> None:
    """``snapshot`` (a custom runner image made from the job's runner): checked only, as
    baton makes no runner images."""
    if isinstance(node, Scalar):
        r.string(node, "snapshot")
        return
    body = r.mapping(node, "snapshot")
    if body is None:
        return
    r.check_keys(body, ("image-name", "if", "version"), "snapshot")
    r.require(body, "image-name", "snapshot")
    if (condition := body.get("if")) is not None:
        r.condition(condition, availability.JOB, "snapshot.if")


def _needs(r: Reader, node: Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    items = r.strings(node, "needs") or ()
    return tuple(dict.fromkeys(items))


def read_strategy(r: Reader, node: Node) -> Strategy | Text | None:
    """``strategy``: a mapping, or one expression that gives it (read once evaluated)."""
    names = availability.STRATEGY
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, names)
    body = r.mapping(node, "strategy")
    if body is None:
        return None
    r.check_keys(body, ("matrix", "fail-fast", "max-parallel"), "strategy")
    matrix_node = body.get("matrix")
    if matrix_node is not None:
        _check_matrix(r, matrix_node)
    max_parallel = body.get("max-parallel")
    return Strategy(
        matrix=r.tree(matrix_node, names) if matrix_node is not None else None,
        fail_fast=r.flag(body.get("fail-fast"), names, "fail-fast", default=True),
        max_parallel=r.minutes(max_parallel, names, "max-parallel", unit="number") if max_parallel is not None else None,
        mark=body.mark,
    )


def _check_matrix(r: Reader, node: Node) -> None:
    """What can be told before expressions run: shapes, and vectors with no values."""
    if r.is_expression(node):
        return
    if not isinstance(node, Map):
        r.error(node, f"'matrix' must be a mapping or an expression, not {kind_name(node)}")
        return
    if not node.pairs:
        r.error(node, "the matrix is empty; it needs at least one vector or an 'include' entry")
    for key, value in node.pairs:
        if r.is_expression(value):
            continue
        if key.text in ("include", "exclude"):
            if not isinstance(value, Seq) or any(not isinstance(i, Map) and not r.is_expression(i) for i in value.items):
                r.error(value, f"matrix '{key.text}' must be a sequence of mappings")
        elif not isinstance(value, Seq):
            r.error(value, f"matrix vector '{key.text}' must be a sequence, not {kind_name(value)}")
        elif not value.items:
            r.error(value, f"matrix vector '{key.text}' has no values")


def _call(r: Reader, node: Node) -> str | None:
    value = r.string(node, "uses")
    if value is not None and not _CALL.fullmatch(value):
        r.error(
            node,
            f"'uses: {value}' is not a reusable workflow: expected ./.github/workflows/FILE.yml "
            "or OWNER/REPO/.github/workflows/FILE.yml@REF",
        )
    return value


def _with(r: Reader, node: Node) -> dict[str, Tree]:
    """A reusable workflow's inputs: each value one scalar (the schema's ``scalar-needs-context``)."""
    body = r.mapping(node, "with")
    if body is None:
        return {}
    for key, value in body.pairs:
        if isinstance(value, (Map, Seq)):
            r.error(value, f"'with.{key.text}' must be a string, number or boolean (an input's value), not {kind_name(value)}")
    return {k.text: r.tree(v, availability.JOB) for k, v in body.pairs if not isinstance(v, (Map, Seq))}


def _secrets(r: Reader, node: Node) -> dict[str, Text] | str | None:
    if isinstance(node, Scalar) and node.value == "inherit":
        return "inherit"
    return r.texts(node, availability.JOB_ENV, "secrets")


def read_job_defaults(r: Reader, node: Node) -> RunDefaults | Text:
    """A job's ``defaults``, whose ``run`` may be one expression (the schema's ``job-defaults-run``)."""
    body = r.mapping(node, "defaults")
    run = body.get("run") if body is not None else None
    if run is not None and r.is_expression(run):
        assert isinstance(run, Scalar) and body is not None
        r.check_keys(body, ("run",), "defaults")
        return r.scalar_text(run, availability.JOB_DEFAULTS) or RunDefaults()
    return read_defaults(r, node, availability.JOB_DEFAULTS)


def read_defaults(r: Reader, node: Node, names: frozenset[str]) -> RunDefaults:
    """``defaults: {run: {shell, working-directory}}``; ``names`` empty where the schema
    gives no contexts (a workflow's defaults), so ``${{ }}`` there stays text, as on GitHub."""
    body = r.mapping(node, "defaults")
    if body is None:
        return RunDefaults()
    r.check_keys(body, ("run",), "defaults")
    run_node = body.get("run")
    run = r.mapping(run_node, "defaults.run") if run_node is not None else None
    if run is None:
        return RunDefaults()
    r.check_keys(run, ("shell", "working-directory"), "defaults.run")
    return RunDefaults(
        shell=_default(r, run.get("shell"), names, "defaults.run.shell"),
        working_directory=_default(r, run.get("working-directory"), names, "defaults.run.working-directory"),
    )


def _default(r: Reader, node: Node | None, names: frozenset[str], where: str) -> Text | None:
    if node is None:
        return None
    if names or not r.is_expression(node):
        return r.text(node, names, where)
    assert isinstance(node, Scalar)
    r.warning(node, f"'{where}' of a workflow takes no expressions: GitHub uses the text as written")
    return r.verbatim(node)


def read_concurrency(r: Reader, node: Node, names: frozenset[str]) -> Concurrency | Text | None:
    """``concurrency``: a group name, or ``{group, cancel-in-progress}``; a string with
    ``${{ }}`` may give either, so it is kept whole and read once evaluated."""
    if r.is_expression(node):
        assert isinstance(node, Scalar)
        return r.scalar_text(node, names)
    if isinstance(node, Scalar):
        group = r.text(node, names, "concurrency")
        return Concurrency(group=group) if group is not None else None
    body = r.mapping(node, "concurrency")
    if body is None:
        return None
    r.check_keys(body, ("group", "cancel-in-progress", "queue"), "concurrency")
    group_node = r.require(body, "group", "concurrency")
    group = r.text(group_node, names, "concurrency.group") if group_node is not None else None
    if group is None:
        return None
    cancel = r.flag(body.get("cancel-in-progress"), names, "cancel-in-progress", default=False)
    queue: str | Text | None = None
    if (queue_node := body.get("queue")) is not None and r.is_expression(queue_node):
        assert isinstance(queue_node, Scalar)
        queue = r.scalar_text(queue_node, names)
    elif queue_node is not None:
        queue = r.string(queue_node, "concurrency.queue")
        if queue not in (None, "single", "max"):
            r.error(queue_node, f"'concurrency.queue' must be single or max, not '{queue}'")
    return Concurrency(group=group, cancel_in_progress=cancel, queue=queue)


def read_permissions(r: Reader, node: Node) -> Plain:
    """``permissions``: ``read-all``, ``write-all``, ``{}`` or scope → read/write/none."""
    if isinstance(node, Scalar):
        if node.text not in ("read-all", "write-all"):
            r.error(node, f"'permissions' must be read-all, write-all or a mapping, not '{node.text}'")
        return node.text
    body = r.mapping(node, "permissions")
    if body is None:
        return None
    out: dict[str, Plain] = {}
    for key, value in body.pairs:
        if key.text not in _PERMISSION_SCOPES:
            r.warning(key, f"unknown permission scope '{key.text}'")
        level = value.text if isinstance(value, Scalar) else None
        if level not in ("read", "write", "none"):
            r.error(value, f"permission '{key.text}' must be read, write or none")
        out[key.text] = level
    return out
