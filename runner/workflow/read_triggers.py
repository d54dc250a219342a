"""Reading ``on:`` in its three forms (a name, a list of names, a mapping)."""

from __future__ import annotations

from collections.abc import Iterator

from runner.workflow import availability
from runner.workflow.cron import cron_problem
from runner.workflow.filters import RefFilter
from runner.workflow.globs import GlobError, compile_glob
from runner.workflow.reader import Reader
from runner.workflow.suggest import closest
from runner.workflow.text import Text
from runner.workflow.tree import Map, Node, Scalar, Seq, kind_name
from runner.workflow.triggers import INPUT_TYPES, Cron, EventTrigger, Input, Triggers

EVENTS = frozenset(
    """branch_protection_rule check_run check_suite create delete deployment deployment_status
    discussion discussion_comment fork gollum issue_comment issues label merge_group milestone
    page_build project project_card project_column public pull_request pull_request_review
    pull_request_review_comment pull_request_target push registry_package release
    repository_dispatch schedule status watch workflow_call workflow_dispatch workflow_run image_version
    pull_request_comment""".split()
)
"""Every event name GitHub accepts under ``on:``."""

_FILTERS = ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore")
_KEYS: dict[str, tuple[str, ...]] = {
    "push": _FILTERS,
    "pull_request": ("types", "branches", "branches-ignore", "paths", "paths-ignore"),
    "pull_request_target": ("types", "branches", "branches-ignore", "paths", "paths-ignore"),
    "workflow_run": ("types", "workflows", "branches", "branches-ignore"),
    "workflow_dispatch": ("inputs",),
    "workflow_call": ("inputs", "outputs", "secrets"),
    "merge_group": ("types", "branches", "branches-ignore"),
    "image_version": ("types", "names", "versions"),
    **{event: () for event in "create delete deployment deployment_status fork gollum page_build public status".split()},
}
"""The settings each event takes (GitHub's schema); an event not named here takes ``types``."""


def read_triggers(r: Reader, node: Node) -> Triggers:
    """``on:`` as :class:`Triggers`; problems go to the reader."""
    events: dict[str, EventTrigger] = {}
    if isinstance(node, Scalar) and isinstance(node.value, str):
        if _known(r, node):
            events[node.text] = EventTrigger(event=node.text, mark=node.mark)
    elif isinstance(node, Seq):
        for item in node.items:
            if not isinstance(item, Scalar) or not isinstance(item.value, str):
                r.error(item, f"an event in 'on' must be a name, not {kind_name(item)}")
            elif _known(r, item):
                events[item.text] = EventTrigger(event=item.text, mark=item.mark)
    elif isinstance(node, Map):
        for key, value in node.pairs:
            if _known(r, key):
                events[key.text] = _event(r, key, value)
    else:
        r.error(node, f"'on' must be an event name, a list or a mapping, not {kind_name(node)}")
    if not events and not r.has_errors:
        r.error(node, "'on' names no event")
    return Triggers(events=events)


def _known(r: Reader, key: Scalar) -> bool:
    if key.text == "pull_request_comment":
        r.warning(key, "'pull_request_comment' is deprecated; GitHub delivers these as 'issue_comment'")
    if key.text in EVENTS:
        return True
    close = closest(key.text, EVENTS)
    r.error(key, f"unknown event '{key.text}'" + (f"; did you mean '{close}'?" if close is not None else ""))
    return False


