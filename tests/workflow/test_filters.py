"""Pattern lists and `on:` ref/path filters, after GitHub's documented examples."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from runner.workflow.filters import RefFilter, matches_patterns
from runner.workflow.globs import GlobError

LISTS = [
    # (patterns, value, selected)
    # cheat sheet: `*.md` then `!README.md`
    (("*.md", "!README.md"), "hello.md", True),
    (("*.md", "!README.md"), "README.md", False),
    (("*.md", "!README.md"), "docs/hello.md", False),
    # cheat sheet: `*.md`, `!README.md`, `README*` (a later positive re-includes)
    (("*.md", "!README.md", "README*"), "hello.md", True),
    (("*.md", "!README.md", "README*"), "README.md", True),
    (("*.md", "!README.md", "README*"), "README.doc", True),
    (("*.md", "!README.md", "README*"), "docs/hello.md", False),
    # branches: `releases/**` then `!releases/**-alpha`
    (("releases/**", "!releases/**-alpha"), "releases/10", True),
    (("releases/**", "!releases/**-alpha"), "releases/beta/mona", True),
    (("releases/**", "!releases/**-alpha"), "releases/10-alpha", False),
    (("releases/**", "!releases/**-alpha"), "releases/beta/3-alpha", False),
    # paths: `sub-project/**` then `!sub-project/docs/**`
    (("sub-project/**", "!sub-project/docs/**"), "sub-project/index.js", True),
    (("sub-project/**", "!sub-project/docs/**"), "sub-project/src/index.js", True),
    (("sub-project/**", "!sub-project/docs/**"), "sub-project/docs/readme.md", False),
    # a negation before any positive match has nothing to exclude
    (("!main", "*"), "main", True),
    # negations only: nothing is selected
    (("!main",), "feature", False),
    (("!main", "!dev"), "main", False),
    ((), "main", False),
    # order: exclude, include, exclude again
    (("**", "!a/**", "a/keep/**", "!a/keep/tmp/**"), "a/keep/x", True),
    (("**", "!a/**", "a/keep/**", "!a/keep/tmp/**"), "a/keep/tmp/x", False),
    (("**", "!a/**", "a/keep/**", "!a/keep/tmp/**"), "a/drop", False),
    (("**", "!a/**", "a/keep/**", "!a/keep/tmp/**"), "b", True),
    # the branch examples of on.push.branches
    (("main", "mona/octocat", "releases/**"), "main", True),
    (("main", "mona/octocat", "releases/**"), "mona/octocat", True),
    (("main", "mona/octocat", "releases/**"), "releases/10", True),
    (("main", "mona/octocat", "releases/**"), "mona/other", False),
    (("v2", "v1.*"), "v2", True),
    (("v2", "v1.*"), "v1.9.1", True),
    (("v2", "v1.*"), "v20", False),
]


@pytest.mark.parametrize(("patterns", "value", "expected"), LISTS)
def test_matches_patterns(patterns: tuple[str, ...], value: str, expected: bool) -> None:
    assert matches_patterns(value, patterns) is expected


def test_matches_patterns_reports_malformed_pattern() -> None:
    with pytest.raises(GlobError):
        matches_patterns("main", ["[oops"])


BRANCHES = ("main", "releases/**")
TAGS = ("v*",)
ON_BRANCHES = RefFilter(branches=BRANCHES)
ON_TAGS = RefFilter(tags=TAGS)
ON_BOTH = RefFilter(branches=BRANCHES, tags=TAGS)
NO_FILTERS = RefFilter()
IGNORE_BRANCHES = RefFilter(branches_ignore=("mona/octocat", "releases/**-alpha"))
IGNORE_TAGS = RefFilter(tags_ignore=("v2", "v1.*"))
IGNORE_BOTH = RefFilter(branches_ignore=("wip/**",), tags_ignore=("nightly*",))
BRANCHES_AND_PATHS = RefFilter(branches=("main",), paths=("**.js",))
TAGS_AND_PATHS = RefFilter(tags=("v*",), paths=("**.js",))
PATHS = RefFilter(paths=("**.js",))
PATHS_IGNORE = RefFilter(paths_ignore=("docs/**",))
PATHS_WITH_NEGATION = RefFilter(paths=("sub-project/**", "!sub-project/docs/**"))
PATHS_IGNORE_WITH_NEGATION = RefFilter(paths_ignore=("docs/**", "!docs/api/**"))

PUSHES = [
    # (filter, ref, changed paths, triggers)
    (NO_FILTERS, "refs/heads/main", ["a"], True),
    (NO_FILTERS, "refs/tags/v1", None, True),
    (NO_FILTERS, "refs/heads/feature/x", None, True),
    (ON_BRANCHES, "refs/heads/main", ["a"], True),
    (ON_BRANCHES, "refs/heads/releases/10", ["a"], True),
    (ON_BRANCHES, "refs/heads/feature", ["a"], False),
    (ON_BRANCHES, "refs/tags/v1", None, False),  # only branches given: tags do not trigger
    (ON_BRANCHES, "refs/tags/main", None, False),
    (ON_TAGS, "refs/tags/v1.2", None, True),
    (ON_TAGS, "refs/tags/release-1", None, False),
    (ON_TAGS, "refs/heads/main", ["a"], False),  # only tags given: branches do not trigger
    (ON_TAGS, "refs/heads/v1", ["a"], False),
    (ON_BOTH, "refs/heads/main", ["a"], True),
    (ON_BOTH, "refs/tags/v3", None, True),
    (ON_BOTH, "refs/heads/v3", ["a"], False),
    (ON_BOTH, "refs/tags/main", None, False),
    (IGNORE_BRANCHES, "refs/heads/main", ["a"], True),
    (IGNORE_BRANCHES, "refs/heads/mona/octocat", ["a"], False),
    (IGNORE_BRANCHES, "refs/heads/releases/beta/3-alpha", ["a"], False),
    (IGNORE_BRANCHES, "refs/tags/v1", None, False),  # a branch filter alone shuts out tags
    (IGNORE_TAGS, "refs/tags/v2", None, False),
    (IGNORE_TAGS, "refs/tags/v1.9", None, False),
    (IGNORE_TAGS, "refs/tags/v3", None, True),
    (IGNORE_TAGS, "refs/heads/main", ["a"], False),
    (IGNORE_BOTH, "refs/heads/main", ["a"], True),
    (IGNORE_BOTH, "refs/heads/wip/x", ["a"], False),
    (IGNORE_BOTH, "refs/tags/v1", None, True),
    (IGNORE_BOTH, "refs/tags/nightly-5", None, False),
    # ref and path filters must both pass
    (BRANCHES_AND_PATHS, "refs/heads/main", ["src/app.js"], True),
    (BRANCHES_AND_PATHS, "refs/heads/main", ["README.md"], False),
    (BRANCHES_AND_PATHS, "refs/heads/dev", ["src/app.js"], False),
    # path filters are not evaluated for tag pushes
    (TAGS_AND_PATHS, "refs/tags/v1", ["README.md"], True),
    (TAGS_AND_PATHS, "refs/tags/v1", [], True),
    (TAGS_AND_PATHS, "refs/heads/main", ["app.js"], False),
    (PATHS, "refs/tags/v1", ["README.md"], True),
    # paths: at least one changed path must match
    (PATHS, "refs/heads/main", ["README.md", "lib/x.js"], True),
    (PATHS, "refs/heads/main", ["README.md"], False),
    # paths-ignore: runs unless every changed path is ignored
    (PATHS_IGNORE, "refs/heads/main", ["docs/a.md", "docs/b/c.md"], False),
    (PATHS_IGNORE, "refs/heads/main", ["docs/a.md", "src/a.py"], True),
    (PATHS_IGNORE, "refs/heads/main", ["mydocs/a.md"], True),
    (PATHS_WITH_NEGATION, "refs/heads/main", ["sub-project/index.js"], True),
    (PATHS_WITH_NEGATION, "refs/heads/main", ["sub-project/src/index.js"], True),
    (PATHS_WITH_NEGATION, "refs/heads/main", ["sub-project/docs/readme.md"], False),
    (PATHS_WITH_NEGATION, "refs/heads/main", ["sub-project/docs/readme.md", "sub-project/a.c"], True),
    (PATHS_IGNORE_WITH_NEGATION, "refs/heads/main", ["docs/guide.md"], False),
    (PATHS_IGNORE_WITH_NEGATION, "refs/heads/main", ["docs/api/x.md"], True),
    # no changed files: a path filter never passes
    (PATHS, "refs/heads/main", [], False),
    (PATHS_IGNORE, "refs/heads/main", [], False),
    (ON_BRANCHES, "refs/heads/main", [], True),  # no path filter: changed files do not matter
    # changed files unknown (first push of a branch, no diff): path filters pass
    (PATHS, "refs/heads/main", None, True),
    (PATHS_IGNORE, "refs/heads/main", None, True),
    (BRANCHES_AND_PATHS, "refs/heads/main", None, True),
    (BRANCHES_AND_PATHS, "refs/heads/dev", None, False),
    # neither a branch nor a tag
    (NO_FILTERS, "refs/notes/commits", None, True),
    (ON_BRANCHES, "refs/notes/commits", None, False),
    (PATHS, "refs/notes/commits", ["README.md"], False),
]


@pytest.mark.parametrize(("ref_filter", "ref", "changed", "expected"), PUSHES)
def test_push(ref_filter: RefFilter, ref: str, changed: Sequence[str] | None, expected: bool) -> None:
    assert ref_filter.matches(event="push", ref=ref, changed_paths=changed) is expected


PULL_REQUESTS = [
    # (filter, base branch, changed paths, triggers)
    (RefFilter(branches=("main", "mona/octocat", "releases/**")), "main", ["a"], True),
    (RefFilter(branches=("main", "mona/octocat", "releases/**")), "refs/heads/releases/10", ["a"], True),
    (RefFilter(branches=("main", "mona/octocat", "releases/**")), "dev", ["a"], False),
    (RefFilter(branches_ignore=("mona/octocat", "releases/**-alpha")), "releases/beta/3-alpha", ["a"], False),
    (RefFilter(branches_ignore=("mona/octocat", "releases/**-alpha")), "main", ["a"], True),
    (RefFilter(branches=("releases/**", "!releases/**-alpha")), "releases/10", ["a"], True),
    (RefFilter(branches=("releases/**", "!releases/**-alpha")), "releases/10-alpha", ["a"], False),
    # tag filters do not apply to pull requests
    (RefFilter(tags=("v*",)), "main", ["a"], True),
    (RefFilter(tags_ignore=("*",)), "main", ["a"], True),
    # paths apply, together with branches
    (RefFilter(branches=("main",), paths=("**.js",)), "main", ["a.js"], True),
    (RefFilter(branches=("main",), paths=("**.js",)), "main", ["a.py"], False),
    (RefFilter(branches=("main",), paths=("**.js",)), "dev", ["a.js"], False),
    (RefFilter(paths_ignore=("docs/**",)), "main", ["docs/x"], False),
    (RefFilter(paths_ignore=("docs/**",)), "main", None, True),
    (RefFilter(), "anything", [], True),
]


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
@pytest.mark.parametrize(("ref_filter", "base", "changed", "expected"), PULL_REQUESTS)
def test_pull_request(
    event: str, ref_filter: RefFilter, base: str, changed: Sequence[str] | None, expected: bool
) -> None:
    assert ref_filter.matches(event=event, ref=base, changed_paths=changed) is expected


@pytest.mark.parametrize("event", ["schedule", "workflow_dispatch", "release"])
def test_other_events_have_no_ref_filters(event: str) -> None:
    assert ON_BRANCHES.matches(event=event, ref="refs/heads/dev", changed_paths=[]) is True


@pytest.mark.parametrize(
    ("ref_filter", "branch", "tag", "path"),
    [
        (NO_FILTERS, False, False, False),
        (ON_BRANCHES, True, False, False),
        (IGNORE_TAGS, False, True, False),
        (PATHS_IGNORE, False, False, True),
        (RefFilter(branches=(), tags=(), paths=()), True, True, True),
    ],
)
def test_filter_presence(ref_filter: RefFilter, branch: bool, tag: bool, path: bool) -> None:
    assert (ref_filter.has_branch_filter, ref_filter.has_tag_filter, ref_filter.has_path_filter) == (branch, tag, path)


def test_empty_lists_are_given_and_match_nothing() -> None:
    # `branches: []` is a filter that no branch passes, not an absent filter.
    assert RefFilter(branches=()).matches(event="push", ref="refs/heads/main", changed_paths=None) is False
