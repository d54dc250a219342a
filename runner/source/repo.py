"""Facts about a local repository: commit, ref, ``owner/name``, actor.

The facts come from two short ``git`` commands rather than GitPython, whose import alone
costs more than both (and a dry run, ``baton run -n``, needs nothing else of git).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import git

_REMOTE = re.compile(r"(?:[:/])([^/:]+)/([^/]+?)(?:\.git)?/?$")
NO_COMMIT = "0" * 40


@dataclass(frozen=True, slots=True, kw_only=True)
class RepoFacts:
    """What a run needs to know about the repository it runs for."""

    root: Path
    sha: str
    """The HEAD commit (40 zeros when there is none yet)."""
    ref: str
    """``refs/heads/<branch>``, or the tag at HEAD, or ``HEAD`` when detached."""
    repository: str
    """``owner/name`` from the ``origin`` remote, else ``local/<folder>``."""
    actor: str
    default_branch: str
    title: str = ""
    """The first line of the commit's message."""


def open_repo(root: Path) -> git.Repo | None:
    """The repository at ``root`` (or above it), or None when there is none."""
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def read_facts(root: Path) -> RepoFacts:
    """Read HEAD, the branch, the origin remote and the user name (three ``git`` at once)."""
    head, config, last = _git_together(
        root,
        ("rev-parse", "--show-toplevel", "HEAD", "--symbolic-full-name", "HEAD"),
        ("config", "-z", "--get-regexp", r"^(user\.name|remote\.origin\.url)$"),
        ("log", "-1", "--format=%H%n%s", "HEAD"),
    )
    if head is not None and len(head.splitlines()) == 3:
        top, sha, ref = head.splitlines()
    else:  # not a repository, or one without a commit yet
        top = _git(root, "rev-parse", "--show-toplevel") or ""
        if not top:
            return RepoFacts(root=root, sha=NO_COMMIT, ref="refs/heads/main", repository=f"local/{root.name}", actor="baton", default_branch="main")
        sha = NO_COMMIT
        ref = (_git(root, "symbolic-ref", "-q", "HEAD") or "HEAD").strip()
    if ref == "HEAD" and sha != NO_COMMIT:  # detached: the tag at HEAD, if any
        tags = (_git(root, "tag", "--points-at", "HEAD") or "").split()
        ref = f"refs/tags/{tags[0]}" if tags else "HEAD"
    settings: dict[str, str] = {}  # later entries win, as in git: system, global, then the repository's
    for entry in (config or "").split("\0"):
        key, _, value = entry.partition("\n")
        settings[key] = value
    folder = Path(top)
    branch = ref.rpartition("/")[2] if ref.startswith("refs/heads/") else "main"
    logged_sha, _, title = (last or "").partition("\n")
    if sha != NO_COMMIT and logged_sha != sha:  # HEAD moved between the two: ask again for the one read
        title = _git(root, "log", "-1", "--format=%s", sha) or ""
    return RepoFacts(
        root=folder,
        sha=sha,
        ref=ref,
        repository=repository_name(settings.get("remote.origin.url"), folder.name),
        actor=settings.get("user.name", "baton"),
        default_branch=branch,
        title=title if sha != NO_COMMIT else "",
    )


def repository_name(url: str | None, folder: str) -> str:
    """``owner/name`` of a remote URL, else ``local/<folder>``."""
    match = _REMOTE.search(url) if url else None
    return f"{match.group(1)}/{match.group(2)}" if match else f"local/{folder}"


def _git_together(root: Path, *commands: tuple[str, ...]) -> list[str | None]:
    """What each ``git -C root COMMAND`` prints (None for one that fails), all started at once."""
    try:
        running = [subprocess.Popen(["git", "-C", str(root), *args], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for args in commands]
    except OSError:
        return [None] * len(commands)
    printed: list[str | None] = []
    for process in running:
        out, _ = process.communicate()
        printed.append(os.fsdecode(out).removesuffix("\n") if process.returncode == 0 else None)
    return printed


def _git(root: Path, *args: str) -> str | None:
    """What ``git -C root ARGS`` prints, or None when it fails (or git is not installed)."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError:
        return None
    return os.fsdecode(result.stdout).removesuffix("\n") if result.returncode == 0 else None
