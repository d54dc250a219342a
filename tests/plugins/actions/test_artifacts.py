"""upload-artifact and download-artifact, natively, between jobs of a run, on every executor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_run_faults import baton
from tests.plugins.actions.conftest import RunBaton, Where, step_log

BETWEEN_JOBS = """
on: push
jobs:
  make:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        part: [one, two]
    steps:
      - run: |
          mkdir -p out/sub
          echo ${{ matrix.part }} > out/${{ matrix.part }}.txt
          echo deep > out/sub/deep.log
          echo hidden > out/.hidden
          echo skip > out/skip.tmp
      - id: up
        uses: actions/upload-artifact@v4
        with:
          name: part-${{ matrix.part }}
          path: |
            out/
            !out/**/*.tmp
          retention-days: 3
      - run: test -n "${{ steps.up.outputs.artifact-id }}"
      - uses: actions/upload-artifact@v3
        with:
          name: shared
          path: out/${{ matrix.part }}.txt
  use:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - id: one
        uses: actions/download-artifact@v4
        with:
          name: part-one
          path: got
      - run: |
          test "$(cat got/one.txt)" = one && test -f got/sub/deep.log
          ! test -e got/skip.tmp && ! test -e got/.hidden
          test "${{ steps.one.outputs.download-path }}" = "$GITHUB_WORKSPACE/got"
      - uses: actions/download-artifact@v4
        with:
          pattern: part-*
          path: all
      - run: test "$(cat all/part-one/one.txt)" = one && test "$(cat all/part-two/two.txt)" = two
      - uses: actions/download-artifact@v4
        with:
          pattern: part-*
          merge-multiple: true
      - run: test -f one.txt && test -f two.txt && test -f sub/deep.log
      - uses: actions/download-artifact@v3
        with:
          name: shared
          path: shared
      - run: test "$(cat shared/one.txt shared/two.txt)" = "$(printf 'one\\ntwo')"
