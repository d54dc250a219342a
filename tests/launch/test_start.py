"""Starting runs below the CLI (what the watch service calls): headless, recorded, from a commit."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from plugins.executors.docker import DockerExecutor
from plugins.executors.local import LocalExecutor
from runner.api import JobSpec, Session
from runner.engine.capacity import Capacity
from runner.engine.placement import Placement
from runner.errors import ExecutorError
from runner.events import Event, JobFinished, JobStarted
from runner.launch import Launch, Trigger, open_runtime, plan_runs, start_runs
from runner.source.repo import read_facts
from runner.status import Conclusion
from runner.store import Store, jobs_of, list_runs
from runner.workflow import parse_file
from tests.cli.test_run_concurrent import PLAIN, WITH_SERVICE
from tests.cli.test_run_concurrent import WORKFLOW as CONCURRENT

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
    monkeypatch.setattr("runner.launch.runtime.HEARTBEAT_SECONDS", 0.05)
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
        assert all((r.repo, r.title) == (None, "one") for r in runs), "the commit's first line"
        assert all(r.trigger["payload"]["before"] == "1" * 40 and r.trigger["inputs"] == {} for r in runs)  # type: ignore[index]
        assert all(j.conclusion == Conclusion.SUCCESS for r in runs for j in jobs_of(store, r.id))
        beats = store.connection.execute("SELECT heartbeat_at FROM runs").fetchall()
        assert all(row[0] is not None for row in beats), "each run beat while it ran"
    # --jobs 1 is the process's: the four jobs of the two runs ran one at a time
    spans = sorted(
        (e.at, next(f.at for f in events if isinstance(f, JobFinished) and (f.run_id, f.job_key) == (e.run_id, e.job_key)))
        for e in events
        if isinstance(e, JobStarted)
    )
    assert len(spans) == 4
    assert all(finished <= started for (_, finished), (started, _) in zip(spans, spans[1:])), spans
    assert not any((tmp_path / "jobs").glob("*/*")), "job folders are removed"


@pytest.mark.docker
async def test_several_launches_side_by_side_in_one_process_share_executors_and_the_store(
    git_repo: Callable[..., Any], shell_image: str, docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    launches = []
    for n in range(4):
        other = WITH_SERVICE.format(image=shell_image) if n == 0 else PLAIN
        repo = git_repo({".github/workflows/ci.yml": CONCURRENT.format(n=n, other=other), "marker.txt": f"{n}\n"})
        root = Path(repo.working_tree_dir)
        workflow = parse_file(root / ".github" / "workflows" / "ci.yml", display=".github/workflows/ci.yml")
        launch = Launch(trigger=Trigger(event_name="push", facts=read_facts(root)), workflows=(workflow,))
        launches += [launch, launch]  # two runs of each repository, as two pushes would start
    executors = {"local": LocalExecutor({}), "docker": DockerExecutor({})}
    placement = Placement.build(container_executor="docker", images={"ubuntu-latest": shell_image})
    async with open_runtime(executors=executors, placement=placement, capacity=Capacity(8), pull="never") as runtime:
        results = await asyncio.gather(*(start_runs(runtime, launch) for launch in launches))
    assert results == [(Conclusion.SUCCESS,)] * 8
    with Store.open() as store:
        runs = list_runs(store)
        assert all(j.conclusion == Conclusion.SUCCESS for r in runs for j in jobs_of(store, r.id))
        assert sum(len(jobs_of(store, r.id)) for r in runs) == 8 * 3
    assert sorted(r.number for r in runs) == list(range(1, 9))
    ids = {r.id for r in runs}
    left = [
        item
        for listing in (docker_client.api.containers(all=True, filters={"label": "baton.run"}),
                        docker_client.api.networks(filters={"label": "baton.run"}))
        for item in listing
        if (item.get("Labels") or {}).get("baton.run") in ids
    ]  # fmt: skip
    assert left == []


class SweepingExecutor(LocalExecutor):
    """A local executor whose garbage collection waits until a job's session has closed,
    or fails with ``failure``."""

    def __init__(self, options: dict[str, Any], failure: str | None = None) -> None:
        super().__init__(options)
        self.failure = failure
        self.job_done = asyncio.Event()

    @asynccontextmanager
    async def session(self, job: JobSpec) -> AsyncIterator[Session]:
        async with super().session(job) as session:
            yield session
        self.job_done.set()

    async def collect_garbage(self, active_runs: Any) -> list[str]:
        if self.failure is not None:
            raise ExecutorError(self.failure)
        async with asyncio.timeout(30):
            await self.job_done.wait()
        return ["folder /nowhere (run dead)"]


ONE_JOB = """\
name: one
on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: "true"
"""


async def _run_one(tmp_path: Path, executor: LocalExecutor) -> tuple[tuple[Conclusion, ...], list[str]]:
    root = tmp_path / "one"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "one.yml").write_text(ONE_JOB)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    workflow = parse_file(root / ".github" / "workflows" / "one.yml", display=".github/workflows/one.yml")
    launch = Launch(trigger=Trigger(event_name="push", facts=read_facts(root)), workflows=(workflow,))
    notes: list[str] = []
    async with open_runtime(executors={"local": executor}, placement=Placement.build(container_executor=None, images={}),
                            capacity=Capacity(1), notify=notes.append) as runtime:
        return await start_runs(runtime, launch), notes


async def test_garbage_collection_runs_beside_the_runs_not_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    executor = SweepingExecutor({"host_dir": str(tmp_path / "jobs")})
    conclusions, notes = await _run_one(tmp_path, executor)
    assert conclusions == (Conclusion.SUCCESS,)  # the job ran while the sweep waited for it
    assert notes == ["removed folder /nowhere (run dead), left behind by a process that died"], "the sweep ended too"


async def test_a_failed_garbage_collection_is_told_and_the_runs_go_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    executor = SweepingExecutor({"host_dir": str(tmp_path / "jobs")}, failure="Docker engine is not reachable")
    conclusions, notes = await _run_one(tmp_path, executor)
    assert conclusions == (Conclusion.SUCCESS,) and executor.job_done.is_set()
    assert notes == ["garbage collection failed, leftovers of dead processes stay for the next run: "
                     "Docker engine is not reachable"]
