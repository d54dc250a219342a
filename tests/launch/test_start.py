"""Starting runs below the CLI (what the watch service calls): headless, recorded, from a commit."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from plugins.executors.local import LocalExecutor
from runner.engine.capacity import Capacity
from runner.engine.placement import Placement
from runner.events import Event, JobFinished, JobStarted
from runner.launch import Launch, Trigger, open_runtime, plan_runs, start_runs
from runner.source.repo import read_facts
from runner.status import Conclusion
from runner.store import Store, jobs_of, list_runs
from runner.workflow import parse_file

WORKFLOW = """\
name: {name}
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test "$(cat version.txt)" = committed
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: sleep 0.1
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose commit says ``committed`` and whose working tree says otherwise."""
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    for name in ("one", "two"):
        (root / ".github" / "workflows" / f"{name}.yml").write_text(WORKFLOW.format(name=name))
    (root / "version.txt").write_text("committed\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    (root / "version.txt").write_text("changed, not committed\n")
    return root


async def test_a_headless_launch_runs_a_commit_records_its_runs_and_prints_nothing_one_job_at_a_time(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    facts = read_facts(repo)
    workflows = tuple(parse_file(p, display=f".github/workflows/{p.name}") for p in sorted((repo / ".github" / "workflows").iterdir()))
    launch = Launch(
        trigger=Trigger(event_name="push", payload={"before": "1" * 40}, facts=facts, commit=facts.sha),
        workflows=workflows,
    )
    planned = plan_runs(launch)
    assert [p.workflow.display_name for p in planned] == ["one", "two"]
    executor = LocalExecutor({"host_dir": str(tmp_path / "jobs")})
    notes: list[str] = []
    events: list[Event] = []
    async with open_runtime(
        executors={"local": executor},
        placement=Placement.build(container_executor=None, images={}),
        capacity=Capacity(1),
        notify=notes.append,
    ) as runtime:
        runtime.bus.subscribe(events.append)
        conclusions = await start_runs(runtime, launch, planned)
    assert conclusions == (Conclusion.SUCCESS, Conclusion.SUCCESS)
    assert capsys.readouterr() == ("", "")
    with Store.open() as store:
        runs = list_runs(store)
        assert sorted(r.number for r in runs) == [1, 2]
        assert {r.id for r in runs} == {p.run_id for p in planned}
        assert all(r.sha == facts.sha for r in runs)
        assert all(j.conclusion == Conclusion.SUCCESS for r in runs for j in jobs_of(store, r.id))
    # --jobs 1 is the process's: the four jobs of the two runs ran one at a time
    spans = sorted(
        (e.at, next(f.at for f in events if isinstance(f, JobFinished) and (f.run_id, f.job_key) == (e.run_id, e.job_key)))
        for e in events
        if isinstance(e, JobStarted)
    )
    assert len(spans) == 4
    assert all(finished <= started for (_, finished), (started, _) in zip(spans, spans[1:])), spans
    assert not any((tmp_path / "jobs").glob("*/*")), "job folders are removed"
