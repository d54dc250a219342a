"""``workflows = "pipelines"``: a watched repository whose workflow files live elsewhere
than ``.github/workflows`` (baton's own, ``pipelines/ci.yml``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.errors import ConfigError
from runner.watch.repository import Repository
from runner.watch.settings import watched_repos
from runner.watch.workflows import WorkflowCache
from tests.watch.test_pure import config_of

WORKFLOW = "on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - run: echo a\n"


def test_the_workflows_folder_is_read_from_the_commit_and_must_stay_inside_the_repository(
    git_repo: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(git_repo({"pipelines/ci.yml": WORKFLOW, ".github/workflows/other.yml": WORKFLOW}).working_tree_dir)
    config = config_of(tmp_path, f'[repos.app]\npath = "{root}"\nworkflows = "pipelines/"\n', monkeypatch)
    (repo,) = watched_repos(config, [], None)
    assert repo.workflows == "pipelines"
    assert watched_repos(config_of(tmp_path, f'[repos.app]\npath = "{root}"\n', monkeypatch), [], None)[0].workflows == ".github/workflows"
    repository = Repository.open_path(root)
    try:
        head = repository.refs()["refs/heads/main"].commit
        assert head is not None
        found = WorkflowCache(repo.workflows).read(repository, head)
        assert [w.path for w in found.workflows] == ["pipelines/ci.yml"]
    finally:
        repository.close()
    with pytest.raises(ConfigError, match=r"\[repos.app\] workflows: must be a folder inside the repository, not '../x'"):
        watched_repos(config_of(tmp_path, f'[repos.app]\npath = "{root}"\nworkflows = "../x"\n', monkeypatch), [], None)