"""


@pytest.mark.parametrize("where", ["local", "docker"], indirect=True)
def test_artifacts_go_from_jobs_to_the_jobs_that_need_them(
    where: Where, git_repo: Callable[..., Any], run_workflow: RunBaton, tmp_path: Path
) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": BETWEEN_JOBS}).working_tree_dir)
    document = run_workflow(root, where=where)
    assert document["status"] == "success", document["stderr"]
    run_id = document["runs"][0]["id"]
    stored = sorted(p.name for p in (tmp_path / "home" / "artifacts" / run_id).iterdir() if not p.name.startswith("."))
    assert stored == ["part-one", "part-two", "shared"]


OVER_SSH = """
on: push
jobs:
  make:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p out/sub && echo one > out/one.txt && echo deep > out/sub/deep.log && echo skip > out/x.tmp
      - uses: actions/upload-artifact@v4
        with:
          name: built
          path: |
            out/
            !out/*.tmp
  use:
    needs: make
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with: {name: built, path: got}
      - run: test "$(cat got/one.txt got/sub/deep.log)" = "$(printf 'one\\ndeep')" && ! test -e got/x.tmp
"""


@pytest.mark.parametrize("where", ["ssh"], indirect=True)
def test_artifacts_between_jobs_on_an_ssh_host(where: Where, git_repo: Callable[..., Any], run_workflow: RunBaton) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": OVER_SSH}).working_tree_dir)
    document = run_workflow(root, where=where)
    assert document["status"] == "success", document["stderr"]


BAD = """
on: push
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - run: echo x > file.txt
      - uses: actions/upload-artifact@v4
        with: {{name: "{name}", path: file.txt}}
"""


@pytest.mark.parametrize(("name", "said"), [
    ("a/b", "the artifact name 'a/b' contains '/'"),
    ("a\\\\b", "the artifact name 'a\\b' contains '\\\\'"),
    ("..", "contains '..'"),
    ("x:y", "contains ':'"),
])
def test_a_name_github_refuses_fails_the_step_saying_why(
    name: str, said: str, git_repo: Callable[..., Any], run_workflow: RunBaton
) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": BAD.format(name=name)}).working_tree_dir)
    document = run_workflow(root)
    assert document["status"] == "failure"
    assert said in step_log(document, "bad", 1)


PATHS = """
on: push
jobs:
  paths:
    runs-on: ubuntu-latest
    steps:
      - id: outside
        uses: actions/upload-artifact@v4
        with: {name: a, path: ../elsewhere}
        continue-on-error: true
      - id: home
        uses: actions/download-artifact@v4
        with: {name: a, path: /etc}
        continue-on-error: true
      - id: none
        uses: actions/upload-artifact@v4
        with: {name: b, path: "nothing/*", if-no-files-found: error}
        continue-on-error: true
      - id: missing
        uses: actions/download-artifact@v4
        with: {name: never-uploaded}
        continue-on-error: true
      - run: ln -s /etc/hostname link.txt && echo mine > mine.txt
      - id: link
        uses: actions/upload-artifact@v4
        with: {name: linked, path: "*.txt"}
      - uses: actions/download-artifact@v4
        with: {name: linked, path: back}
      - run: test -f back/mine.txt && ! test -e back/link.txt
"""


def test_paths_outside_the_workspace_missing_files_and_links(git_repo: Callable[..., Any], run_workflow: RunBaton) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": PATHS}).working_tree_dir)
    document = run_workflow(root)
    assert document["status"] == "success", document["stderr"]
    outcomes = [s["outcome"] for s in document["jobs"][0]["steps"]]
    assert outcomes[:4] == ["failure"] * 4
    assert "path: '../elsewhere' is outside the workspace" in step_log(document, "paths", 0)
    assert "path: '/etc' is outside the workspace" in step_log(document, "paths", 1)
    assert "No files were found with the provided path: nothing/*" in step_log(document, "paths", 2)
    assert "Artifact not found for name: never-uploaded" in step_log(document, "paths", 3)
    assert "link.txt is a symbolic link; baton does not follow links" in step_log(document, "paths", 5)


def test_v4_refuses_a_second_upload_of_a_name_unless_overwritten(git_repo: Callable[..., Any], run_workflow: RunBaton) -> None:
    workflow = """
on: push
jobs:
  twice:
    runs-on: ubuntu-latest
    steps:
      - run: echo 1 > f.txt
      - uses: actions/upload-artifact@v4
        with: {name: a, path: f.txt}
      - run: echo 2 > f.txt
      - uses: actions/upload-artifact@v4
        with: {name: a, path: f.txt}
        continue-on-error: true
      - uses: actions/upload-artifact@v4
        with: {name: a, path: f.txt, overwrite: true}
      - uses: actions/download-artifact@v4
        with: {name: a, path: got}
      - run: test "$(cat got/f.txt)" = 2
"""
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    document = run_workflow(root)
    assert document["status"] == "success", document["stderr"]
    assert "an artifact named 'a' was already uploaded in this run" in step_log(document, "twice", 3)


def test_baton_artifacts_lists_and_copies_out_and_gc_removes_them_after_retention(
    git_repo: Callable[..., Any], run_workflow: RunBaton, tmp_path: Path
) -> None:
    workflow = """
on: push
jobs:
  up:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir d && echo kept > d/k.txt && echo gone > g.txt
      - uses: actions/upload-artifact@v4
        with: {name: kept, path: d}
      - uses: actions/upload-artifact@v4
        with: {name: short, path: g.txt, retention-days: 1}
"""
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    home = tmp_path / "home"
    document = run_workflow(root, home=home)
    assert document["status"] == "success", document["stderr"]
    run_id = document["runs"][0]["id"]
    listing = baton(["artifacts", "1"], root, home).communicate(timeout=30)[0]
    assert [line.split()[:4] for line in listing.splitlines()] == [
        ["NAME", "FILES", "SIZE", "JOB"], ["kept", "1", "5", "B"], ["short", "1", "5", "B"]]
    out, err = baton(["artifacts", run_id[:6], "kept", "--to", str(tmp_path / "out")], root, home).communicate(timeout=30)
    assert (tmp_path / "out" / "k.txt").read_text() == "kept\n", err
    meta = home / "artifacts" / run_id / "short" / "artifact.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "expires": time.time() - 1}))
    out, err = baton(["gc"], root, home).communicate(timeout=60)
    assert f"artifact 'short' of run {run_id} (retention ended)" in out, err
    assert sorted(p.name for p in (home / "artifacts" / run_id).iterdir() if not p.name.startswith(".")) == ["kept"]
    proc = baton(["artifacts", "1", "nope"], root, home)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and err.strip() == f"baton: run {run_id} has no artifact named 'nope' (see: baton artifacts 1)"
