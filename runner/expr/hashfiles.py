"""``hashFiles``: one SHA-256 over the SHA-256 digests of the files matching glob patterns.

Patterns follow GitHub's glob rules: relative to the workspace, ``*`` and ``?`` within
one path segment, ``**`` across segments, ``[...]`` classes, a leading ``!`` excludes,
the last matching pattern decides, and a pattern naming a directory takes everything
under it. Only regular files inside the workspace count, links resolved (a link to a
file elsewhere is ignored, as on GitHub); they are hashed in sorted
path order, and no match at all gives ''.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from runner.confinement import is_inside

_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pattern:
    is_negated: bool
    segments: tuple[str, ...]
    """Relative to the workspace, normalised."""
    regex: re.Pattern[str]


def hash_workspace_files(workspace: str, patterns: Sequence[str]) -> str:
    """Hash the files under ``workspace`` matching ``patterns``; '' when none match."""
    root = os.path.realpath(workspace)
    compiled = [pattern for text in patterns for pattern in _compile_all(root, text)]
    candidates: set[str] = set()
    for pattern in compiled:
        if not pattern.is_negated:
            candidates.update(_candidates(root, pattern.segments))
    matched = sorted(path for path in candidates if _is_included(compiled, path))
    if not matched:
        return ""
    total = hashlib.sha256()
    for relative in matched:
        digest = hashlib.sha256()
        with open(os.path.join(root, relative), "rb") as file:
            for block in iter(lambda: file.read(1 << 16), b""):
                digest.update(block)
        total.update(digest.digest())
    return total.hexdigest()


def hash_through(workspace: str, patterns: Sequence[str],
                 digests: Callable[[Sequence[str], Callable[[str], bool]], Mapping[str, bytes]]) -> str:
    """As :func:`hash_workspace_files`, for a workspace elsewhere: ``digests(roots, is_wanted)``
    gives the SHA-256 of each wanted file under the workspace-relative ``roots``."""
    compiled = [pattern for text in patterns for pattern in _compile_all(workspace, text)]
    roots = sorted({"/".join(_literal_prefix(p.segments)) for p in compiled if not p.is_negated})
    if not roots:
        return ""
    found = digests(roots, lambda path: _is_included(compiled, path))
    if not found:
        return ""
    total = hashlib.sha256()
    for relative in sorted(found):
        total.update(found[relative])
    return total.hexdigest()


@dataclass(frozen=True, slots=True)
class FileGlob:
    """Workspace patterns as ``hashFiles``, ``upload-artifact`` and ``cache`` read them."""

    _patterns: tuple[_Pattern, ...]

    @property
    def search_paths(self) -> tuple[str, ...]:
        """The literal folders or files (workspace-relative, '' for the workspace) that
        the including patterns start from, sorted; only paths under them can match."""
        return tuple(sorted({"/".join(_literal_prefix(p.segments)) for p in self._patterns if not p.is_negated}))

    def matches(self, path: str) -> bool:
        """Whether workspace-relative ``path`` is included (the last matching pattern decides)."""
        return _is_included(self._patterns, path)


def compile_file_globs(workspace: str, patterns: Sequence[str]) -> FileGlob:
    """The patterns of ``patterns`` (each may hold several lines; ``!`` excludes, ``#``
    comments); absolute paths are taken relative to ``workspace``, and a pattern leading
    outside it matches nothing (callers that must refuse it check first)."""
    return FileGlob(tuple(pattern for text in patterns for pattern in _compile_all(workspace, text)))


def _literal_prefix(segments: Sequence[str]) -> list[str]:
    prefix: list[str] = []
    for segment in segments:
        if _GLOB_CHARS.search(segment) or segment == "**":
            break
        prefix.append(segment)
    return prefix


def _is_included(patterns: Sequence[_Pattern], path: str) -> bool:
    included = False
    for pattern in patterns:
        if included == pattern.is_negated and pattern.regex.fullmatch(path):
            included = not pattern.is_negated
    return included


def _compile_all(root: str, text: str) -> Iterator[_Pattern]:
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        bangs = len(line) - len(line.lstrip("!"))
        is_negated = bangs % 2 == 1
        line = line[bangs:].strip()
        is_directory_only = line.endswith(("/", os.sep))
        if os.path.isabs(line):
            line = os.path.relpath(line, root)
        relative = posixpath.normpath(line.replace(os.sep, "/"))
        if relative == ".":
            relative = ""
        if relative == ".." or relative.startswith("../"):
            continue
        segments = tuple(relative.split("/")) if relative else ()
        if not is_directory_only and segments:
            yield _Pattern(is_negated=is_negated, segments=segments, regex=_regex(segments))
        if not segments or segments[-1] != "**":
            descendants = (*segments, "**")
            yield _Pattern(is_negated=is_negated, segments=descendants, regex=_regex(descendants))


def _regex(segments: Sequence[str]) -> re.Pattern[str]:
    parts: list[str] = []
    for index, segment in enumerate(segments):
        is_last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if is_last else "(?:[^/]+/)*")
            continue
        parts.append(_segment_regex(segment))
        if not is_last:
            parts.append("/")
    return re.compile("".join(parts), re.DOTALL)


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        index += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index < len(segment):
            out.append(re.escape(segment[index]))
            index += 1
        elif char == "[":
            close = segment.find("]", index + 1)
            if close < 0:
                out.append(re.escape(char))
                continue
            body = segment[index:close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\").replace("/", "") + "]")
            index = close + 1
        else:
            out.append(re.escape(char))
    return "".join(out)


def _candidates(root: str, segments: Sequence[str]) -> Iterator[str]:
    prefix = _literal_prefix(segments)
    start = os.path.join(root, *prefix)
    if not is_inside(root, start):
        return
    if os.path.isfile(start):
        yield "/".join(prefix)
        return
    for directory, _dirs, files in os.walk(start):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        for name in files:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and is_inside(root, path):  # a link may lead out of the workspace
                yield name if relative == "." else f"{relative}/{name}"
