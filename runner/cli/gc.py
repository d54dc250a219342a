"""``baton gc``: remove what runs whose process died left behind, and artifacts past their retention."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from runner.artifact_store import ArtifactStore
from runner.cache_store import remove_stale_saves
from runner.cli.paths import repository_root
from runner.config import load_config
from runner.errors import ExecutorError
from runner.registry import build_executor, executor_classes, plugin_manager
from runner.store import Store, active_run_ids, recover
from runner.source.snapshot import remove_stale_snapshots


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton gc``."""
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when there is nothing to remove")


def run(args: argparse.Namespace) -> int:
    """Mark dead runs interrupted, then let every executor remove their leftovers (on the
    SSH hosts of the current repository's and the user's baton.toml too); then remove the
    artifacts whose retention ended."""
    with Store.open() as store:
        recovered = recover(store)
        active = active_run_ids(store)
        home = store.home
    for run_id in recovered:
        print(f"run {run_id}: marked interrupted (its process is gone)")
    removed = asyncio.run(_collect(active)) + remove_stale_snapshots() + ArtifactStore(home).remove_expired() + remove_stale_saves(home)
    for line in removed:
        print(line)
    if not removed and not recovered and not args.quiet:
        print("nothing to remove")
    return 0


async def _collect(active: frozenset[str]) -> list[str]:
    classes = executor_classes(plugin_manager())
    settings = load_config(repository_root(Path.cwd())).executors  # SSH hosts live in baton.toml
    lines: list[str] = []
    for name in sorted(classes):
        executor = build_executor(classes, name, settings.get(name, {}))
        try:
            await executor.check()
        except ExecutorError:
            continue  # nothing of this kind can be left where the executor cannot reach
        lines.extend(await executor.collect_garbage(active))
    return lines
