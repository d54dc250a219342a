"""Trigger filters: do an event's ref and changed paths pass ``branches``/``tags``/``paths``?

GitHub's rules, from "Workflow syntax for GitHub Actions" (``on.push``,
``on.pull_request``, ``on.<push|pull_request>.paths``):

- A pattern list is read in order; a ``!pattern`` that matches after a positive
  match excludes again, a later positive match includes again (last match wins).
  A list of negations only therefore matches nothing.
- ``push``: a ``refs/heads/…`` ref is a branch push, ``refs/tags/…`` a tag push.
  When only branch filters are given, tag pushes do not trigger, and the other way
  round; with neither, both do. ``*-ignore`` lists exclude what they match.
- ``pull_request``/``pull_request_target``: branch filters apply to the *base*
  branch; tag filters do not apply.
- Path filters must also pass when both ref and path filters are given; they are
  not evaluated for tag pushes. ``paths`` passes when at least one changed path
  matches; ``paths-ignore`` passes when at least one changed path is not ignored.
  No changed files at all means the workflow does not run.
- When the changed files are unknown (``changed_paths=None``: a new branch with no
  base to diff against, a history too long to diff), path filters pass: GitHub
  documents that when it cannot produce the diff "the workflow will always run".
  GitHub's 300-file diff truncation is a limit of its service and is not copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runner.workflow.globs import compile_glob

__all__ = ["RefFilter", "matches_patterns"]

_BRANCH_PREFIX = "refs/heads/"
_TAG_PREFIX = "refs/tags/"
_PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


def matches_patterns(value: str, patterns: Sequence[str]) -> bool:
    """Whether ``value`` is selected by ``patterns`` under GitHub's last-match-wins rule.

    Raises `runner.workflow.globs.GlobError` for a malformed pattern.
    """
    is_selected = False
    for pattern in patterns:
        glob = compile_glob(pattern)
        # A pattern can only change the outcome in one direction, so skip the
        # match when the state already is what this pattern would set.
        if glob.is_negated == is_selected and glob.matches(value):
            is_selected = not glob.is_negated
    return is_selected


@dataclass(frozen=True, slots=True, kw_only=True)
class RefFilter:
    """The ref and path filters of one event under ``on:``; ``None`` means not given."""

    branches: tuple[str, ...] | None = None
    """``branches``: patterns a branch name must match."""
    branches_ignore: tuple[str, ...] | None = None
    """``branches-ignore``: patterns whose matches are excluded."""
    tags: tuple[str, ...] | None = None
    """``tags`` (push only): patterns a tag name must match."""
    tags_ignore: tuple[str, ...] | None = None
    """``tags-ignore`` (push only): patterns whose matches are excluded."""
    paths: tuple[str, ...] | None = None
    """``paths``: at least one changed path must match."""
    paths_ignore: tuple[str, ...] | None = None
    """``paths-ignore``: at least one changed path must not match."""

    @property
    def has_branch_filter(self) -> bool:
        """Whether ``branches`` or ``branches-ignore`` is given."""
        return self.branches is not None or self.branches_ignore is not None

    @property
    def has_tag_filter(self) -> bool:
        """Whether ``tags`` or ``tags-ignore`` is given."""
        return self.tags is not None or self.tags_ignore is not None

    @property
    def has_path_filter(self) -> bool:
        """Whether ``paths`` or ``paths-ignore`` is given."""
        return self.paths is not None or self.paths_ignore is not None

    def matches(self, *, event: str, ref: str, changed_paths: Sequence[str] | None) -> bool:
        """Whether an event passes these filters.

        ``ref`` is the pushed ref (``refs/heads/x``, ``refs/tags/v1``) for ``push``,
        and the base branch (``main`` or ``refs/heads/main``) for pull request
        events. ``changed_paths`` lists the changed files relative to the
        repository root, or is ``None`` when they are unknown. Events other than
        ``push`` and pull requests have no ref or path filters and always pass.
        """
        if event == "push":
            return self._matches_push(ref, changed_paths)
        if event in _PULL_REQUEST_EVENTS:
            branch = ref.removeprefix(_BRANCH_PREFIX)
            return self._matches_branch(branch) and self._matches_paths(changed_paths)
        return True

    def _matches_push(self, ref: str, changed_paths: Sequence[str] | None) -> bool:
        if ref.startswith(_TAG_PREFIX):
            if self.has_branch_filter and not self.has_tag_filter:
                return False
            return _passes(ref.removeprefix(_TAG_PREFIX), self.tags, self.tags_ignore)
        if ref.startswith(_BRANCH_PREFIX):
            if self.has_tag_filter and not self.has_branch_filter:
                return False
            return self._matches_branch(ref.removeprefix(_BRANCH_PREFIX)) and self._matches_paths(changed_paths)
        # Neither a branch nor a tag (refs/notes/…, refs/pull/…): no ref filter can select it.
        if self.has_branch_filter or self.has_tag_filter:
            return False
        return self._matches_paths(changed_paths)

    def _matches_branch(self, branch: str) -> bool:
        return _passes(branch, self.branches, self.branches_ignore)

    def _matches_paths(self, changed_paths: Sequence[str] | None) -> bool:
        if not self.has_path_filter or changed_paths is None:
            return True
        if self.paths is not None:
            paths = self.paths
            if not any(matches_patterns(path, paths) for path in changed_paths):
                return False
        if self.paths_ignore is not None:
            ignored = self.paths_ignore
            if all(matches_patterns(path, ignored) for path in changed_paths):
                return False
        return bool(changed_paths)


def _passes(name: str, include: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> bool:
    """Whether ``name`` passes an include list and an ignore list (each optional)."""
    if include is not None and not matches_patterns(name, include):
        return False
    return ignore is None or not matches_patterns(name, ignore)
