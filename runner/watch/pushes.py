"""A ref change made into what a push run needs: its payload, its changed paths, and the
facts of the commit (blocking: git is asked; the service calls it in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.expr import Value
from runner.source.repo import RepoFacts
from runner.watch.payload import push_payload
from runner.watch.refs import BRANCH, ChangeKind, RefChange
from runner.watch.repository import CommitInfo, RefHead, Repository, RepositoryError


@dataclass(frozen=True, slots=True, kw_only=True)
class Push:
    """One pushed ref, ready to plan."""

    change: RefChange
    commit: str
    """The commit the ref leads to (for a tag, the tagged commit): what runs check out."""
    payload: dict[str, Value]
    changed_paths: tuple[str, ...] | None
    """Files changed, for ``paths`` filters; None when unknown (every filter passes)."""
    facts: RepoFacts


def describe_push(
    repository: Repository, change: RefChange, refs: dict[str, RefHead], *, root: Path, full_name: str
) -> Push | None:
    """The push of ``change`` (None for a ref that leads to no commit)."""
    head_ref = refs.get(change.ref)
    if head_ref is None or head_ref.commit is None:
        return None
    commit = head_ref.commit
    default = repository.default_branch(refs)
    default_commit = refs[default].commit if default in refs else None
    head = repository.commit(commit)
    commits = _commits(repository, change, commit, default if default != change.ref else None, default_commit)
    payload = push_payload(
        change, commits=commits, head=head, repository=full_name, default_branch=(default or BRANCH + "main").removeprefix(BRANCH)
    )
    facts = RepoFacts(
        root=root,
        sha=commit,
        ref=change.ref,
        repository=full_name,
        actor=head.committer_name or "baton",
        default_branch=(default or BRANCH + "main").removeprefix(BRANCH),
        title=head.title,
    )
    return Push(
        change=change,
        commit=commit,
        payload=payload,
        changed_paths=_changed_paths(repository, change, commit, default_commit if default != change.ref else None),
        facts=facts,
    )


def _commits(
    repository: Repository, change: RefChange, commit: str, default: str | None, default_commit: str | None
) -> list[CommitInfo]:
    """The pushed commits: those of ``before..after``; for a new branch, those not on the
    default branch; for a tag, none (as GitHub sends a tag push)."""
    if not change.ref.startswith(BRANCH):
        return []
    if change.before is not None:
        try:
            return repository.commits([f"{change.before}..{commit}"])
        except RepositoryError:  # the old head is gone (pruned after a force-push)
            return repository.commits(["-1", commit])
    if default is not None and default_commit is not None:
        return repository.commits([commit, "--not", default_commit])
    return repository.commits([commit])


def _changed_paths(
    repository: Repository, change: RefChange, commit: str, default_commit: str | None
) -> tuple[str, ...] | None:
    """``before..after``, or for a new branch its merge-base with the default branch
    (every file when there is none); None for tags (path filters do not apply)."""
    if not change.ref.startswith(BRANCH):
        return None
    base = change.before
    if base is None or change.kind is ChangeKind.FORCED and not _exists(repository, base):
        base = repository.merge_base(default_commit, commit) if default_commit is not None else None
    if base is None:
        return repository.all_paths(commit)
    try:
        return repository.changed_paths(base, commit)
    except RepositoryError:
        return None


def _exists(repository: Repository, sha: str) -> bool:
    try:
        repository.commit(sha)
    except RepositoryError:
        return False
    return True
