"""The ``push`` payload as GitHub sends it, from a ref change and its commits: pure."""

from __future__ import annotations

from collections.abc import Sequence

from runner.expr import Value
from runner.source.repo import NO_COMMIT
from runner.watch.refs import RefChange
from runner.watch.repository import CommitInfo


def push_payload(
    change: RefChange,
    *,
    commits: Sequence[CommitInfo],
    head: CommitInfo | None,
    repository: str,
    default_branch: str,
) -> dict[str, Value]:
    """What a workflow reads as ``github.event`` for this push: ``ref``, ``before``,
    ``after``, ``created``, ``deleted``, ``forced``, ``base_ref``, ``compare``, ``commits``
    (oldest first, at most 20), ``head_commit``, ``pusher``, ``repository``, ``sender``."""
    owner, _, name = repository.partition("/")
    before, after = change.before or NO_COMMIT, change.after or NO_COMMIT
    pusher: dict[str, Value] = {"name": head.committer_name, "email": head.committer_email} if head else {"name": owner, "email": None}
    html_url = f"https://github.com/{repository}"
    return {
        "ref": change.ref,
        "before": before,
        "after": after,
        "created": change.is_created,
        "deleted": change.is_deleted,
        "forced": change.is_forced,
        "base_ref": None,
        "compare": f"{html_url}/compare/{before[:12]}...{after[:12]}",
        "commits": [commit_payload(c, html_url) for c in commits],
        "head_commit": commit_payload(head, html_url) if head else None,
        "pusher": pusher,
        "repository": {
            "name": name,
            "full_name": repository,
            "owner": {"login": owner, "name": owner},
            "default_branch": default_branch,
            "master_branch": default_branch,
            "html_url": html_url,
        },
        "sender": {"login": str(pusher["name"])},
    }


def commit_payload(commit: CommitInfo, html_url: str) -> dict[str, Value]:
    """One entry of ``commits`` (and ``head_commit``)."""
    return {
        "id": commit.sha,
        "tree_id": commit.tree,
        "distinct": True,
        "message": commit.message.rstrip("\n"),
        "timestamp": commit.timestamp,
        "url": f"{html_url}/commit/{commit.sha}",
        "author": {"name": commit.author_name, "email": commit.author_email, "username": commit.author_name},
        "committer": {"name": commit.committer_name, "email": commit.committer_email, "username": commit.committer_name},
        "added": list(commit.added),
        "removed": list(commit.removed),
        "modified": list(commit.modified),
    }
