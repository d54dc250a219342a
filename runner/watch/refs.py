"""What changed between two sightings of a repository's refs: pure, the git questions
(is one commit an ancestor of another) asked through a function given."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

BRANCH = "refs/heads/"
TAG = "refs/tags/"


class ChangeKind(str, Enum):
    """How a ref moved."""

    NEW_BRANCH = "new branch"
    FAST_FORWARD = "fast-forward"
    FORCED = "force-push"
    DELETED_BRANCH = "deleted branch"
    NEW_TAG = "new tag"
    MOVED_TAG = "moved tag"
    DELETED_TAG = "deleted tag"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefChange:
    """One ref seen at a new position (or gone)."""

    ref: str
    kind: ChangeKind
    before: str | None
    """Where it pointed when last seen; None when it is new."""
    after: str | None
    """Where it points now; None when it was deleted."""

    @property
    def is_deleted(self) -> bool:
        """Whether the ref is gone (a deletion builds nothing)."""
        return self.after is None

    @property
    def is_created(self) -> bool:
        """Whether the ref is new."""
        return self.before is None

    @property
    def is_forced(self) -> bool:
        """Whether history was rewritten (GitHub's ``forced``)."""
        return self.kind in (ChangeKind.FORCED, ChangeKind.MOVED_TAG)

    @property
    def short_name(self) -> str:
        """``main`` for ``refs/heads/main``, ``v1`` for ``refs/tags/v1``."""
        return self.ref.removeprefix(BRANCH).removeprefix(TAG)


def classify(
    before: Mapping[str, str], after: Mapping[str, str], is_ancestor: Callable[[str, str], bool]
) -> list[RefChange]:
    """The changes from ``before`` to ``after`` (ref → object), by ref name; only branches
    and tags count. ``is_ancestor(old, new)`` tells a fast-forward from a force-push."""
    changes: list[RefChange] = []
    for ref in sorted(set(before) | set(after)):
        old, new = before.get(ref), after.get(ref)
        if old == new:
            continue
        is_tag = ref.startswith(TAG)
        if not is_tag and not ref.startswith(BRANCH):
            continue
        if new is None:
            kind = ChangeKind.DELETED_TAG if is_tag else ChangeKind.DELETED_BRANCH
        elif old is None:
            kind = ChangeKind.NEW_TAG if is_tag else ChangeKind.NEW_BRANCH
        elif is_tag:
            kind = ChangeKind.MOVED_TAG
        else:
            kind = ChangeKind.FAST_FORWARD if is_ancestor(old, new) else ChangeKind.FORCED
        changes.append(RefChange(ref=ref, kind=kind, before=old, after=new))
    return changes


def census(refs: Mapping[str, object]) -> str:
    """``3 branches, 2 tags``."""
    branches = sum(1 for ref in refs if ref.startswith(BRANCH))
    tags = sum(1 for ref in refs if ref.startswith(TAG))
    return f"{branches} branch{'es' * (branches != 1)}, {tags} tag{'s' * (tags != 1)}"
