"""Moving the files that path patterns name between a session's workspace and this machine.

``upload-artifact`` and ``cache`` take ``path:`` lines (globs, ``!`` exclusions) relative
to the workspace; both refuse a line leading outside it. Files travel through the
session (:meth:`Session.download`, :meth:`Session.upload`), so they work on every
executor; a link is never followed: it is left out, and said so.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from runner.api import FileGlob, MissingPathError, OutputSink, Session, compile_file_globs


class OutsideWorkspace(ValueError):
    """A path line that leads outside the workspace."""


def path_lines(text: str, workspace: str, *, setting: str) -> list[str]:
    """The non-empty lines of a ``path`` input, made workspace-relative (a leading ``!`` and
    a trailing ``/`` kept); a line leading outside the workspace raises :class:`OutsideWorkspace`."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        bangs = len(line) - len(line.lstrip("!"))
        body = line[bangs:].strip()
        absolute = posixpath.normpath(posixpath.join(workspace, body))
        if body.startswith("~") or not (absolute == workspace or absolute.startswith(workspace.rstrip("/") + "/")):
            raise OutsideWorkspace(f"{setting}: '{body}' is outside the workspace ({workspace}); "
                                   "baton keeps only files of the workspace")
        relative = posixpath.relpath(absolute, workspace)
        if body.endswith("/") and relative != ".":
            relative += "/"
        lines.append("!" * bangs + relative)
    return lines


def compile_lines(lines: list[str], workspace: str) -> FileGlob:
    """The glob of checked ``lines`` (from :func:`path_lines`)."""
    return compile_file_globs(workspace, ["\n".join(lines)])


def search_roots(glob: FileGlob) -> list[str]:
    """The workspace-relative paths to fetch: the search paths, none under another."""
    roots: list[str] = []
    for path in glob.search_paths:
        if not any(path == root or root == "" or path.startswith(root + "/") for root in roots):
            roots.append(path)
    return roots


async def gather(session: Session, glob: FileGlob, target: Path, say: OutputSink) -> list[str]:
    """Copy the files of the workspace that ``glob`` matches to ``target`` (at their
    workspace-relative paths); returns those paths, sorted. Links are left out."""
    for root in search_roots(glob):
        source = posixpath.join(session.workspace, root) if root else session.workspace
        try:
            await session.download(source, target / root if root else target)
        except MissingPathError:
            continue
    return _keep_matching(target, glob, say)


def _keep_matching(target: Path, glob: FileGlob, say: OutputSink) -> list[str]:
    kept: list[str] = []
    for folder, dirs, names in os.walk(target, topdown=False):
        relative_folder = os.path.relpath(folder, target)
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            relative = name if relative_folder == "." else f"{relative_folder}/{name}"
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode) and glob.matches(relative):
                kept.append(relative)
                continue
            if stat.S_ISLNK(mode) and glob.matches(relative):
                say(f"::warning::{relative} is a symbolic link; baton does not follow links, so it is left out\n".encode())
            os.unlink(path)
        if folder != str(target) and not os.listdir(folder):
            os.rmdir(folder)
    return sorted(kept)


def common_root(glob: FileGlob, files: list[str]) -> str:
    """The folder an upload's paths are relative to, as ``upload-artifact`` picks it: the
    parent of a lone file, else the longest common folder of the search paths."""
    paths = list(glob.search_paths)
    if len(paths) == 1 and files == [paths[0]]:
        return posixpath.dirname(paths[0])
    parts = [path.split("/") if path else [] for path in paths]
    common: list[str] = []
    for segments in zip(*parts):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    prefix = "/".join(common)
    if prefix in files:  # a file both search paths share: its folder is the root
        prefix = posixpath.dirname(prefix)
    return prefix
