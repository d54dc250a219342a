"""setup-python, setup-node, setup-go and setup-java: natively when the job's environment
has a satisfying version (here: stand-in tools put on PATH by a step), else the real action."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.actions.conftest import RunBaton, Where, step_log

TOOLS = {
    "tools/python3": """#!/bin/sh
d=$(cd "$(dirname "$0")" && pwd); printf '%s\\n' "$d/python3" 3.12.4 "$d/prefix"
""",
    "tools/node": "#!/bin/sh\necho 20.11.1\n",
    "tools/go": """#!/bin/sh
d=$(cd "$(dirname "$0")" && pwd); printf '%s\\n' go1.22.3 "$d/goroot" "$d/gopath"
""",
    "tools/java": """#!/bin/sh
d=$(cd "$(dirname "$0")" && pwd)
printf '    java.home = %s\\n    java.version = 17.0.9\\n' "$d/jdk" >&2
""",
    ".python-version": "3.12\n",
    "go.mod": "module example.com/m\n\ngo 1.22\n",
    ".nvmrc": "v20\n",
}

SATISFIED = """
on: push
jobs:
  tools:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: chmod +x tools/*; echo "$GITHUB_WORKSPACE/tools" >> "$GITHUB_PATH"
      - id: py
        uses: actions/setup-python@v5
        with: {python-version: "3.x"}
      - id: pyfile
        uses: actions/setup-python@v5
        with: {python-version-file: .python-version}
      - id: node
        uses: actions/setup-node@v4
        with: {node-version: ">=20"}
      - id: nodefile
        uses: actions/setup-node@v4
        with: {node-version-file: .nvmrc}
      - id: go
        uses: actions/setup-go@v5
        with: {go-version-file: go.mod}
      - id: java
        uses: actions/setup-java@v4
        with: {distribution: temurin, java-version: "17"}
      - run: |
          test "${{ steps.py.outputs.python-version }}" = 3.12.4
          test "${{ steps.py.outputs.python-path }}" = "$GITHUB_WORKSPACE/tools/python3"
          test "$pythonLocation" = "$GITHUB_WORKSPACE/tools/prefix"
          test "${{ steps.pyfile.outputs.python-version }}" = 3.12.4
          test "${{ steps.node.outputs.node-version }}${{ steps.nodefile.outputs.node-version }}" = v20.11.1v20.11.1
          test "${{ steps.go.outputs.go-version }}" = 1.22.3
          case ":$PATH:" in *":$GITHUB_WORKSPACE/tools/goroot/bin:"*) ;; *) echo "no GOROOT/bin on PATH: $PATH"; exit 1;; esac
          test "${{ steps.java.outputs.version }}" = 17.0.9 && test "$JAVA_HOME" = "$GITHUB_WORKSPACE/tools/jdk"
          test "$JAVA_HOME_17_X64" = "$JAVA_HOME" && test "${{ steps.java.outputs.distribution }}" = temurin
"""


def test_a_satisfying_version_in_the_job_environment_is_used_at_once(
    where: Where, git_repo: Callable[..., Any], run_workflow: RunBaton
) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": SATISFIED, **TOOLS}).working_tree_dir)
    document = run_workflow(root, where=where)
    assert document["status"] == "success", document["stderr"]
    assert step_log(document, "tools", 2).startswith("Using Python 3.12.4 of the job's environment (")
    assert "which satisfies '3.12' (.python-version)" in step_log(document, "tools", 3)


@pytest.mark.parametrize(("uses", "given", "said"), [
    ("actions/setup-python@v5", "python-version: '2.7'", "the job's environment has python 3.12.4, not '2.7' (python-version)"),
    ("actions/setup-python@v5", "python-version: pypy3.10", "python-version asks for 'pypy3.10', which baton does not match natively"),
    ("actions/setup-node@v4", "node-version: lts/*", "node-version asks for 'lts/*'"),
    ("actions/setup-go@v5", "go-version: '~1.21.0'", "the job's environment has go 1.22.3, not '~1.21.0'"),
    ("actions/setup-java@v4", "{distribution: zulu, java-version: '21'}", "the job's environment has java 17.0.9, not '21'"),
    ("actions/setup-python@v5", "python-version-file: missing.txt", "python-version-file: the file 'missing.txt' does not exist"),
])
def test_otherwise_the_real_action_is_needed(
    uses: str, given: str, said: str, git_repo: Callable[..., Any], run_workflow: RunBaton
) -> None:
    workflow = f"""
on: push
jobs:
  tools:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: chmod +x tools/*; echo "$GITHUB_WORKSPACE/tools" >> "$GITHUB_PATH"
      - uses: {uses}
        with: {given if given.startswith("{") else "{" + given + "}"}
"""
    root = Path(git_repo({".github/workflows/ci.yml": workflow, **TOOLS}).working_tree_dir)
    document = run_workflow(root)
    assert document["status"] == "failure"
    log = step_log(document, "tools", 2)
    assert said in log, log
    if "version-file" not in said:
        assert "steps aside" in log and "the real action runs" in log, log
        assert f"'{uses}': listing the refs of https://github.com/" in log, log  # no network here: it says so


def test_a_native_action_switched_off_runs_as_the_real_action(git_repo: Callable[..., Any], run_workflow: RunBaton) -> None:
    workflow = """
on: push
jobs:
  tools:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4
        with: {path: x, key: k}
"""
    files = {".github/workflows/ci.yml": workflow, "baton.toml": '[actions]\nnot-native = ["actions/setup-node"]\n'}
    root = Path(git_repo(files).working_tree_dir)
    assert run_workflow(root)["status"] == "success"
    document = run_workflow(root, "--not-native", "actions/cache")
    assert document["status"] == "failure"
    assert "'actions/cache@v4': listing the refs of https://github.com/actions/cache" in step_log(document, "tools", 0)
    document = run_workflow(root, "--not-native", "actions/cahce")
    assert "'actions/cahce' is not a native action, so it cannot be switched off" in document["stderr"]
