"""Reading the steps of a job."""

from __future__ import annotations

import re

from runner.workflow import availability
from runner.workflow.model import Control, Step
from runner.workflow.reader import Reader
from runner.workflow.text import Text
from runner.workflow.tree import Map, Node, Scalar, Seq, kind_name

STEP_KEYS = (
    "id",
    "if",
    "name",
    "uses",
    "run",
    "working-directory",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
    "background",
)
CONTROL_KEYS = ("wait", "wait-all", "cancel")
"""The keys of steps that wait for or cancel background steps."""
_STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_REMOTE_ACTION = re.compile(r"[^/@\s]+/[^/@\s]+(/[^@\s]*)?@[^@\s]+")


def read_steps(r: Reader, node: Node, where: str) -> tuple[Step, ...]:
    """``steps:`` of a job, with step ids checked for duplicates."""
    if not isinstance(node, Seq):
        r.error(node, f"'{where}' must be a sequence of steps, not {kind_name(node)}")
        return ()
    steps: list[Step] = []
    ids: dict[str, Node] = {}
    for item in node.items:
        step = _step(r, item, len(steps), where, ids)
        if step is not None:
            _check_targets(r, step, steps)
            steps.append(step)
    if not steps and not r.has_errors:
        r.error(node, f"'{where}' has no steps")
    return tuple(steps)


def _check_targets(r: Reader, step: Step, before: list[Step]) -> None:
    """A ``wait`` or ``cancel`` names background steps of this job that come before it."""
    if step.control is None:
        return
    started = {s.id for s in before if s.background and s.id}
    for target in step.control.ids:
        if target not in started:
            r.warning(step.mark, f"'{step.control.kind}: {target}' names no background step before it in this job")


def _step(r: Reader, node: Node, index: int, where: str, ids: dict[str, Node]) -> Step | None:
    here = f"{where}[{index}]"
    body = r.mapping(node, here)
    if body is None:
        return None
    if (group := body.get("parallel")) is not None and len(body.pairs) == 1:
        # GitHub's step groups: the nested steps run side by side.
        inner = read_steps(r, group, f"{here}.parallel")
        return Step(index=index, parallel=inner, mark=body.mark)
    if any(body.get(key) is not None or body.key_node(key) is not None for key in CONTROL_KEYS):
        return _control(r, body, index, ids)
    r.check_keys(body, STEP_KEYS, "a step")
    step_id = _step_id(r, body, ids)
    run_node, uses_node = body.get("run"), body.get("uses")
    if run_node is not None and uses_node is not None:
        r.error(body, f"step {index + 1} ({here}) has both 'run' and 'uses'; a step does one or the other")
    elif run_node is None and uses_node is None:
        r.error(body, f"step {index + 1} ({here}) has neither 'run' nor 'uses'")
    names = availability.STEP
    run = r.text(run_node, names, "run") if run_node is not None else None
    uses = _uses(r, uses_node) if uses_node is not None else None
    if uses is None and body.get("with") is not None and run_node is not None:
        r.error(body.key_node("with") or body, "'with' is only for steps that use an action")
    return Step(
        index=index,
        id=step_id,
        name=_text(r, body, "name", names),
        condition=r.condition(cond, availability.STEP_IF, "if") if (cond := body.get("if")) is not None else None,
        run=run,
        shell=_text(r, body, "shell", names),
        working_directory=_text(r, body, "working-directory", names),
        uses=uses,
        with_=r.env(with_node, names, names, "with") if (with_node := body.get("with")) is not None else {},
        env=r.env(env_node, names, names, "env") if (env_node := body.get("env")) is not None else {},
        continue_on_error=r.flag(body.get("continue-on-error"), names, "continue-on-error", default=False),
        timeout_minutes=r.timeout(body.get("timeout-minutes"), names, "timeout-minutes"),
        background=_background(r, body.get("background")),
        mark=body.mark,
    )


def _background(r: Reader, node: Node | None) -> bool:
    return node is not None and bool(r.boolean(node, "background"))


def _control(r: Reader, body: Map, index: int, ids: dict[str, Node]) -> Step | None:
    """A ``wait``, ``wait-all`` or ``cancel`` step (GitHub's background steps): besides its
    one control key it may only have a ``name``, an ``id`` and ``continue-on-error``."""
    kinds = [key for key in CONTROL_KEYS if body.key_node(key) is not None]
    r.check_keys(body, (*kinds, "name", "id", "continue-on-error"), "a step that waits or cancels")
    if len(kinds) > 1:
        r.error(body, f"a step has one of 'wait', 'wait-all' and 'cancel', not {' and '.join(repr(k) for k in kinds)}")
        return None
    kind = kinds[0]
    node = body.get(kind)
    targets: tuple[str, ...] = ()
    if kind == "wait-all":
        if node is not None and not (isinstance(node, Scalar) and node.value is None) and r.boolean(node, "wait-all") is False:
            return None
    elif node is None:
        r.error(body.key_node(kind) or body, f"'{kind}' needs the id of a background step")
    elif kind == "cancel":
        one = r.string(node, "cancel")
        targets = (one,) if one else ()
    else:
        targets = r.strings(node, "wait") or ()
    names = availability.STEP
    return Step(
        index=index,
        id=_step_id(r, body, ids),
        name=_text(r, body, "name", names),
        continue_on_error=r.flag(body.get("continue-on-error"), names, "continue-on-error", default=False),
        control=Control(kind=kind, ids=targets),
        mark=body.mark,
    )


def _step_id(r: Reader, body: Map, ids: dict[str, Node]) -> str | None:
    node = body.get("id")
    if node is None:
        return None
    value = r.string(node, "id")
    if value is None:
        return None
    if not _STEP_ID.fullmatch(value):
        r.error(node, f"step id '{value}' must start with a letter or '_' and contain only letters, digits, '-' and '_'")
    first = ids.get(value.lower())
    if first is not None:
        r.error(node, f"duplicate step id '{value}' (first used at line {first.mark.line}, column {first.mark.col})")
    else:
        ids[value.lower()] = node
    return value


def _uses(r: Reader, node: Node) -> str | None:
    value = r.string(node, "uses")
    if value is None:
        return None
    if "${{" in value:
        r.error(node, "expressions are not allowed in 'uses'")
    elif value.startswith(("./", "../", "docker://")):
        if value == "docker://":
            r.error(node, "'uses: docker://' needs an image, e.g. docker://alpine:3.20")
    elif not _REMOTE_ACTION.fullmatch(value):
        r.error(node, f"'uses: {value}' is not an action: expected {{owner}}/{{repo}}[/path]@{{ref}}, ./path or docker://image")
    return value


def _text(r: Reader, body: Map, key: str, names: frozenset[str]) -> Text | None:
    if key in ("name", "working-directory"):  # GitHub reads an empty one as not given
        return r.optional_text(body.get(key), names, key)
    node = body.get(key)
    return r.text(node, names, key) if node is not None else None

