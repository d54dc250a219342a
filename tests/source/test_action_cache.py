"""The action cache against real git repositories: refs resolved, entries whole, errors named."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.engine.fetcher import FetchError
from runner.source.action_cache import GitActionFetcher, remove_stale_fetches
from runner.workflow.action_ref import parse_action_ref


@pytest.fixture
def source(tmp_path: Path, git_repo: Callable[..., Any]) -> tuple[Path, Any]:
    """A folder of repositories holding ``acme/tool.git`` (bare), with a tag ``v1`` and a branch ``main``."""
    work = git_repo({"action.yml": "runs:\n  using: node20\n  main: index.js\n", "index.js": "console.log(1)\n"})
    work.create_tag("v1", message="release")  # an annotated tag: resolved through its peeled commit
    folder = tmp_path / "mirror"
    (folder / "acme").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", work.working_dir, str(folder / "acme" / "tool.git")], check=True)
    return folder, work


def fetch(fetcher: GitActionFetcher, uses: str) -> Any:
    return asyncio.run(fetcher.fetch(parse_action_ref(uses)))


def test_a_branch_a_tag_and_a_full_sha_give_the_same_entry(source: tuple[Path, Any], tmp_path: Path) -> None:
    folder, work = source
    sha = work.head.commit.hexsha
    fetcher = GitActionFetcher(source=str(folder), cache=tmp_path / "cache")
    got = [fetch(fetcher, f"acme/tool@{ref}") for ref in ("main", "v1", sha)]
    assert {g.commit for g in got} == {sha}
    assert {g.folder for g in got} == {tmp_path / "cache" / "acme" / "tool" / sha}
    assert (got[0].folder / "index.js").read_text() == "console.log(1)\n"
    assert not (got[0].folder / ".git").exists()
    assert [p.name for p in (tmp_path / "cache" / "acme" / "tool").iterdir() if p.name.startswith(".")] == []


def test_a_folder_of_plain_repositories_serves_too(git_repo: Callable[..., Any], tmp_path: Path) -> None:
    work = git_repo({"action.yml": "runs:\n  using: composite\n  steps: []\n"})
    (tmp_path / "m" / "acme").mkdir(parents=True)
    os.symlink(work.working_dir, tmp_path / "m" / "acme" / "plain")
    got = fetch(GitActionFetcher(source=str(tmp_path / "m"), cache=tmp_path / "cache"), "acme/plain@main")
    assert got.commit == work.head.commit.hexsha


@pytest.mark.parametrize(
    ("uses", "message"),
    [
        ("acme/tool@nope", "acme/tool has no branch or tag 'nope'"),
        ("acme/other@main", "there is no repository acme/other in"),
        ("acme/tool@SHORT", "is the shortened version of a commit SHA"),
        ("acme/tool@" + "0" * 40, "fetching 0000000000"),
    ],
)
def test_what_cannot_be_had_says_which_and_why(source: tuple[Path, Any], tmp_path: Path, uses: str, message: str) -> None:
    folder, work = source
    uses = uses.replace("SHORT", work.head.commit.hexsha[:7])
    with pytest.raises(FetchError, match=message):
        fetch(GitActionFetcher(source=str(folder), cache=tmp_path / "cache"), uses)
    entries = tmp_path / "cache" / "acme" / "tool"
    assert not entries.exists() or [p.name for p in entries.iterdir() if p.name != "refs"] == []


def test_offline_mode_uses_only_the_cache(source: tuple[Path, Any], tmp_path: Path) -> None:
    folder, work = source
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match="--action-offline-mode uses only the action cache"):
        fetch(GitActionFetcher(source=str(folder), cache=cache, is_offline=True), "acme/tool@main")
    fetch(GitActionFetcher(source=str(folder), cache=cache), "acme/tool@main")
    offline = GitActionFetcher(source=str(tmp_path / "gone"), cache=cache, is_offline=True)
    assert fetch(offline, "acme/tool@main").commit == work.head.commit.hexsha
    with pytest.raises(FetchError, match="has never fetched acme/tool at 'v1'"):
        fetch(offline, "acme/tool@v1")


def test_a_run_fetches_each_ref_once(source: tuple[Path, Any], tmp_path: Path) -> None:
    folder, work = source
    fetcher = GitActionFetcher(source=str(folder), cache=tmp_path / "cache")

    async def many() -> set[str]:
        got = await asyncio.gather(*(fetcher.fetch(parse_action_ref("acme/tool@main")) for _ in range(8)))
        return {g.commit for g in got}

    assert asyncio.run(many()) == {work.head.commit.hexsha}
    work.index.commit("later")  # a new commit on main: this run keeps what it resolved
    subprocess.run(["git", "-C", str(folder / "acme" / "tool.git"), "fetch", "-q", work.working_dir, "main:main"], check=True)
    assert fetch(fetcher, "acme/tool@main").commit != work.head.commit.hexsha
    fresh = GitActionFetcher(source=str(folder), cache=tmp_path / "cache")
    assert fetch(fresh, "acme/tool@main").commit == work.head.commit.hexsha


def test_a_half_fetch_left_behind_is_never_an_entry(source: tuple[Path, Any], tmp_path: Path) -> None:
    folder, work = source
    sha = work.head.commit.hexsha
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / "cache" / "acme" / "tool" / f".fetch-{dead.pid}-{sha[:12]}-x1" / "files"
    leftover.mkdir(parents=True)
    (leftover / "action.yml").write_text("half")  # what a process killed mid-fetch leaves
    mine = tmp_path / "cache" / "acme" / "tool" / f".fetch-{os.getpid()}-{sha[:12]}-x2"
    mine.mkdir()  # a fetch going on now in a live process
    got = fetch(GitActionFetcher(source=str(folder), cache=tmp_path / "cache"), f"acme/tool@{sha}")
    assert (got.folder / "index.js").is_file()
    assert remove_stale_fetches(tmp_path / "cache") == [f"folder {leftover.parent}"]
    assert mine.is_dir() and not leftover.parent.exists()


def test_two_processes_fetching_at_once_leave_one_whole_entry(source: tuple[Path, Any], tmp_path: Path) -> None:
    folder, work = source
    program = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from runner.source.action_cache import GitActionFetcher, remove_stale_fetches\n"
        "from runner.workflow.action_ref import parse_action_ref\n"
        "f = GitActionFetcher(source=sys.argv[1], cache=Path(sys.argv[2]))\n"
        "print(asyncio.run(f.fetch(parse_action_ref('acme/tool@main'))).folder)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    processes = [
        subprocess.Popen([sys.executable, "-c", program, str(folder), str(tmp_path / "cache")], stdout=subprocess.PIPE, env=env)
        for _ in range(3)
    ]
    try:
        outputs = {p.communicate(timeout=60)[0].decode().strip() for p in processes}
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert all(p.returncode == 0 for p in processes)
    entries = [p for p in (tmp_path / "cache" / "acme" / "tool").iterdir() if p.name != "refs"]
    assert [e.name for e in entries] == [work.head.commit.hexsha]
    assert outputs == {str(entries[0])}
    assert sorted(p.name for p in entries[0].iterdir()) == ["action.yml", "index.js"]


def test_a_link_leading_outside_the_action_is_refused(git_repo: Callable[..., Any], tmp_path: Path) -> None:
    work = git_repo({"action.yml": "runs:\n  using: node20\n  main: index.js\n"})
    os.symlink("/etc/passwd", Path(work.working_dir) / "index.js")
    os.symlink("action.yml", Path(work.working_dir) / "inside.yml")
    work.git.add("--all")
    work.index.commit("links")
    (tmp_path / "m" / "acme").mkdir(parents=True)
    os.symlink(work.working_dir, tmp_path / "m" / "acme" / "linky")
    with pytest.raises(FetchError, match="index.js is a symbolic link to /etc/passwd, outside the action"):
        fetch(GitActionFetcher(source=str(tmp_path / "m"), cache=tmp_path / "cache"), "acme/linky@main")
    assert [p.name for p in (tmp_path / "cache" / "acme" / "linky").iterdir()] == []
