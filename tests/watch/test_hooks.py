"""``baton hook install``: real repositories, real ``git push``, the real service."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.errors import UsageError
from runner.store import Store, list_runs
from runner.watch.hooks_install import CHAINED_SUFFIX, MARKER, install_hook
from tests.watch.conftest import Remote, git
from tests.watch.test_api import Service, services, wait_until  # noqa: F401 - services is a fixture

WORKFLOW = """\
name: CI
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: echo built
"""


def push_seconds(remote: Remote) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    pushed = subprocess.run(["git", "push", "origin", "main"], cwd=remote.work, capture_output=True, text=True, check=False)
    return time.monotonic() - started, pushed


def test_the_hook_of_a_bare_repository_chains_the_one_there_and_returns_at_once_with_no_service(
    remote: Remote, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = remote.bare / "hooks"
    seen = tmp_path / "seen-by-the-old-hook"
    (hooks / "post-receive").write_text(f"#!/bin/sh\ncat > {seen}\necho old hook ran\n")
    (hooks / "post-receive").chmod(0o755)
    assert main(["hook", "install", str(remote.bare)]) == 0
    said = capsys.readouterr().out
    assert f"installed {hooks / 'post-receive'}" in said and f"now post-receive{CHAINED_SUFFIX}" in said
    assert main(["hook", "install", str(remote.bare)]) == 0, "installing again refreshes ours"
    assert "runs after it" not in capsys.readouterr().out
    assert MARKER in (hooks / "post-receive").read_text()
    assert "old hook ran" in (hooks / f"post-receive{CHAINED_SUFFIX}").read_text()

    sha = remote.commit({"a.txt": "a"}, "first")
    seconds, pushed = push_seconds(remote)
    assert pushed.returncode == 0, pushed.stderr
    assert seconds < 2.0, f"the push took {seconds:.2f} s with no service"
    remote_lines = [line.rstrip() for line in pushed.stderr.splitlines() if line.startswith("remote:")]
    assert remote_lines == ["remote: old hook ran"], "the hook itself says nothing"
    assert seen.read_text().split() == ["0" * 40, sha, "refs/heads/main"], "the old hook got the refs on its input"


def test_a_working_copy_gets_a_post_commit_hook_and_a_folder_that_is_no_repository_is_refused(
    git_repo: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    work = Path(git_repo({"a.txt": "a"}).working_tree_dir)
    said = install_hook(work, home=home)
    hook = work / ".git" / "hooks" / "post-commit"
    assert said.startswith(f"installed {hook}") and "at each commit" in said
    assert hook.stat().st_mode & 0o111
    started = time.monotonic()
    git(work, "commit", "-q", "--allow-empty", "-m", "two")
    assert time.monotonic() - started < 2.0
    (tmp_path / "plain").mkdir()
    with pytest.raises(UsageError, match="not a git repository"):
        install_hook(tmp_path / "plain", home=home)
    with pytest.raises(UsageError, match="no such folder"):
        install_hook(tmp_path / "missing", home=home)
    (hook.with_name("post-commit" + CHAINED_SUFFIX)).write_text("#!/bin/sh\n")
    hook.write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(UsageError, match="is not baton's, and post-commit.before-baton exists too"):
        install_hook(work, home=home)


def test_a_push_pokes_the_service_polling_every_60_s_and_its_run_starts_at_once(
    remote: Remote, home: Path, services: Callable[[Path, Path], Service]
) -> None:
    remote.commit({".github/workflows/ci.yml": WORKFLOW}, "the workflow")
    remote.push("main")
    services(home, remote.bare)
    assert main(["hook", "install", str(remote.bare)]) == 0
    remote.commit({"b.txt": "b"}, "a change")
    before = time.time()
    seconds, pushed = push_seconds(remote)
    assert pushed.returncode == 0, pushed.stderr
    with Store.open(home) as store:
        run = wait_until(lambda: next((r for r in list_runs(store, 5) if r.started_at), None), 10, "the pushed commit's run started")
    assert run.title == "a change"
    assert run.started_at is not None and run.started_at - before < 5.0, "started by the hook, not by the 60 s poll"
