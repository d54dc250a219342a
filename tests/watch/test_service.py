"""The service in this process against a real bare repository: real pushes start runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.errors import BatonError
from runner.status import Conclusion
from runner.store import Store, jobs_of, steps_of
from tests.watch.conftest import Remote, git, watching

CI = """\
name: CI
on:
  push:
    branches: [main, "feat/**"]
    paths-ignore: ["docs/**"]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          test "$(cat version.txt)" = "{version}"
          echo "forced=${{{{ github.event.forced }}}} created=${{{{ github.event.created }}}} commits=${{{{ join(github.event.commits.*.message, ',') }}}}"
"""

RELEASE = """\
name: Release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: echo "tag ${{ github.ref_name }} at ${{ github.sha }}"
"""


def log_of(home: Path, run_id: str) -> str:
    """Every line the run's steps printed."""
    with Store.open(home) as store:
        lines = []
        for job in jobs_of(store, run_id):  # type: ignore[arg-type]
            for step in steps_of(store, job.run_id, job.job_key):
                if step.log_path:
                    lines.append(store.log_file(step.log_path).read_text())
        return "".join(lines)


async def test_pushes_start_runs_of_the_head_only_and_first_sight_builds_nothing(
    remote: Remote, service: Callable[..., Any], home: Path, no_stray_processes: None
) -> None:
    remote.commit({".github/workflows/ci.yml": CI.format(version="1"), "version.txt": "1\n"}, "one")
    remote.push("main")
    remote.push("main:old")
    remote.push("main:refs/tags/v0")
    async with service([watching(remote)]) as running:
        await running.poll()
        assert running.runs() == []
        assert "watching app: 2 branches, 1 tag" in running.lines

        # three commits pushed at once: one run, for the head; the payload lists all three
        remote.commit({"version.txt": "2\n"}, "two")
        remote.commit({}, "three")
        head = remote.commit({".github/workflows/ci.yml": CI.format(version="2")}, "four")
        remote.push("main")
        (run,) = await running.runs_settled(1)
        assert (run.repo, run.ref, run.sha, run.title, run.event, run.conclusion) == (
            "app", "refs/heads/main", head, "four", "push", Conclusion.SUCCESS,
        )  # fmt: skip
        assert 'forced=false created=false commits=two,three,four' in log_of(home, run.id)
        payload = run.trigger["payload"]
        assert isinstance(payload, dict) and payload["after"] == head and payload["head_commit"]["id"] == head  # type: ignore[index]

        # a branch not in the filter, a deleted branch, and a docs-only push build nothing
        remote.push("main:other")
        remote.push(":old")
        remote.commit({"docs/readme.md": "docs\n"}, "docs only")
        remote.push("main")
        await running.poll()
        assert len(running.runs()) == 1
        assert any("deleted branch old: nothing to build" in line for line in running.lines)

        # a new branch: its changed paths come from its merge-base with main (docs only: nothing)
        remote.checkout("feat/docs", new=True)
        remote.commit({"docs/more.md": "more\n"}, "more docs")
        remote.push("feat/docs")
        await running.poll()
        assert len(running.runs()) == 1
        remote.commit({"src.txt": "code\n"}, "code")
        remote.push("feat/docs")
        second = (await running.runs_settled(2))[1]
        assert (second.ref, second.conclusion) == ("refs/heads/feat/docs", Conclusion.SUCCESS)


async def test_force_push_new_branch_and_tags(remote: Remote, service: Callable[..., Any], home: Path) -> None:
    remote.commit({".github/workflows/ci.yml": CI.format(version="1"), ".github/workflows/release.yml": RELEASE,
                   "version.txt": "1\n"}, "one")  # fmt: skip
    remote.push("main")
    async with service([watching(remote)]) as running:
        await running.poll()
        remote.checkout("feat/a", new=True)
        remote.commit({"a.txt": "a\n"}, "on feat/a")
        remote.push("feat/a")
        created = (await running.runs_settled(1))[0]
        assert 'created=true commits=on feat/a' in log_of(home, created.id)

        git(remote.work, "reset", "-q", "--hard", "HEAD~1")
        rewritten = remote.commit({"b.txt": "b\n"}, "rewritten")
        remote.push("feat/a", force=True)
        forced = (await running.runs_settled(2))[1]
        assert forced.sha == rewritten
        assert "forced=true" in log_of(home, forced.id)

        git(remote.work, "tag", "-a", "v1.0", "-m", "release 1.0")
        remote.push("v1.0")
        tagged = (await running.runs_settled(3))[2]
        assert (tagged.workflow, tagged.ref, tagged.sha) == ("Release", "refs/tags/v1.0", rewritten)
        assert f"tag v1.0 at {rewritten}" in log_of(home, tagged.id)

        git(remote.work, "tag", "-f", "-a", "v1.0", "-m", "moved", "main")
        remote.push("v1.0", force=True)
        moved = (await running.runs_settled(4))[3]
        assert moved.ref == "refs/tags/v1.0" and moved.sha != rewritten
        remote.push(":refs/tags/v1.0")
        await running.poll()
        assert len(running.runs()) == 4


