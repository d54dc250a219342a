"""``baton run`` end to end on real repositories: actions, containers, services, flags, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main

DOCKER_STEPS = """
on: push
jobs:
  images:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: url
        uses: docker://{image}
        with:
          entrypoint: /bin/sh
          args: -c "cat marker.txt && echo from-url=$INPUT_GREETING && echo ok=yes >> $GITHUB_OUTPUT"
          greeting: hi
      - id: built
        uses: ./my-action
        with:
          who: world
      - run: |
          test "${{{{ steps.url.outputs.ok }}}}" = yes
          test "${{{{ steps.built.outputs.said }}}}" = "hello world"
"""

ACTION_YML = """
name: greet
inputs:
  who:
    required: true
outputs:
  said:
    description: what it said
runs:
  using: docker
  image: Dockerfile
  args: ["${{ inputs.who }}"]
"""

DOCKERFILE = """FROM {image}
COPY entry.sh /entry.sh
ENTRYPOINT ["/bin/bash", "/entry.sh"]
"""

ENTRY = 'echo "hello $1"\necho "said=hello $1" >> "$GITHUB_OUTPUT"\n'

SERVICES = """
on: push
jobs:
  with-services:
    runs-on: ubuntu-latest
    container:
      image: {image}
      env:
        FROM_CONTAINER: yes-it-is
    services:
      echo:
        image: {image}
        options: >-
          --entrypoint /bin/busybox
          --health-cmd "true" --health-interval 1s
        command: nc -ll -p 7000 -e /bin/echo pong
        ports: ["7000"]
    steps:
      - run: test "$FROM_CONTAINER" = yes-it-is
      - run: test "$(busybox nc echo 7000 </dev/null)" = pong
      - run: |
          echo "${{{{ job.services.echo.id }}}}" | grep -Eqx '[0-9a-f]{{64}}'
          echo "${{{{ job.services.echo.network }}}}" | grep -Eqx '[0-9a-f]{{64}}'
          test "${{{{ job.services.echo.ports['7000'] }}}}" -gt 0
"""

MANY = """
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    outputs:
      word: ${{ steps.w.outputs.word }}
    steps:
      - uses: actions/checkout@v4
      - id: w
        run: word=$(cat word.txt); echo "word=$word" >> "$GITHUB_OUTPUT"
        continue-on-error: true
      - run: cat word.txt
  second:
    needs: first
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: echo "${{ needs.first.outputs.word }}-${{ matrix.n }}"
  unrelated:
    runs-on: ubuntu-latest
    steps:
      - run: echo unrelated
