"""Fixtures of the watch tests: a real bare repository people push to (through a clone,
with real ``git push``), a baton home, and the service running in this process on the
host executor."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from plugins.executors.local import LocalExecutor
from runner.engine.capacity import Capacity
from runner.engine.placement import Placement
from runner.launch import open_runtime
from runner.store import RunRecord, Store, list_runs
from runner.watch.service import Service
from runner.watch.settings import RepoSettings

WORKFLOWS = ".github/workflows"
DEADLINE = 30.0


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd``; its output."""
    result = subprocess.run(
        ["git", "-c", "user.name=Pusher", "-c", "user.email=pusher@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


@dataclass
class Remote:
    """A bare repository and a clone to push from."""

    bare: Path
    work: Path

    def commit(self, files: dict[str, str | None], message: str) -> str:
        """Write (or, for None, delete) files in the clone and commit them; the new sha."""
        for name, content in files.items():
            path = self.work / name
            if content is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
        git(self.work, "add", "--all")
        git(self.work, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.work, "rev-parse", "HEAD")

    def push(self, *refspecs: str, force: bool = False) -> None:
        """``git push origin REFSPEC...``."""
        git(self.work, "push", "-q", *(["--force"] if force else []), "origin", *refspecs)

    def checkout(self, branch: str, *, new: bool = False, start: str | None = None) -> None:
        git(self.work, "checkout", "-q", *(["-b"] if new else []), branch, *([start] if start else []))


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    """An empty bare repository (default branch ``main``) and its clone."""
    bare = tmp_path / "app.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, capture_output=True)
    git(work, "checkout", "-q", "-b", "main")
    return Remote(bare=bare, work=work)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A baton home of its own (also ``$BATON_HOME``), and no user baton.toml."""
    folder = tmp_path / "baton-home"
    monkeypatch.setenv("BATON_HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return folder


@dataclass
class Running:
    """A service running in this process, and what it said."""

    service: Service
    home: Path
    lines: list[str] = field(default_factory=list)

    def runs(self) -> list[RunRecord]:
        """Every recorded run, oldest first."""
        with Store.open(self.home) as store:
            return list(reversed(list_runs(store, limit=1000)))

    async def until(self, check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
        """Wait for ``check()`` to hold (polling), failing with ``what`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; runs: {[(r.workflow, r.ref, r.conclusion) for r in self.runs()]}; log: {self.lines}")
            await asyncio.sleep(0.05)

    async def runs_settled(self, count: int) -> list[RunRecord]:
        """Wait until exactly ``count`` runs exist and all have ended; they, oldest first."""
        await self.until(lambda: len(self.runs()) >= count and all(r.is_completed for r in self.runs()), f"{count} finished runs")
        await asyncio.sleep(0)
        runs = self.runs()
        assert len(runs) == count, [(r.workflow, r.ref) for r in runs]
        return runs

    async def poll(self) -> None:
        """Poke every repository and wait for a whole poll of each to pass."""
        for watch in self.service.watches.values():
            done = watch.attempts + (2 if watch.attempts else 1)  # the one going on may have begun before the push
            watch.poke()
            await self.until(lambda: watch.attempts >= done or (watch.poke() or False), f"a poll of {watch.name}")


@pytest.fixture
def service(home: Path, tmp_path: Path) -> Callable[..., AsyncIterator[Running]]:
    """``async with service([RepoSettings...], clock=...) as running``: the service on the host executor."""

    @asynccontextmanager
    async def start(repos: list[RepoSettings], clock: Callable[[], float] = time.time) -> AsyncIterator[Running]:
        executor = LocalExecutor({"host_dir": str(tmp_path / "jobs")})
        async with open_runtime(
            executors={"local": executor},
            placement=Placement.build(container_executor=None, images={}),
            capacity=Capacity(4),
            home=home,
        ) as runtime:
            running = Running(service=Service(runtime, repos, say=lambda line: running.lines.append(line), clock=clock), home=home)
            stop = asyncio.Event()
            task = asyncio.create_task(running.service.serve(stop))
            try:
                yield running
            finally:
                stop.set()
                await task

    return start  # type: ignore[return-value]


def watching(remote: Remote, name: str = "app", **changes: object) -> RepoSettings:
    """Settings that watch ``remote``'s bare repository every 0.2 s."""
    values: dict[str, object] = {"name": name, "path": remote.bare, "interval": 0.2}
    values.update(changes)
    return RepoSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def no_stray_processes() -> Iterator[None]:
    """Fails when the test leaves ``git cat-file`` processes behind."""
    before = _cat_files()
    yield
    deadline = time.monotonic() + 5
    while _cat_files() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _cat_files() - before, "git cat-file processes left behind"


def _cat_files() -> set[int]:
    """``git cat-file`` processes that are children of this one."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            is_cat_file = (entry / "cmdline").read_bytes().startswith(b"git\0cat-file")
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if is_cat_file and parent == os.getpid():
            found.add(int(entry.name))
    return found
