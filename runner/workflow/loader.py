"""Untrusted YAML bytes → a located tree, within bounds.

libyaml composes the nodes (fast, with positions); this module then resolves scalars
with YAML 1.2 core-schema rules (so ``on:`` stays the string ``on``, not ``True``), rejects
duplicate keys, and bounds what aliases may expand to, so a billion-laughs file, a huge
file or binary garbage fails with a located error in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml._yaml import CParser
from yaml.resolver import BaseResolver

from runner.errors import Diagnostic, Mark
from runner.workflow.tree import Map, Node, Scalar, ScalarValue, Seq, scalar_text

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest workflow file read (the largest of 201 real workflows is 415 KiB)."""
MAX_NODES = 500_000
"""Largest tree, counting every alias expansion (the largest real workflow has ~60,000)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_STR_TAG = "tag:yaml.org,2002:str"
_DEFAULT_TAGS: dict[type[yaml.Node], str] = {
    yaml.ScalarNode: _STR_TAG,
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}
_TAGGED: dict[str, Callable[[ScalarValue], ScalarValue]] = {
    "tag:yaml.org,2002:int": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else None,
    "tag:yaml.org,2002:float": lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None,
    "tag:yaml.org,2002:bool": lambda v: v if isinstance(v, bool) else None,
}
"""Explicit core tags and the value each keeps (None: the scalar does not fit, it stays text)."""
_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfF")
"""First characters of plain scalars that may be something other than a string."""
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\]},]")


class _Composer(CParser, BaseResolver):
    """libyaml's parser with no implicit resolvers: every scalar arrives as a string."""

    def resolve(self, kind: type[yaml.Node], value: object, implicit: object) -> str:
        """Every untagged node gets its kind's default tag; :func:`_resolve` types plain scalars."""
        return _DEFAULT_TAGS[kind]


@dataclass(frozen=True, slots=True)
class Loaded:
    """The outcome of loading one file: a tree when the YAML is well formed, and findings."""

    tree: Node | None
    diagnostics: tuple[Diagnostic, ...]
    text: str
    """The decoded source, for mapping offsets inside scalars back to columns."""


class _TooLarge(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def load_file(path: Path, *, display: str | None = None) -> Loaded:
    """Load a workflow file from disk; ``display`` is the name used in diagnostics."""
    name = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _fail(name, f"file is {size:,} bytes; a workflow may be at most {MAX_FILE_BYTES:,} bytes")
        data = path.read_bytes()
    except OSError as exc:
        return _fail(name, f"cannot read file: {exc.strerror or exc}")
    return load_bytes(data, name)


def load_bytes(data: bytes, name: str) -> Loaded:
    """Load a workflow from bytes (a file, or a blob read from a git commit)."""
    if len(data) > MAX_FILE_BYTES:
        return _fail(name, f"file is {len(data):,} bytes; a workflow may be at most {MAX_FILE_BYTES:,} bytes")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data[:nul])
        return _fail(name, "file is binary (NUL byte); a workflow is UTF-8 YAML text", line, col)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data[: exc.start])
        return _fail(name, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, col)
    return load_text(text, name)


def load_text(text: str, name: str) -> Loaded:
    """Compose and convert YAML text; never raises for bad input."""
    composer = _Composer(text)
    try:
        root = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return Loaded(None, (_yaml_diagnostic(exc, name, text),), text)
    except yaml.YAMLError as exc:
        return Loaded(None, (Diagnostic(Mark(name, 1, 1), f"invalid YAML: {exc}"),), text)
    finally:
        composer.dispose()
    if root is None:
        return Loaded(None, (Diagnostic(Mark(name, 1, 1), "file is empty; a workflow needs 'on' and 'jobs'"),), text)
    converter = _Converter(name, _ANCHOR.search(text) is not None)
    try:
        tree = converter.convert(root, 0)
    except _TooLarge as exc:
        return Loaded(None, (Diagnostic(exc.mark, exc.message),), text)
    return Loaded(tree, tuple(converter.diagnostics), text)


