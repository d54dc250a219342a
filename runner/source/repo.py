"""Facts about a local repository (GitPython): commit, ref, ``owner/name``, actor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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


def open_repo(root: Path) -> git.Repo | None:
    """The repository at ``root`` (or above it), or None when there is none."""
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def read_facts(root: Path) -> RepoFacts:
    """Read HEAD, the branch, the origin remote and the user name."""
    repo = open_repo(root)
    if repo is None:
        return RepoFacts(root=root, sha=NO_COMMIT, ref="refs/heads/main", repository=f"local/{root.name}", actor="baton", default_branch="main")
    try:
        sha = repo.head.commit.hexsha
    except ValueError:
        sha = NO_COMMIT
    ref = "HEAD"
    if not repo.head.is_detached:
        ref = repo.head.ref.path
    elif sha != NO_COMMIT:
        tags = [t.path for t in repo.tags if t.commit.hexsha == sha]
        ref = tags[0] if tags else "HEAD"
    url = repo.remotes.origin.url if "origin" in [r.name for r in repo.remotes] else ""
    match = _REMOTE.search(url) if url else None
    folder = Path(repo.working_tree_dir or root).name
    with repo.config_reader() as config:
        actor = str(config.get_value("user", "name", "baton"))
    branch = ref.rpartition("/")[2] if ref.startswith("refs/heads/") else "main"
    return RepoFacts(
        root=Path(repo.working_tree_dir or root),
        sha=sha,
        ref=ref,
        repository=f"{match.group(1)}/{match.group(2)}" if match else f"local/{folder}",
        actor=actor,
        default_branch=branch,
    )
