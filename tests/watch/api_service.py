"""A small real :class:`ServiceApi` for the local API's tests: it dispatches and cancels
real runs (host executor) of the repositories it is given, through a real runtime.

``python -m tests.watch.api_service HOME NAME=PATH...`` serves it on HOME's socket and
prints ``ready`` once it listens (until SIGTERM).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from plugins.executors.local import LocalExecutor
from runner.engine.capacity import Capacity
from runner.engine.placement import Placement
from runner.errors import UsageError
from runner.launch import Launch, Runtime, Trigger, open_runtime, plan_runs, start_runs
from runner.source.repo import read_facts
from runner.status import RunId
from runner.watch.api_server import serve_api
from runner.watch.service_api import RepoState
from runner.workflow import parse_file


class SmallService:
    """Dispatch and cancel over a real runtime; pokes and re-runs are remembered."""

    def __init__(self, runtime: Runtime, repos: Mapping[str, Path]) -> None:
        self.runtime = runtime
        self.repos = dict(repos)
        self.pokes: list[str | None] = []
        self.tasks: set[asyncio.Task[object]] = set()

    def status(self) -> tuple[RepoState, ...]:
        return tuple(RepoState(name=name, location=str(path), is_healthy=path.is_dir(), problem="" if path.is_dir() else "no such folder") for name, path in self.repos.items())

    def poke(self, repo: str | None) -> None:
        if repo is not None and repo not in self.repos:
            raise UsageError(f"no repository {repo!r} is watched")
        self.pokes.append(repo)

    async def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: Mapping[str, str]) -> RunId:
        root = self.repos.get(repo)
        if root is None:
            raise UsageError(f"no repository {repo!r} is watched")
        path = root / ".github" / "workflows" / workflow
        facts = read_facts(root)
        launch = Launch(
            trigger=Trigger(event_name="workflow_dispatch", facts=facts, commit=facts.sha),
            workflows=(parse_file(path, display=f".github/workflows/{workflow}"),),
            inputs=dict(inputs),
        )
        planned = plan_runs(launch)
        if not planned:
            raise UsageError(f"{workflow} has no on.workflow_dispatch")
        task = asyncio.create_task(start_runs(self.runtime, launch, planned))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        while planned[0].run_id not in self.runtime.running and not task.done():
            await asyncio.sleep(0.01)
        return planned[0].run_id

    async def cancel(self, run_id: RunId) -> str:
        if run_id not in self.runtime.running:
            raise UsageError(f"run {run_id} is not running in this service")
        self.runtime.cancel(run_id)
        return f"cancelling run {run_id}"

    async def rerun(self, run_id: RunId, *, is_failed_only: bool) -> RunId:
        raise UsageError("re-runs are not served by this test service")


async def serve(home: Path, repos: Mapping[str, Path], jobs: Path) -> None:
    """Serve until SIGTERM, saying ``ready`` on stdout once the socket listens."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with open_runtime(
        executors={"local": LocalExecutor({"host_dir": str(jobs)})},
        placement=Placement.build(container_executor=None, images={}),
        capacity=Capacity(2),
        home=home,
    ) as runtime:
        service = SmallService(runtime, repos)
        async with serve_api(service, home=home, bus=runtime.bus):
            print("ready", flush=True)
            await stop.wait()
        runtime.cancel()
        await asyncio.gather(*service.tasks, return_exceptions=True)


if __name__ == "__main__":
    given = dict(arg.split("=", 1) for arg in sys.argv[2:])
    home = Path(sys.argv[1])
    asyncio.run(serve(home, {name: Path(path) for name, path in given.items()}, home.parent / "jobs"))