class _Converter:
    """Turns libyaml nodes into the located tree.

    When the text has anchors, shared (aliased) nodes convert once and every expansion
    counts against ``MAX_NODES``; without anchors that bookkeeping is skipped (it costs
    a third of the load time on large files).
    """

    def __init__(self, name: str, has_anchors: bool) -> None:
        self.name = name
        self.diagnostics: list[Diagnostic] = []
        self.shared: dict[int, tuple[Node, int]] | None = {} if has_anchors else None
        self.active: set[int] = set()
        self.count = 0

    def convert(self, node: yaml.Node, depth: int) -> Node:
        shared = self.shared
        if shared is None:
            return self._build(node, depth)
        key = id(node)
        seen = shared.get(key)
        if seen is not None:
            # An alias: its whole expansion counts against the bound again.
            self._count(seen[1], node)
            return seen[0]
        if key in self.active:
            raise _TooLarge(self._mark(node), "an alias refers to a node that contains it (recursive alias)")
        before = self.count
        self.active.add(key)
        result = self._build(node, depth)
        self.active.discard(key)
        shared[key] = (result, self.count - before)
        return result

    def _build(self, node: yaml.Node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            self._count(0, node)
        start = node.start_mark
        line, col = start.line + 1, start.column + 1
        if isinstance(node, yaml.ScalarNode):
            value = _resolve(node)
            text = value if isinstance(value, str) else scalar_text(value)
            return Scalar(value, text, self.name, line, col, start.index, node.end_mark.index, node.style or "")
        if depth >= MAX_DEPTH:
            raise _TooLarge(Mark(self.name, line, col), f"nesting is deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            return Seq(tuple([self.convert(item, depth + 1) for item in node.value]), self.name, line, col)
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, line, col, depth)

    def _mapping(self, node: yaml.MappingNode, line: int, col: int, depth: int) -> Map:
        pairs: list[tuple[Scalar, Node]] = []
        seen: dict[str, Mark] = {}
        index: dict[str, Node] = {}
        for knode, vnode in node.value:
            k = self.convert(knode, depth + 1)
            v = self.convert(vnode, depth + 1)
            if not isinstance(k, Scalar):
                self.diagnostics.append(Diagnostic(k.mark, "a mapping key must be a scalar"))
                continue
            text = k.value if isinstance(k.value, str) else k.text
            first = seen.get(text)
            if first is not None:
                self.diagnostics.append(
                    Diagnostic(k.mark, f"duplicate key '{text}' (first defined at line {first.line}, column {first.col})")
                )
                continue
            seen[text] = k.mark
            index[text] = v
            pairs.append((k, v))
        return Map(tuple(pairs), self.name, line, col, index)

    def _count(self, n: int, node: yaml.Node) -> None:
        self.count += n
        if self.count > MAX_NODES:
            raise _TooLarge(
                self._mark(node), f"the document expands to more than {MAX_NODES:,} nodes (aliases repeated too often?)"
            )

    def _mark(self, node: yaml.Node) -> Mark:
        return Mark(self.name, node.start_mark.line + 1, node.start_mark.column + 1)


def _resolve(node: yaml.ScalarNode) -> ScalarValue:
    """YAML 1.2 core schema for plain scalars; quoted and block scalars are strings; an
    explicit core tag (``!!int 0xff``) types its scalar as GitHub's reader does (255)."""
    value: str = node.value
    if (fits := _TAGGED.get(node.tag)) is not None:
        kept = fits(_typed(value))
        return value if kept is None else kept
    if node.style or node.tag != _STR_TAG or (value and value[0] not in _MAYBE_TYPED):
        return value
    return _typed(value)


def _typed(value: str) -> ScalarValue:
    """``value`` read by the YAML 1.2 core schema."""
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(value):
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.fullmatch(value):
        return float("nan")
    return value


def _yaml_diagnostic(exc: yaml.MarkedYAMLError, name: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if "'\\t'" in problem or "\t" in _line_of(text, line)[: max(col, 1)]:
        problem = "tab character used for indentation; YAML allows only spaces"
    elif exc.context and exc.problem:
        problem = f"{exc.problem} ({exc.context})"
    return Diagnostic(Mark(name, line, col), f"invalid YAML: {problem}")


def _line_of(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _line_col(prefix: bytes) -> tuple[int, int]:
    line = prefix.count(b"\n") + 1
    col = len(prefix) - (prefix.rfind(b"\n") + 1) + 1
    return line, col


def _fail(name: str, message: str, line: int = 1, col: int = 1) -> Loaded:
    return Loaded(None, (Diagnostic(Mark(name, line, col), message),), "")