def _event(r: Reader, key: Scalar, node: Node) -> EventTrigger:
    name = key.text
    if name == "schedule":
        return EventTrigger(event=name, mark=key.mark, crons=_crons(r, node))
    if isinstance(node, Scalar) and node.value is None:
        return EventTrigger(event=name, mark=key.mark)
    where = f"on.{name}"
    body = r.mapping(node, where)
    if body is None:
        return EventTrigger(event=name, mark=key.mark)
    # GitHub's schema lets an event's configuration hold any key and ignores what it
    # does not know (a workflow with `push: {branch: main}` runs on every push).
    r.check_keys(body, _KEYS.get(name, ("types",)), where, is_lenient=True)
    types = _names(r, body, "types", where)
    inputs: dict[str, Input] = {}
    if (node_inputs := body.get("inputs")) is not None:
        inputs = _inputs(r, node_inputs, f"{where}.inputs", is_call=name == "workflow_call")
    outputs: dict[str, Text] = {}
    if (node_outputs := body.get("outputs")) is not None:
        outputs = _call_outputs(r, node_outputs)
    secrets: dict[str, bool] = {}
    if (node_secrets := body.get("secrets")) is not None:
        secrets = _call_secrets(r, node_secrets)
    return EventTrigger(
        event=name,
        mark=key.mark,
        types=types,
        filter=_filter(r, body, where) if any(body.get(k) is not None for k in _FILTERS) else None,
        inputs=inputs,
        outputs=outputs,
        secrets=secrets,
        workflows=_names(r, body, "workflows", where) or (),
    )


def _names(r: Reader, body: Map, key: str, where: str) -> tuple[str, ...] | None:
    node = body.get(key)
    if node is None:
        return None
    values = r.strings(node, f"{where}.{key}")
    for value in values or ():
        if "${{" in value:
            r.error(node, f"expressions are not allowed in '{where}.{key}'")
    return values


def _filter(r: Reader, body: Map, where: str) -> RefFilter:
    lists: dict[str, tuple[str, ...] | None] = {}
    for key in _FILTERS:
        node = body.get(key)
        lists[key] = None if node is None else _patterns(r, node, f"{where}.{key}")
    for include in ("branches", "tags", "paths"):
        if lists[include] is not None and lists[f"{include}-ignore"] is not None:
            at = body.key_node(f"{include}-ignore")
            r.error(at or body, f"'{include}' and '{include}-ignore' cannot both be used for the same event in '{where}'")
    return RefFilter(
        branches=lists["branches"],
        branches_ignore=lists["branches-ignore"],
        tags=lists["tags"],
        tags_ignore=lists["tags-ignore"],
        paths=lists["paths"],
        paths_ignore=lists["paths-ignore"],
    )


def _patterns(r: Reader, node: Node, where: str) -> tuple[str, ...]:
    items = [node] if isinstance(node, Scalar) else list(node.items) if isinstance(node, Seq) else None
    if items is None:
        r.error(node, f"'{where}' must be a pattern or a list of patterns, not {kind_name(node)}")
        return ()
    out: list[str] = []
    for item in items:
        if not isinstance(item, Scalar) or item.value is None:
            r.error(item, f"a pattern in '{where}' must be a string, not {kind_name(item)}")
            continue
        pattern = item.text
        if "${{" in pattern:
            r.error(item, f"expressions are not allowed in '{where}'")
            continue
        try:
            compile_glob(pattern)
        except GlobError as exc:
            r.error(r.mark_in(item, exc.offset), f"invalid pattern '{pattern}' in '{where}': {exc.message}")
            continue
        out.append(pattern)
    return tuple(out)


def _timezone(r: Reader, node: Node | None) -> str | None:
    """An IANA time zone name (``America/New_York``), checked against the system's database."""
    if node is None:
        return None
    name = r.string(node, "on.schedule[].timezone")
    if name is None:
        return None
    import zoneinfo  # here: it loads sysconfig, a cost to every workflow without a time zone

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        r.error(node, f"'{name}' is not a time zone name (IANA names such as 'Europe/Paris' or 'UTC')")
    return name


def _crons(r: Reader, node: Node) -> tuple[Cron, ...]:
    if not isinstance(node, Seq):
        r.error(node, f"'on.schedule' must be a list of {{cron: ...}} entries, not {kind_name(node)}")
        return ()
    crons: list[Cron] = []
    for item in node.items:
        entry = r.mapping(item, "on.schedule[]")
        if entry is None:
            continue
        r.check_keys(entry, ("cron", "timezone"), "on.schedule[]")
        value = r.require(entry, "cron", "a schedule entry")
        line = r.string(value, "cron") if value is not None else None
        if line is None or value is None:
            continue
        zone = _timezone(r, entry.get("timezone"))
        problem = cron_problem(line)
        if problem:
            r.error(value, problem)
        else:
            crons.append(Cron(line=line, timezone=zone))
    return tuple(crons)


