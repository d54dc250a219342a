"""The service's schedules, concurrency groups, secrets and variables, remotes, and bad days."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from runner.status import Conclusion, Status
from runner.store import Store, list_runs
from tests.watch.conftest import Remote, git, watching
from tests.watch.test_service import log_of

NIGHTLY = """\
name: Nightly
on:
  schedule:
    - cron: "0 3 * * *"
jobs:
  night:
    runs-on: ubuntu-latest
    steps:
      - run: echo "schedule=${{ github.event.schedule }} ref=${{ github.ref }}"
"""


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


async def test_a_schedule_runs_on_its_tick_and_missed_ticks_run_once(
    remote: Remote, service: Callable[..., Any], home: Path
) -> None:
    remote.commit({".github/workflows/nightly.yml": NIGHTLY}, "one")
    remote.push("main")
    now = [at("2026-12-01T12:00:00")]
    async with service([watching(remote)], clock=lambda: now[0]) as running:
        await running.poll()
        assert running.runs() == [], "a schedule first seen waits for its next tick"
        now[0] = at("2026-12-02T03:00:30")
        await running.poll()
        (run,) = await running.runs_settled(1)
        assert (run.event, run.ref, run.conclusion) == ("schedule", "refs/heads/main", Conclusion.SUCCESS)
        assert "schedule=0 3 * * * ref=refs/heads/main" in log_of(home, run.id)
        await running.poll()
        assert len(running.runs()) == 1
    # down for three nights: one run at start, not three
    now[0] = at("2026-12-05T09:00:00")
    async with service([watching(remote)], clock=lambda: now[0]) as running:
        await running.poll()
        runs = await running.runs_settled(2)
        assert runs[1].event == "schedule"
        await running.poll()
        assert len(running.runs()) == 2


GROUPED = """\
name: Deploy
on: push
concurrency:
  group: deploy-${{{{ github.ref }}}}
  cancel-in-progress: {cancel}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo started > {marks}/$(git log -1 --format=%s)
          while [ ! -f {marks}/go ]; do sleep 0.05; done
"""


def _grouped(remote: Remote, tmp_path: Path, *, cancel: str) -> Path:
    """Push the grouped workflow (``cancel-in-progress: cancel``); the folder its runs mark."""
    marks = tmp_path / "marks"
    marks.mkdir()
    remote.commit({".github/workflows/deploy.yml": GROUPED.format(cancel=cancel, marks=marks)}, "one")
    remote.push("main")
    return marks


async def _first_running(running: Any, remote: Remote, marks: Path) -> None:
    """Past the first sight, push a commit titled ``first`` and wait until its run is in its step."""
    await running.poll()
    remote.commit({}, "first")
    remote.push("main")
    await running.until(lambda: (marks / "first").exists(), "the first run to start")


async def test_a_concurrency_group_runs_one_and_the_newest_pending(
    remote: Remote, service: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    marks = _grouped(remote, tmp_path, cancel="false")
    async with service([watching(remote)]) as running:
        await _first_running(running, remote, marks)
        for title in ("second", "third"):
            remote.commit({}, title)
            remote.push("main")
            await running.poll()
        runs = {r.title: r for r in running.runs()}
        assert runs["second"].conclusion is Conclusion.CANCELLED, "replaced by the newer pending run"
        assert runs["third"].status is Status.QUEUED and not (marks / "third").exists()
        (marks / "go").write_text("")
        runs_done = {r.title: r for r in await running.runs_settled(3)}
        assert [runs_done[t].conclusion for t in ("first", "second", "third")] == [
            Conclusion.SUCCESS, Conclusion.CANCELLED, Conclusion.SUCCESS,
        ]  # fmt: skip
        assert runs_done["second"].started_at is None


async def test_cancel_in_progress_cancels_the_running_run(
    remote: Remote, service: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    marks = _grouped(remote, tmp_path, cancel="true")
    async with service([watching(remote)]) as running:
        await _first_running(running, remote, marks)
        remote.commit({}, "second")
        remote.push("main")
        await running.until(lambda: (marks / "second").exists(), "the second run to start")
        (marks / "go").write_text("")
        runs = {r.title: r for r in await running.runs_settled(2)}
        assert (runs["first"].conclusion, runs["second"].conclusion) == (Conclusion.CANCELLED, Conclusion.SUCCESS)


SECRETIVE = """\
name: Secrets
on: push
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "token=${{ secrets.DEPLOY_TOKEN }} api=${{ secrets.API_KEY }} missing=[${{ secrets.NOBODY_SET }}]"
          echo "stage=${{ vars.STAGE }} region=${{ vars.REGION }}"
