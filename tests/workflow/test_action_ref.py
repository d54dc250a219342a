"""``owner/repo[/path]@ref`` read into its parts, and what is refused."""

from __future__ import annotations

import pytest

from runner.workflow.action_ref import ActionRefError, parse_action_ref


@pytest.mark.parametrize(
    ("uses", "repository", "path", "ref", "is_commit", "short"),
    [
        ("actions/checkout@v4", "actions/checkout", "", "v4", False, False),
        ("nektos/act-test-actions/script@main", "nektos/act-test-actions", "script", "main", False, False),
        ("o/r/a/b/@refs/heads/x", "o/r", "a/b", "refs/heads/x", False, False),
        ("o/r@b136eb8894c5cb1dd5807da824be97ccdf9b5423", "o/r", "", "b136eb8894c5cb1dd5807da824be97ccdf9b5423", True, False),
        ("o/r@b136eb8", "o/r", "", "b136eb8", False, True),
        ("o/r@v1.2.3", "o/r", "", "v1.2.3", False, False),
    ],
)
def test_parts(uses: str, repository: str, path: str, ref: str, is_commit: bool, short: bool) -> None:
    parsed = parse_action_ref(uses)
    assert (parsed.repository, parsed.path, parsed.ref) == (repository, path, ref)
    assert (parsed.is_commit, parsed.looks_short_sha) == (is_commit, short)


@pytest.mark.parametrize("uses", ["actions/checkout", "o@v1", "o/r/../x@v1", "o/r/a//b@v1", "../r@v1", "o/r@", "o/r@a@b"])
def test_refused(uses: str) -> None:
    with pytest.raises(ActionRefError, match="expected OWNER/REPO"):
        parse_action_ref(uses)
