"""Building an image from a folder: its files (less what ``.dockerignore`` leaves out) sent
as a tar archive to the engine's ``/build``, whose progress is read to the end.

``.dockerignore`` is read as Docker documents it: one pattern a line, ``#`` comments,
paths relative to the context, ``*`` and ``?`` within a name, ``**`` across folders, a
leading ``!`` taking earlier exclusions back, the last matching line deciding. The
Dockerfile and ``.dockerignore`` themselves are always sent.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
from pathlib import Path

from plugins.executors.docker.api.client import Engine, EngineError, Query, quoted
from plugins.executors.docker.api.streams import progress


def build_image(engine: Engine, context: Path, dockerfile: str, tag: str, labels: dict[str, str]) -> str:
    """Build ``context`` with ``dockerfile`` (a path inside it) as ``tag``; the image's id
    (blocking). :class:`EngineError` with the build's last words when a step fails."""
    archive = context_archive(context, keep={dockerfile, ".dockerignore"})
    query: Query = {"t": tag, "dockerfile": dockerfile, "labels": labels, "rm": True, "forcerm": True, "pull": False}
    stream = engine.stream("POST", "/build", query, data=archive,
                           headers={"Content-Type": "application/x-tar"}, timeout=None)
    said: list[str] = []
    image: str | None = None
    try:
        for item in progress(stream):
            if isinstance(item.get("aux"), dict) and item["aux"].get("ID"):
                image = str(item["aux"]["ID"])
            text = str(item.get("stream") or "").strip()
            if text:
                said = [*said[-9:], text]
    except EngineError as exc:
        tail = "; ".join(said)[-500:]
        raise EngineError(f"{exc.message} ({tail})" if tail else exc.message, exc.status) from exc
    finally:
        stream.close()
    return image or str(engine.get(f"/images/{quoted(tag)}/json")["Id"])


def context_archive(context: Path, *, keep: set[str]) -> bytes:
    """The tar archive of ``context``'s files that ``.dockerignore`` does not exclude
    (``keep``, relative paths, always in). Links are archived as links."""
    rules = _rules(context / ".dockerignore")
    has_exceptions = any(not is_exclusion for _pattern, is_exclusion in rules)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder, names, files in os.walk(context):
            relative = Path(folder).relative_to(context)
            for name in sorted(names):
                path = (relative / name).as_posix()
                if not _is_excluded(path, rules):
                    tar.add(Path(folder) / name, arcname=path, recursive=False)
                elif not has_exceptions:
                    names.remove(name)  # nothing inside can be taken back
            names.sort()
            for name in sorted(files):
                path = (relative / name).as_posix()
                if path in keep or not _is_excluded(path, rules):
                    tar.add(Path(folder) / name, arcname=path, recursive=False)
    return buffer.getvalue()


_Rule = tuple[re.Pattern[str], bool]
"""A pattern and whether it excludes (False: a ``!`` exception)."""


def _rules(ignore_file: Path) -> list[_Rule]:
    try:
        lines = ignore_file.read_text().splitlines()
    except OSError:
        return []
    rules: list[_Rule] = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        is_exception = text.startswith("!")
        pattern = os.path.normpath(text.removeprefix("!").strip()).lstrip("/")
        rules.append((re.compile(_regex(pattern)), not is_exception))
    return rules


def _regex(pattern: str) -> str:
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**", index):
            out += ".*"
            index += 2
            if pattern.startswith("/", index):
                out = out[:-2] + "(?:.*/)?"
                index += 1
            continue
        char = pattern[index]
        out += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
        index += 1
    return out + "(?:/.*)?"  # a folder's pattern covers what is inside it


def _is_excluded(path: str, rules: list[_Rule]) -> bool:
    excluded = False
    for pattern, is_exclusion in rules:
        if pattern.fullmatch(path):
            excluded = is_exclusion
    return excluded