"""


@pytest.fixture
def run_baton(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))

    def run(root: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(root)
        code = main(["run", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.docker
def test_docker_url_steps_and_dockerfile_actions(
    git_repo: Callable[..., Any], shell_image: str, docker_client: Any, run_baton: Callable[..., tuple[int, str, str]]
) -> None:
    repo = git_repo(
        {
            ".github/workflows/ci.yml": DOCKER_STEPS.format(image=shell_image),
            "marker.txt": "the-workspace-is-mounted\n",
            "my-action/action.yml": ACTION_YML,
            "my-action/Dockerfile": DOCKERFILE.format(image=shell_image),
            "my-action/entry.sh": ENTRY,
        }
    )
    code, out, err = run_baton(Path(repo.working_tree_dir), "-P", f"ubuntu-latest={shell_image}", "--executor", "docker", "--format", "json")
    assert code == 0, err
    assert "the-workspace-is-mounted" in err and "from-url=hi" in err and "hello world" in err
    steps = json.loads(out)["jobs"][0]["steps"]
    assert [s["outputs"] for s in steps[1:3]] == [{"ok": "yes"}, {"said": "hello world"}]


@pytest.mark.docker
def test_job_container_and_a_service_reached_by_name(
    git_repo: Callable[..., Any], shell_image: str, docker_client: Any, run_baton: Callable[..., tuple[int, str, str]]
) -> None:
    repo = git_repo({".github/workflows/ci.yml": SERVICES.format(image=shell_image)})
    code, out, err = run_baton(Path(repo.working_tree_dir), "--executor", "docker", "--pull", "never")
    assert code == 0, out + err


@pytest.mark.docker
def test_config_labels_map_runs_on_to_an_image(
    git_repo: Callable[..., Any], shell_image: str, docker_client: Any, run_baton: Callable[..., tuple[int, str, str]]
) -> None:
    workflow = "on: push\njobs:\n  a:\n    runs-on: our-runner\n    steps:\n      - run: test -f /etc/passwd\n"
    repo = git_repo({".github/workflows/ci.yml": workflow, "baton.toml": f'[labels]\nour-runner = "{shell_image}"\n'})
    code, out, err = run_baton(Path(repo.working_tree_dir), "--executor", "docker")
    assert code == 0, out + err
    assert f"docker ({shell_image})" in out


def test_working_tree_by_default_and_exactly_head_with_committed(
    git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]
) -> None:
    repo = git_repo({".github/workflows/ci.yml": MANY, "word.txt": "committed\n"})
    root = Path(repo.working_tree_dir)
    (root / "word.txt").write_text("uncommitted\n")
    code, out, _ = run_baton(root, "--executor", "local", "--format", "json")
    assert code == 0
    legs = [j for j in json.loads(out)["jobs"] if j["id"] == "second"]
    assert {leg["name"] for leg in legs} == {"second (1)", "second (2)"}
    assert {leg["matrix"]["n"] for leg in legs} == {1, 2}
    first = next(j for j in json.loads(out)["jobs"] if j["id"] == "first")
    assert first["outputs"] == {"word": "uncommitted"}
    code, out, _ = run_baton(root, "--executor", "local", "--committed", "--format", "json")
    assert next(j for j in json.loads(out)["jobs"] if j["id"] == "first")["outputs"] == {"word": "committed"}
    assert (root / "word.txt").read_text() == "uncommitted\n", "the user's checkout is never written to"


def test_job_flag_runs_the_job_and_what_it_needs(git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]) -> None:
    repo = git_repo({".github/workflows/ci.yml": MANY, "word.txt": "w\n"})
    code, out, _ = run_baton(Path(repo.working_tree_dir), "--executor", "local", "-j", "second", "--format", "json")
    assert code == 0
    assert sorted({j["id"] for j in json.loads(out)["jobs"]}) == ["first", "second"]


def test_json_document_schema(git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]) -> None:
    repo = git_repo({".github/workflows/ci.yml": MANY})  # no word.txt: the first step fails, continues
    code, out, _ = run_baton(Path(repo.working_tree_dir), "--executor", "local", "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["status"] == "failure"
    assert set(document) == {"status", "runs", "jobs"}
    first = next(j for j in document["jobs"] if j["id"] == "first")
    assert set(first) == {"id", "key", "name", "workflow", "matrix", "conclusion", "outputs", "reason", "summary", "attempt",
                          "failed_attempts", "steps"}
    assert first["attempt"] == 1 and first["failed_attempts"] == []
    assert first["conclusion"] == "failure"
    step = first["steps"][1]
    assert set(step) == {"id", "name", "outcome", "conclusion", "outputs", "duration", "log"}
    assert (step["id"], step["outcome"], step["conclusion"]) == ("w", "failure", "success")
    assert Path(step["log"]).read_text().strip().startswith("cat: ")
    assert next(j for j in document["jobs"] if j["id"] == "second")["conclusion"] == "skipped"


def test_dry_run_runs_nothing(git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    repo = git_repo({".github/workflows/ci.yml": MANY})
    code, out, _ = run_baton(Path(repo.working_tree_dir), "--dry-run")
    assert code == 0
    assert "second (1)" in out and "needs: first" in out
    assert not (tmp_path / "home" / "baton.db").exists()


def test_a_run_says_which_settings_it_ignores(git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]) -> None:
    workflow = "on: push\nconcurrency: ci\njobs:\n  a: {runs-on: ubuntu-latest, permissions: read-all, steps: [{run: 'true'}]}\n"
    repo = git_repo({".github/workflows/ci.yml": workflow})
    code, out, _ = run_baton(Path(repo.working_tree_dir), "--dry-run")
    assert code == 0
    assert "baton: note: .github/workflows/ci.yml: baton does not apply 'concurrency' (the workflow), 'permissions' (job a); ignored" in out


def test_invalid_workflow_is_reported_with_positions(git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]) -> None:
    repo = git_repo({".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - nme: x\n"})
    code, out, err = run_baton(Path(repo.working_tree_dir))
    assert code == 1
    assert ".github/workflows/ci.yml:6:9: error: unknown key 'nme' in a step; did you mean 'name'?" in err


@pytest.mark.docker
def test_an_image_that_cannot_be_had_fails_its_jobs_rather_than_moving_them_here(
    git_repo: Callable[..., Any], docker_client: Any, run_baton: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    marker = tmp_path / "ran-on-this-machine"
    workflow = f"on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch {marker}\n"
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    code, out, err = run_baton(root, "-P", "ubuntu-latest=baton-test/not-here:none", "--pull", "never", "--format", "json")
    assert code == 1 and not marker.exists()
    assert "so its jobs fail rather than run on this machine; map a local image with -P ubuntu-latest=IMAGE" in err
    assert json.loads(out)["jobs"][0]["conclusion"] == "failure"
    code, out, err = run_baton(root, "-P", "ubuntu-latest=nope://builder")
    assert code == 2 and not marker.exists()
    assert "runs-on label 'ubuntu-latest' maps to 'nope://builder', but no executor handles 'nope://' targets" in err
    code, out, err = run_baton(root, "-P", "ubuntu-latest=Not An/Image!")
    assert code == 2 and not marker.exists()
    assert "maps to 'Not An/Image!', which is not a Docker image reference" in err
    assert "Traceback" not in out + err


def test_the_summary_says_why_a_job_did_not_run_in_one_clause(
    git_repo: Callable[..., Any], run_baton: Callable[..., tuple[int, str, str]]
) -> None:
    workflow = "on: push\njobs:\n  win:\n    runs-on: windows-latest\n    steps:\n      - run: 'true'\n"
    root = Path(git_repo({".github/workflows/ci.yml": workflow}).working_tree_dir)
    code, out, err = run_baton(root, "--executor", "local")
    assert code == 0, err
    row = next(line for line in (out + err).splitlines() if line.split()[:2] == ["win", "skipped"])
    assert row.rstrip().endswith("no executor for runs-on ['windows-latest']")
    assert "map a label with -P LABEL=IMAGE" in out + err  # the job's own line says how to fix it
