"""``action.yml`` of a local action: inputs, outputs, and how it runs.

Read with the same loader and reader as workflows, so a broken action gets the same
located errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.errors import WorkflowError
from runner.workflow import availability
from runner.workflow.loader import load_bytes
from runner.workflow.model import Step
from runner.workflow.read_step import read_steps
from runner.workflow.reader import Reader
from runner.workflow.text import Condition, Text
from runner.workflow.tree import Node, Scalar, Seq

_ACTION_CONTEXTS = availability.STEP
_RUNS_KEYS = (
    "using", "steps", "image", "entrypoint", "args", "env", "main", "pre", "post", "pre-if", "post-if",
    "pre-entrypoint", "post-entrypoint",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionInput:
    """One declared input."""

    name: str
    default: Text | None = None
    is_required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionManifest:
    """A parsed ``action.yml``."""

    path: str
    name: str
    using: str
    """``composite``, ``docker``, ``node20``, …"""
    inputs: dict[str, ActionInput] = field(default_factory=dict)
    outputs: dict[str, Text] = field(default_factory=dict)
    """Composite outputs: name → value expression (other kinds set outputs at run time)."""
    steps: tuple[Step, ...] = ()
    image: str = ""
    entrypoint: str | None = None
    args: tuple[Text, ...] = ()
    env: dict[str, Text] = field(default_factory=dict)
    main: str = ""
    pre: str = ""
    post: str = ""
    pre_if: Condition | None = None
    """When ``pre`` runs (None: ``always()``, as on GitHub)."""
    post_if: Condition | None = None
    """When ``post`` runs (None: ``always()``)."""
    pre_entrypoint: str | None = None
    post_entrypoint: str | None = None


def parse_action(data: bytes, name: str) -> ActionManifest:
    """Validate an ``action.yml``; raises :class:`WorkflowError` with every problem."""
    loaded = load_bytes(data, name)
    r = Reader(name, loaded.text)
    r.diagnostics.extend(loaded.diagnostics)
    manifest = _read(r, loaded.tree) if loaded.tree is not None else None
    if manifest is None or r.has_errors:
        raise WorkflowError(tuple(r.diagnostics))
    return manifest


def _read(r: Reader, tree: Node) -> ActionManifest | None:
    body = r.mapping(tree, "the action")
    if body is None:
        return None
    r.check_keys(body, ("name", "author", "description", "inputs", "outputs", "runs", "branding"), "the action")
    inputs: dict[str, ActionInput] = {}
    inputs_node = body.get("inputs")
    inputs_map = r.mapping(inputs_node, "inputs") if inputs_node is not None else None
    for key, value in inputs_map.pairs if inputs_map is not None else ():
        spec = r.mapping(value, f"inputs.{key.text}")
        if spec is None:
            continue
        default = spec.get("default")
        required = spec.get("required")
        inputs[key.text] = ActionInput(
            name=key.text,
            default=r.text(default, _ACTION_CONTEXTS, "default") if isinstance(default, Scalar) and default.value is not None else None,
            is_required=isinstance(required, Scalar) and required.value is True,
        )
    outputs: dict[str, Text] = {}
    outputs_node = body.get("outputs")
    outputs_map = r.mapping(outputs_node, "outputs") if outputs_node is not None else None
    for key, value in outputs_map.pairs if outputs_map is not None else ():
        spec = r.mapping(value, f"outputs.{key.text}")
        value_node = spec.get("value") if spec is not None else None
        text = r.text(value_node, _ACTION_CONTEXTS, "value") if value_node is not None else None
        if text is not None:
            outputs[key.text] = text
    runs_node = r.require(body, "runs", "the action")
    runs = r.mapping(runs_node, "runs") if runs_node is not None else None
    if runs is None:
        return None
    r.check_keys(runs, _RUNS_KEYS, "runs")
    using_node = r.require(runs, "using", "runs")
    using = (r.string(using_node, "runs.using") or "") if using_node is not None else ""

    def plain(key: str) -> str:
        node = runs.get(key)
        return (r.string(node, f"runs.{key}") or "") if node is not None else ""

    def condition(key: str) -> Condition | None:
        node = runs.get(key)
        return r.condition(node, availability.STEP_IF, f"runs.{key}") if node is not None else None

    args_node = runs.get("args")
    args: tuple[Text, ...] = ()
    if isinstance(args_node, Seq):
        args = tuple(t for t in (r.text(a, _ACTION_CONTEXTS, "args") for a in args_node.items) if t is not None)
    env_node = runs.get("env")
    steps_node = runs.get("steps")
    if using == "composite" and steps_node is None:
        r.error(runs, "a composite action needs 'runs.steps'")
    if using == "docker" and runs.get("image") is None:
        r.error(runs, "a docker action needs 'runs.image'")
    return ActionManifest(
        path=r.file,
        name=name.text if isinstance(name := body.get("name"), Scalar) else r.file,
        using=using,
        inputs=inputs,
        outputs=outputs,
        steps=read_steps(r, steps_node, "runs.steps") if steps_node is not None else (),
        image=plain("image"),
        entrypoint=plain("entrypoint") or None,
        args=args,
        env=r.texts(env_node, _ACTION_CONTEXTS, "runs.env") if env_node is not None else {},
        main=plain("main"),
        pre=plain("pre"),
        post=plain("post"),
        pre_if=condition("pre-if"),
        post_if=condition("post-if"),
        pre_entrypoint=plain("pre-entrypoint") or None,
        post_entrypoint=plain("post-entrypoint") or None,
    )