"""


async def test_secrets_and_vars_of_a_repository_are_masked_and_unset_ones_warned(
    remote: Remote, service: Callable[..., Any], home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets_file = tmp_path / "app.secrets"
    secrets_file.write_text("DEPLOY_TOKEN=tok-very-secret-1\n")
    secrets_file.chmod(0o600)
    vars_file = tmp_path / "app.vars"
    vars_file.write_text("REGION=eu\n")
    monkeypatch.setenv("API_KEY", "key-very-secret-2")
    remote.commit({".github/workflows/secrets.yml": SECRETIVE}, "one")
    remote.push("main")
    settings = watching(remote, secrets_file=secrets_file, secrets_env=("API_KEY",), vars_file=vars_file, vars={"STAGE": "prod"})
    async with service([settings]) as running:
        await running.poll()
        remote.commit({}, "two")
        remote.push("main")
        (run,) = await running.runs_settled(1)
        log = log_of(home, run.id)
        assert "token=*** api=*** missing=[]" in log
        assert "stage=prod region=eu" in log
        assert "secret NOBODY_SET is not configured for app" in log
        assert "very-secret" not in log and "very-secret" not in " ".join(running.lines)
        store_bytes = b"".join(p.read_bytes() for p in home.glob("baton.db*"))
        assert b"very-secret" not in store_bytes

        # a secrets file others can read is refused: the push waits, said once, until it is fixed
        secrets_file.chmod(0o644)
        remote.commit({}, "three")
        remote.push("main")
        await running.until(lambda: any("may be read by others" in line for line in running.lines), "the refusal")
        assert not running.service.watches["app"].state().is_healthy
        assert "chmod 600" in running.service.watches["app"].state().problem
        secrets_file.chmod(0o600)
        await running.runs_settled(2)


async def test_a_bad_repository_is_one_line_and_the_others_go_on(
    remote: Remote, service: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    remote.commit({".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n"}, "one")
    remote.push("main")
    plain = tmp_path / "plain"
    plain.mkdir()
    repos = [
        watching(remote, name="gone", path=tmp_path / "missing.git"),
        watching(remote, name="plain", path=plain),
        watching(remote),
    ]
    async with service(repos) as running:
        await running.poll()
        remote.commit({}, "two")
        remote.push("main")
        (run,) = await running.runs_settled(1)
        assert run.repo == "app"
        states = {state.name: state for state in running.service.status()}
        assert not states["gone"].is_healthy and "does not exist" in states["gone"].problem
        assert not states["plain"].is_healthy and "is not a git repository" in states["plain"].problem
        assert states["app"].is_healthy and states["app"].refs == 1
        assert sum(1 for line in running.lines if "gone:" in line) == 1, "said once, retried quietly"
        # the path appears: it heals
        shutil.copytree(remote.bare, tmp_path / "missing.git")
        running.service.poke("gone")
        await running.until(lambda: running.service.watches["gone"].state().is_healthy, "gone to heal")
        assert any(line == "gone: healthy again" for line in running.lines)


async def test_a_remote_is_fetched_into_batons_mirror_with_a_forced_refspec(
    remote: Remote, service: Callable[..., Any], home: Path
) -> None:
    remote.commit({".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: cat f.txt\n",
                   "f.txt": "one\n"}, "one")  # fmt: skip
    remote.push("main")
    url = f"file://{remote.bare}"
    async with service([watching(remote, path=None, url=url)]) as running:
        await running.poll()
        mirror = home / "mirrors" / "app.git"
        assert (mirror / "HEAD").is_file() and running.runs() == []
        git(remote.work, "commit", "-q", "--amend", "-m", "rewritten")
        remote.commit({"f.txt": "two\n"}, "two")
        remote.push("main", force=True)
        (run,) = await running.runs_settled(1)
        assert (run.title, run.conclusion) == ("two", Conclusion.SUCCESS)
        assert "two" in log_of(home, run.id)
        assert git(mirror, "rev-parse", "refs/heads/main") == run.sha
        assert run.trigger["payload"]["forced"] is True  # type: ignore[index]

        # the remote goes away: one line, and the service goes on
        remote.bare.rename(remote.bare.with_suffix(".moved"))
        running.service.poke("app")
        await running.until(lambda: not running.service.watches["app"].state().is_healthy, "the fetch to fail")
        assert "git fetch failed" in running.service.watches["app"].state().problem


@pytest.mark.docker
async def test_a_push_runs_its_job_in_docker(
    remote: Remote, home: Path, shell_image: str, docker_client: Any
) -> None:
    from plugins.executors.docker import DockerExecutor
    from plugins.executors.local import LocalExecutor
    from runner.engine.capacity import Capacity
    from runner.engine.placement import Placement
    from runner.launch import open_runtime
    from runner.watch.service import Service
    from tests.watch.conftest import Running

    remote.commit({".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n      - run: cat f.txt; test -f /.dockerenv\n", "f.txt": "in docker\n"}, "one")  # fmt: skip
    remote.push("main")
    async with open_runtime(
        executors={"docker": DockerExecutor({}), "local": LocalExecutor({})},
        placement=Placement.build(container_executor="docker", images={"ubuntu-latest": shell_image}),
        capacity=Capacity(2),
        pull="never",
        home=home,
    ) as runtime:
        running = Running(service=Service(runtime, [watching(remote)], say=lambda line: running.lines.append(line)), home=home)
        stop = asyncio.Event()
        task = asyncio.create_task(running.service.serve(stop))
        try:
            await running.poll()
            remote.commit({}, "two")
            remote.push("main")
            (run,) = await running.runs_settled(1)
            assert run.conclusion is Conclusion.SUCCESS, log_of(home, run.id)
            assert "in docker" in log_of(home, run.id)
        finally:
            stop.set()
            await task
    with Store.open(home) as store:
        assert len(list_runs(store)) == 1
    assert docker_client.api.containers(all=True, filters={"label": f"baton.run={run.id}"}) == []



JOB_GROUPED = """\
name: Ship
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo building
  ship:
    needs: build
    runs-on: ubuntu-latest
    concurrency: ship
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo started > {marks}/$(git log -1 --format=%s)
          while [ ! -f {marks}/go ]; do sleep 0.05; done