async def test_an_invalid_workflow_becomes_a_failed_run_showing_located_errors(
    remote: Remote, service: Callable[..., Any], home: Path
) -> None:
    remote.commit({".github/workflows/ci.yml": CI.format(version="1"), "version.txt": "1\n"}, "one")
    remote.push("main")
    async with service([watching(remote)]) as running:
        await running.poll()
        remote.commit({".github/workflows/broken.yml": "on: push\njobs:\n  build:\n    runs-on: x\n    stepz: []\n"}, "broken")
        remote.push("main")
        runs = await running.runs_settled(2)
        by_workflow = {r.workflow: r for r in runs}
        broken = by_workflow[".github/workflows/broken.yml"]
        assert broken.conclusion is Conclusion.FAILURE
        assert ".github/workflows/broken.yml:5:5: error:" in log_of(home, broken.id)
        assert by_workflow["CI"].conclusion is Conclusion.SUCCESS

        # a huge one is refused unread; the service goes on
        remote.commit({".github/workflows/broken.yml": None, ".github/workflows/huge.yml": "# " + "x" * 5_000_000 + "\n"}, "huge")
        remote.push("main")
        runs = await running.runs_settled(4)
        huge = next(r for r in runs if r.workflow == ".github/workflows/huge.yml")
        assert huge.conclusion is Conclusion.FAILURE
        assert "a workflow may be at most 4,194,304 bytes" in log_of(home, huge.id)


DISPATCHED = """\
name: Deploy
on:
  workflow_dispatch:
    inputs:
      target: {type: choice, options: [staging, prod], required: true}
      dry: {type: boolean, default: false}
      count: {type: number, default: 1}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo "target=${{ inputs.target }} dry=${{ inputs.dry }} count=${{ inputs.count }} event=${{ github.event.inputs.target }}"
"""


async def test_dispatch_checks_typed_inputs(remote: Remote, service: Callable[..., Any], home: Path) -> None:
    remote.commit({".github/workflows/deploy.yml": DISPATCHED}, "one")
    remote.push("main")
    async with service([watching(remote)]) as running:
        await running.poll()
        api = running.service
        for inputs, message in (
            ({}, "input 'target' of .github/workflows/deploy.yml is required"),
            ({"target": "moon"}, "must be one of staging, prod, not 'moon'"),
            ({"target": "prod", "dry": "maybe"}, "must be true or false"),
            ({"target": "prod", "count": "many"}, "must be a number"),
            ({"target": "prod", "colour": "red"}, "has no input 'colour'"),
        ):
            with pytest.raises(BatonError, match=message):
                await api.dispatch("app", "deploy.yml", ref=None, inputs=inputs)
        with pytest.raises(BatonError, match="no workflow 'nope'"):
            await api.dispatch("app", "nope", ref=None, inputs={})
        with pytest.raises(BatonError, match="no watched repository 'other'"):
            await api.dispatch("other", "deploy.yml", ref=None, inputs={})
        run_id = await api.dispatch("app", "deploy.yml", ref="main", inputs={"target": "prod", "dry": "true"})
        (run,) = await running.runs_settled(1)
        assert (run.id, run.event, run.conclusion) == (run_id, "workflow_dispatch", Conclusion.SUCCESS)
        assert "target=prod dry=true count=1 event=prod" in log_of(home, run.id)
        assert run.trigger["inputs"] == {"target": "prod", "dry": "true"}
        assert json.dumps(run.trigger)  # plain JSON, enough to re-run

        again = await api.rerun(run.id, is_failed_only=False)
        await running.until(lambda: all(r.is_completed and r.attempt == 2 for r in running.runs()), "attempt 2 ended")
        (rerun,) = running.runs()
        assert (rerun.id, rerun.attempt, rerun.sha, rerun.event) == (again, 2, run.sha, "workflow_dispatch")
        assert "target=prod dry=true" in log_of(home, rerun.id)
