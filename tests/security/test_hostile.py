"""Hostile workflows through the real CLI, in Docker and on the host executor.

Each case of :data:`tests.security.cases.CASES` runs ``python -m runner run`` in a real git
repository against a canary folder on this machine; afterwards the canary's content is in
no output, JSON document, log file or database row, nothing in the canary folder changed,
no traceback was printed, only SGR colours reached the terminal, and the store is
0700/0600 (baton runs with umask 000 here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.cases import CASES
from tests.security.hostile import Canary, Case, assert_host_untouched, kill_all, make_repository, processes_with, run_baton

PARAMS = [
    pytest.param(case, executor, id=f"{case.name}-{executor}", marks=[pytest.mark.docker] if executor == "docker" else [])
    for case in CASES
    for executor in case.executors
]


@pytest.fixture
def canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canary]:
    yield Canary.create(tmp_path_factory.mktemp("canary"))


@pytest.fixture
def image(request: pytest.FixtureRequest, executor: str) -> str:
    """The job image for Docker cases (Docker fixtures only then: the host cases need no engine)."""
    return str(request.getfixturevalue("shell_image")) if executor == "docker" else "baton-test/shell:latest"


@pytest.mark.parametrize(("case", "executor"), PARAMS)
def test_a_hostile_workflow_does_not_reach_the_host(case: Case, executor: str, canary: Canary, image: str, tmp_path: Path) -> None:
    mark = f"baton-hostile-{uuid.uuid4().hex[:12]}"
    root = make_repository(tmp_path / "repo", case, canary, MARK=mark, IMAGE=image)
    before = canary.state()
    args = ["--format", "json", "--executor", executor, "--pull", "never", "-P", f"ubuntu-latest={image}", *case.args]
    try:
        outcome = run_baton(root, tmp_path / "home", args)
    finally:
        left = processes_with(mark)
        kill_all(left)
    assert not left, f"processes of the job outlived it: {left}"
    assert outcome.document is not None, f"no JSON document (exit {outcome.code}):\n{outcome.text()[-3000:]}"
    assert_host_untouched(outcome, canary, before)
    case.check(outcome, canary)
