"""A repository's content copied once per run into a folder that jobs check out from.

For ``baton run`` it is the working tree (tracked files and untracked files that are
not ignored, uncommitted changes included); for ``--committed`` and the watcher it is
exactly a commit. Like ``actions/checkout``'s default (``fetch-depth: 1``), the folder is
a git repository holding that one commit, so ``git`` works in the job: a change in the
working tree shows as a change. The user's checkout is never written to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import git

from runner.errors import BatonError
from runner.process import is_process_alive
from runner.source.repo import open_repo


class SnapshotError(BatonError):
    """The repository's content could not be copied."""


_PREFIX = "baton-source-"


def new_snapshot_folder() -> Path:
    """An empty folder for a run's snapshot, named after this process (for clean-up)."""
    return Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))


def remove_stale_snapshots() -> list[str]:
    """Remove snapshot folders whose process died (killed before it could clean up)."""
    removed: list[str] = []
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        pid = folder.name[len(_PREFIX) :].partition("-")[0]
        if pid.isdigit() and not is_process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"folder {folder}")
    return removed


def snapshot_worktree(root: Path, destination: Path) -> int:
    """Copy the working tree of ``root`` into ``destination``; returns the file count."""
    repo = open_repo(root)  # GitPython is imported here: a run that never checks out never loads it
    if repo is None or repo.working_tree_dir is None:
        return _copy_folder(root, destination)
    with repo:  # closed: its cat-file processes end now, not when a cycle collection comes
        return _copy_worktree(repo, Path(repo.working_tree_dir), destination)


def _copy_worktree(repo: git.Repo, root: Path, destination: Path) -> int:
    import git

    try:
        listing: str = repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
    except git.GitCommandError as exc:
        raise SnapshotError(f"cannot list the files of {root}: {exc.stderr.strip()}") from None
    clone = _shallow_clone(repo, destination, checkout=False)
    count = 0
    for name in listing.split("\0"):
        if not name:
            continue
        source = root / name
        if not os.path.lexists(source) or source.is_dir() and not source.is_symlink():
            continue  # deleted in the working tree, or a submodule folder
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
        count += 1
    if clone is not None:
        with clone:
            clone.git.reset("-q")  # the index as at HEAD: the working tree's changes show as changes
    return count


def snapshot_commit(root: Path, commit: str, destination: Path) -> int:
    """Extract exactly ``commit`` of ``root`` into ``destination``; returns the file count."""
    import git

    repo = open_repo(root)
    if repo is None:
        raise SnapshotError(f"{root} is not a git repository")
    with repo:
        return _extract_commit(repo, root, commit, destination)


def _extract_commit(repo: git.Repo, root: Path, commit: str, destination: Path) -> int:
    import git

    if repo.head.is_valid() and repo.head.commit.hexsha == commit:
        clone = _shallow_clone(repo, destination, checkout=True)
        if clone is not None:
            clone.close()
            return sum(len(files) for folder, _, files in os.walk(destination) if ".git" not in Path(folder).parts)
    # Any other commit (a pushed branch, a tag): a one-commit repository of exactly it,
    # so git works in the job as after actions/checkout.
    try:
        clone = git.Repo.init(destination)
        with clone:
            clone.git.fetch("--quiet", "--depth=1", f"file://{repo.git_dir}", commit)
            clone.git.checkout("--quiet", "--detach", "FETCH_HEAD")
            origin = next((r for r in repo.remotes if r.name == "origin"), None)
            clone.create_remote("origin", origin.url if origin is not None else f"file://{repo.git_dir}")
    except git.GitCommandError as exc:
        raise SnapshotError(f"cannot read commit {commit} of {root}: {exc.stderr.strip()}") from None
    return sum(len(files) for folder, _, files in os.walk(destination) if ".git" not in Path(folder).parts)


def _shallow_clone(repo: git.Repo, destination: Path, *, checkout: bool) -> git.Repo | None:
    """A one-commit clone of ``repo``'s HEAD into ``destination`` (None when there is no
    commit yet), its ``origin`` the same as the user's."""
    import git

    if not repo.head.is_valid():
        return None
    try:
        clone = git.Repo.clone_from(f"file://{repo.git_dir}", destination, depth=1, no_checkout=not checkout)
        origin = next((r for r in repo.remotes if r.name == "origin"), None)
        if origin is not None:
            clone.remotes.origin.set_url(origin.url)
    except git.GitCommandError as exc:
        raise SnapshotError(f"cannot copy the commit of {repo.working_tree_dir}: {exc.stderr.strip()}") from None
    return clone


def _copy_folder(root: Path, destination: Path) -> int:
    shutil.copytree(root, destination, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
    return sum(len(files) for _, _, files in os.walk(destination))