"""


async def test_a_jobs_concurrency_group_spans_runs(
    remote: Remote, service: Callable[..., Any], home: Path, tmp_path: Path
) -> None:
    from runner.store import jobs_of

    marks = tmp_path / "marks"
    marks.mkdir()
    remote.commit({".github/workflows/ship.yml": JOB_GROUPED.format(marks=marks)}, "one")
    remote.push("main")
    async with service([watching(remote)]) as running:
        await running.poll()
        remote.commit({}, "first")
        remote.push("main")
        await running.until(lambda: (marks / "first").exists(), "the first ship job")
        for title in ("second", "third"):
            remote.commit({}, title)
            remote.push(f"main:{title}")
            await running.until(lambda: any(r.title == title for r in running.runs()), f"run {title}")

        def is_one_replaced() -> bool:  # both later ship jobs met the group: the older waiter is replaced
            with Store.open(home) as store:
                return any(j.job_id == "ship" and j.status is Status.COMPLETED
                           for r in running.runs() if r.title in ("second", "third") for j in jobs_of(store, r.id))

        await running.until(is_one_replaced, "a ship job replaced in its group")
        (marks / "go").write_text("")
        runs = {r.title: r for r in await running.runs_settled(3)}
        with Store.open(home) as store:
            ship = {title: next(j for j in jobs_of(store, r.id) if j.job_id == "ship") for title, r in runs.items()}
        assert ship["first"].conclusion is Conclusion.SUCCESS
        assert ship["second"].conclusion is Conclusion.CANCELLED
        assert "replaced by a newer job of concurrency group 'ship'" in ship["second"].reason
        assert ship["third"].conclusion is Conclusion.SUCCESS
        assert not (marks / "second").exists()


async def test_odd_trees_and_ref_names_build_what_they_can(remote: Remote, service: Callable[..., Any], home: Path) -> None:
    remote.commit({".github/workflows": "not a folder\n"}, "one")
    remote.push("main")
    async with service([watching(remote)]) as running:
        await running.poll()
        remote.commit({}, "two")
        remote.push("main")
        await running.poll()
        assert running.runs() == [] and running.service.watches["app"].state().is_healthy
        remote.commit({".github/workflows": None, ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
                       "    steps:\n      - run: echo 'ref=${{ github.ref_name }}'\n"}, "three")  # fmt: skip
        remote.push("main:refs/heads/feat/ünï-$x")
        (run,) = await running.runs_settled(1)
        assert run.ref == "refs/heads/feat/ünï-$x" and "ref=feat/ünï-$x" in log_of(home, run.id)
