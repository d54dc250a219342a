"""actions/cache, cache/restore and cache/save, natively, across runs of a repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.plugins.actions.conftest import RunBaton, Where, step_log

ACROSS_RUNS = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: cache
        uses: actions/cache@v4
        with:
          path: |
            deps
            !deps/*.tmp
          key: deps-${{ hashFiles('lock.txt') }}
          restore-keys: deps-
      - run: |
          echo "hit=${{ steps.cache.outputs.cache-hit }} matched=${{ steps.cache.outputs.cache-matched-key }}"
          if [ -d deps ]; then cat deps/made-by; else mkdir deps && cat lock.txt > deps/made-by && echo t > deps/x.tmp; fi
"""


def _hit(document: dict[str, Any]) -> str:
    return step_log(document, "build", 2).splitlines()[0]


def test_a_cache_saved_by_one_run_is_restored_by_the_next(
    where: Where, git_repo: Callable[..., Any], run_workflow: RunBaton, tmp_path: Path
) -> None:
    repo = git_repo({".github/workflows/ci.yml": ACROSS_RUNS, "lock.txt": "v1\n"})
    root = Path(repo.working_tree_dir)
    first = run_workflow(root, where=where)
    assert first["status"] == "success", first["stderr"]
    assert _hit(first) == "hit= matched="
    assert "Cache saved with key: deps-" in step_log(first, "build", 3)
    assert [s["name"] for s in first["jobs"][0]["steps"]][-1] == "Post Run actions/cache@v4"
    second = run_workflow(root, where=where)
    assert _hit(second) == f"hit=true matched={_key(tmp_path)}"
    assert step_log(second, "build", 2).splitlines()[1] == "v1"
    assert "Cache hit occurred on the primary key" in step_log(second, "build", 3)
    if where.kind != "local":
        return  # matching is the store's, the same on every executor: checked once
    (root / "lock.txt").write_text("v2\n")  # a new key: the old entry is restored by prefix, then saved anew
    third = run_workflow(root, where=where)
    assert _hit(third) == f"hit=false matched={_key(tmp_path)}"
    assert step_log(third, "build", 2).splitlines()[1] == "v1"
    entries = list((tmp_path / "home" / "caches").glob("*/entries/*/files"))
    assert len(entries) == 2 and all(not list(e.glob("deps/*.tmp")) for e in entries)


def _key(tmp_path: Path) -> str:
    metas = [json.loads(p.read_text()) for p in (tmp_path / "home" / "caches").glob("*/entries/*/entry.json")]
    return str(min(metas, key=lambda m: m["created"])["key"])


RESTORE_SAVE = """
on: push
jobs:
  save:
    runs-on: ubuntu-latest
    steps:
      - id: look
        uses: actions/cache/restore@v4
        with: {path: out, key: "k-${{ github.run_id }}", restore-keys: "k-", lookup-only: true}
      - run: echo "found=${{ steps.look.outputs.cache-matched-key }}"; mkdir -p out && date +%s%N > out/stamp
      - uses: actions/cache/save@v4
        with: {path: out, key: "k-${{ github.run_id }}"}
  later:
    needs: save
    runs-on: ubuntu-latest
    steps:
      - id: get
        uses: actions/cache/restore@v4
        with: {path: out, key: "k-${{ github.run_id }}", fail-on-cache-miss: true}
      - run: test -f out/stamp && test "${{ steps.get.outputs.cache-hit }}" = true
      - uses: actions/cache/restore@v4
        with: {path: other, key: "nothing-like-it", fail-on-cache-miss: true}
        continue-on-error: true
"""


def test_restore_and_save_separately_between_jobs(git_repo: Callable[..., Any], run_workflow: RunBaton) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": RESTORE_SAVE}).working_tree_dir)
    first = run_workflow(root)
    assert first["status"] == "success", first["stderr"]
    assert step_log(first, "save", 1).strip() == "found="
    assert "Exiting as fail-on-cache-miss is set. Input key: nothing-like-it" in step_log(first, "later", 2)
    second = run_workflow(root)
    assert step_log(second, "save", 0).startswith("Cache found and can be restored from key: k-")
    assert not list(p for p in Path(second["jobs"][0]["steps"][0]["log"]).parents[3].glob("caches/*/entries/*/files/other"))


LIMITED = """
on: push
jobs:
  big:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p a b c && head -c 600000 /dev/zero > a/f && head -c 600000 /dev/zero > b/f && head -c 1500000 /dev/zero > c/f
      - uses: actions/cache/save@v4
        with: {path: a, key: a}
      - uses: actions/cache/save@v4
        with: {path: b, key: b}
      - uses: actions/cache/save@v4
        with: {path: c, key: c}
      - uses: actions/cache/save@v4
        with: {path: ../up, key: up}
        continue-on-error: true
      - uses: actions/cache/save@v4
        with: {path: a, key: "with,comma"}
        continue-on-error: true
"""


def test_the_size_limit_evicts_the_least_recently_used_and_refuses_what_never_fits(
    git_repo: Callable[..., Any], run_workflow: RunBaton, tmp_path: Path
) -> None:
    files = {".github/workflows/ci.yml": LIMITED, "baton.toml": '[actions]\ncache-size-limit = "1 MB"\n'}
    root = Path(git_repo(files).working_tree_dir)
    document = run_workflow(root)
    assert document["status"] == "success", document["stderr"]
    assert "evicted the cache 'a' (600.0 KB, least recently used)" in step_log(document, "big", 2)
    assert "the cache 'c' is 1.5 MB, over the cache size limit of 1.0 MB; not saved" in step_log(document, "big", 3)
    assert "path: '../up' is outside the workspace" in step_log(document, "big", 4)
    assert "'with,comma' contains a comma" in step_log(document, "big", 5)
    keys = sorted(json.loads(p.read_text())["key"] for p in (tmp_path / "home" / "caches").glob("*/entries/*/entry.json"))
    assert keys == ["b"]
    assert not [p for p in (tmp_path / "home" / "caches").glob("*/.aside/*")], "nothing half written is left"


LINKED = """
on: push
jobs:
  linked:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir deps && echo data > deps/f
      - uses: actions/cache/save@v4
        with: {path: deps, key: linked}
      - uses: actions/upload-artifact@v4
        with: {name: deps, path: deps}
      - run: rm -r deps && ln -s "$OUTSIDE" deps && ln -s "$OUTSIDE" got
      - uses: actions/cache/restore@v4
        with: {path: deps, key: linked}
        continue-on-error: true
      - uses: actions/download-artifact@v4
        with: {name: deps, path: got}
        continue-on-error: true
"""


def test_restores_and_downloads_never_write_through_a_link_the_job_made(
    git_repo: Callable[..., Any], run_workflow: RunBaton, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = Path(git_repo({".github/workflows/ci.yml": LINKED}).working_tree_dir)
    document = run_workflow(root, "--env", f"OUTSIDE={outside}")
    assert [s["outcome"] for s in document["jobs"][0]["steps"]][4:] == ["failure", "failure"], document["stderr"]
    for index in (4, 5):
        assert "is a symbolic link; baton does not follow links a job made" in step_log(document, "linked", index)
    assert list(outside.iterdir()) == []
