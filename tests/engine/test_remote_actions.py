"""Remote actions end to end through ``baton run``: composite nested three deep, a
JavaScript action with inputs, outputs, state and a conditional post, and what cannot be
had named; on the host, in Docker and over SSH."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import environment
from tests.plugins.actions.conftest import RunBaton, Where, run_workflow, step_log
from tests.sshd import host_table, toml_table

__all__ = ["run_workflow"]  # the fixture, used by name

GREET = """
name: greet
inputs:
  who: {default: World}
  needed: {required: true}
  post: {default: "false"}
outputs:
  greeting: {description: what was said}
runs:
  using: node20
  main: main.js
  post: post.js
  post-if: inputs.post == 'true'
"""
MAIN_JS = r"""
const fs = require("fs");
const e = process.env;
if (!e.GITHUB_ACTION_PATH.endsWith("/greet") || e.GITHUB_ACTION_REPOSITORY !== "acme/tools" || e.GITHUB_ACTION_REF !== "v1") {
  console.log("wrong action env", e.GITHUB_ACTION_PATH, e.GITHUB_ACTION_REPOSITORY, e.GITHUB_ACTION_REF); process.exit(1);
}
fs.appendFileSync(e.GITHUB_OUTPUT, `greeting=hello ${e.INPUT_WHO}\n`);
fs.appendFileSync(e.GITHUB_STATE, `who=${e.INPUT_WHO}\n`);
console.log(`said hello ${e.INPUT_WHO}`);
"""
POST_JS = 'console.log(`post saw ${process.env.STATE_who}`);\n'
DEEP = """
outputs:
  greeting: {value: "${{ steps.inner.outputs.greeting }}"}
runs:
  using: composite
  steps:
    - id: inner
      uses: acme/tools/deeper@v1
      with: {who: "${{ inputs.who }}"}
inputs:
  who: {}
"""
DEEPER = """
inputs:
  who: {}
outputs:
  greeting: {value: "${{ steps.js.outputs.greeting }}"}
runs:
  using: composite
  steps:
    - run: echo "deeper runs from $GITHUB_ACTION_PATH"
      shell: sh
    - id: js
      uses: acme/tools/greet@v1
      with: {who: "${{ inputs.who }}", needed: yes, post: "true"}
"""
WORKFLOW = """
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - id: deep
        uses: acme/tools/deep@v1
        with: {who: Mona}
      - run: test "${{ steps.deep.outputs.greeting }}" = "hello Mona"
      - uses: acme/tools/greet@v1
      - uses: acme/tools/nowhere@v1
        continue-on-error: true
      - uses: acme/tools@v1
        continue-on-error: true
      - uses: acme/tools/greet@v9
        continue-on-error: true
      - uses: acme/absent@v1
        continue-on-error: true
"""


@pytest.fixture
def mirror(tmp_path: Path, git_repo: Callable[..., Any]) -> Path:
    """``acme/tools.git`` with the actions above, tagged ``v1``."""
    work = git_repo({"greet/action.yml": GREET, "greet/main.js": MAIN_JS, "greet/post.js": POST_JS,
                     "deep/action.yml": DEEP, "deeper/action.yml": DEEPER, "README.md": "tools\n"})
    work.create_tag("v1")
    folder = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--bare", work.working_dir, str(folder / "acme" / "tools.git")], check=True)
    return folder


@pytest.fixture(params=["local", "docker", "ssh"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Where:
    """The executor ``ubuntu-latest`` jobs run on (Docker: a glibc image without node)."""
    kind = str(request.param)
    if kind == "local":
        return Where(kind=kind, args=("-P", "ubuntu-latest=-self-hosted"), env={})
    if kind == "docker":
        request.getfixturevalue("docker_client")
        image = environment.ensure_glibc_image()
        return Where(kind=kind, args=("-P", f"ubuntu-latest={image}", "--pull", "never"), env={})
    server = request.getfixturevalue("shared_sshd")
    config = tmp_path / "config"
    (config / "baton").mkdir(parents=True)
    (config / "baton" / "baton.toml").write_text(toml_table("box", host_table(server, work_root=str(tmp_path / "ssh-work"))))
    return Where(kind=kind, args=("-P", "ubuntu-latest=ssh://box"), env={"XDG_CONFIG_HOME": str(config)})


def test_remote_actions_run_on_every_executor(
    where: Where, mirror: Path, git_repo: Callable[..., Any], run_workflow: RunBaton
) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": WORKFLOW}).working_tree_dir)
    document = run_workflow(root, "--actions-source", str(mirror), where=where)
    assert document["status"] == "success", document["stderr"]
    assert "said hello Mona" in step_log(document, "use", 0)
    assert "deeper runs from " in step_log(document, "use", 0)
    third = step_log(document, "use", 2)
    assert "Input required and not supplied: needed" in third and "said hello World" in third
    assert "acme/tools at v1 (" in step_log(document, "use", 3) and "has no folder 'nowhere'" in step_log(document, "use", 3)
    assert "there is no action.yml or action.yaml in acme/tools at v1" in step_log(document, "use", 4)
    assert "acme/tools has no branch or tag 'v9'" in step_log(document, "use", 5)
    assert "there is no repository acme/absent in" in step_log(document, "use", 6)
    steps = next(j for j in document["jobs"] if j["id"] == "use")["steps"]
    posts = [(s["name"], s["conclusion"]) for s in steps[7:]]
    assert posts == [("Post Run acme/tools/greet@v1", "skipped"), ("Post Run acme/tools/greet@v1", "success")]
    assert "post saw Mona" in step_log(document, "use", 8)


def test_offline_mode_runs_from_the_cache_alone(mirror: Path, git_repo: Callable[..., Any], run_workflow: RunBaton,
                                                 tmp_path: Path) -> None:
    root = Path(git_repo({".github/workflows/ci.yml": WORKFLOW}).working_tree_dir)
    home = tmp_path / "home"
    document = run_workflow(root, "--action-offline-mode", "--actions-source", str(mirror), home=home)
    assert document["status"] == "failure"
    assert "--action-offline-mode uses only the action cache" in step_log(document, "use", 0)
    assert run_workflow(root, "--actions-source", str(mirror), home=home)["status"] == "success"
    document = run_workflow(root, "--action-offline-mode", "--actions-source", str(tmp_path / "gone"), home=home)
    assert document["status"] == "success", document["stderr"]