_INPUT_KEYS = ("description", "required", "default", "type", "options", "deprecationMessage")


def _specs(r: Reader, node: Node, where: str, keys: tuple[str, ...]) -> Iterator[tuple[Scalar, Map, str]]:
    """The entries of a ``name: {settings}`` mapping, each checked against ``keys``."""
    body = r.mapping(node, where)
    for key, value in body.pairs if body is not None else ():
        here = f"{where}.{key.text}"
        spec = r.mapping(value, here)
        if spec is not None:
            r.check_keys(spec, keys, here)
            yield key, spec, here


def _is_required(r: Reader, spec: Map, here: str) -> bool:
    required = spec.get("required")
    return bool(r.boolean(required, f"{here}.required")) if required is not None else False


def _inputs(r: Reader, node: Node, where: str, *, is_call: bool) -> dict[str, Input]:
    out: dict[str, Input] = {}
    for key, spec, here in _specs(r, node, where, _INPUT_KEYS):
        kind = "string"
        if (type_node := spec.get("type")) is not None:
            kind = r.string(type_node, f"{here}.type") or "string"
            allowed = ("boolean", "number", "string") if is_call else INPUT_TYPES
            if kind not in allowed and is_call:
                r.error(type_node, f"'{here}.type' must be one of {', '.join(allowed)}, not '{kind}'")
            elif kind not in allowed:
                # GitHub accepts a dispatch input of an unknown type and treats it as a string.
                r.warning(type_node, f"'{here}.type' '{kind}' is not one of {', '.join(allowed)}; read as a string")
                kind = "string"
        elif is_call:
            # GitHub's docs call 'type' required here, yet such workflows run (act's suite has one).
            r.warning(spec, f"{here} has no 'type'; read as a string")
        options: tuple[str, ...] = ()
        if (options_node := spec.get("options")) is not None:
            if isinstance(options_node, Seq):
                options = r.strings(options_node, f"{here}.options") or ()
            else:
                r.error(options_node, f"'{here}.options' must be a sequence of strings, not {kind_name(options_node)}")
        elif kind == "choice":
            r.error(spec, f"{here} is a choice input without 'options'")
        default_node = spec.get("default")
        default = None
        if default_node is not None:
            names = availability.WORKFLOW_LEVEL if is_call else ()
            default = r.tree(default_node, names)
            if kind == "choice" and isinstance(default_node, Scalar) and options and default_node.text not in options:
                # GitHub's parser checks a default's type, not that a choice's is one of its options.
                r.warning(default_node, f"default '{default_node.text}' of {here} is not one of its options")
        out[key.text] = Input(
            name=key.text,
            type=kind,
            description=_optional_string(r, spec, "description", here),
            is_required=_is_required(r, spec, here),
            default=default,
            options=options,
            mark=key.mark,
        )
    return out


def _call_outputs(r: Reader, node: Node) -> dict[str, Text]:
    out: dict[str, Text] = {}
    for key, spec, here in _specs(r, node, "on.workflow_call.outputs", ("description", "value")):
        value_node = r.require(spec, "value", here)
        text = r.text(value_node, availability.WORKFLOW_CALL_OUTPUT, f"{here}.value") if value_node is not None else None
        if text is not None:
            out[key.text] = text
    return out


def _call_secrets(r: Reader, node: Node) -> dict[str, bool]:
    specs = _specs(r, node, "on.workflow_call.secrets", ("description", "required"))
    return {key.text: _is_required(r, spec, here) for key, spec, here in specs}


def _optional_string(r: Reader, spec: Map, key: str, where: str) -> str | None:
    node = spec.get(key)
    return r.string(node, f"{where}.{key}") if node is not None else None
