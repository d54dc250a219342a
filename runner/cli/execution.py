"""Running what ``baton run`` (or ``baton rerun``) planned: executors, the runtime, the
printer and the summary.

A module of its own so that a dry run (``baton run -n``) imports none of it: not the
executors, the engine's scheduler, the store, the snapshot, nor asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from runner.api import Pull
from runner.cli.executors import prepare
from runner.cli.printer import Printer
from runner.cli.report import json_document, print_summary
from runner.cli.run_setup import parse_platforms
from runner.config import load_config
from runner.engine.capacity import Capacity
from runner.engine.retry import RetryPolicy
from runner.launch import Launch, PlannedRun, RemoteActions, Runtime, open_runtime, provided_node, start_runs
from runner.status import Conclusion
from runner.workflow.text import Text, Tree

if TYPE_CHECKING:
    from runner.launch.notifications import Notifications, Rule

NOTIFY_WAIT_SECONDS = 30
"""How long ``baton run --notify`` waits, once its runs ended, for notifications under way."""


async def execute(args: argparse.Namespace, root: Path, launch: Launch, planned: tuple[PlannedRun, ...]) -> int:
    """Run ``planned`` (of ``launch``, in the repository at ``root``) with the execution
    flags of ``args``, print them as they go and the summary at the end; the exit status:
    0 only if every run succeeded, 130 if one was cancelled."""
    config = load_config(root)
    executor = args.executor or config.executor or "auto"
    pull: Pull = args.pull or config.pull or "missing"
    jobs = args.jobs or config.jobs or os.cpu_count() or 2
    out = sys.stderr if args.format == "json" else sys.stdout
    labels = {label.lower() for one in planned for job in one.plan.jobs.values() for label in _literal_labels(job.job.runs_on)}
    setup = await prepare(executor, {**config.labels, **parse_platforms(args.platform)}, pull, labels, config.executors,
                          sources=" or ".join(str(path) for path in config.files) or "baton.toml")
    for note in setup.notes:
        print(f"baton: {note}", file=out)
    printer = Printer(out, names=[name for one in planned for name in one.leg_names])
    rules: Sequence[Rule] = ()
    if args.notify:
        # Only with --notify: a run that sends no notifications does not import them (0.7 ms).
        from runner.launch.notifications import notification_rules

        rules = notification_rules(config, launch.secrets)
    async with open_runtime(
        executors=setup.executors,
        placement=setup.placement,
        capacity=Capacity(jobs, limits=setup.placement.limits()),
        pull=pull,
        retry=RetryPolicy.configured(config.retry, config.retry_delay),
        notify=lambda line: print(f"baton: {line}", file=out),
        remote=RemoteActions(
            source=args.actions_source or str(config.actions.get("source") or RemoteActions().source),
            is_offline=args.action_offline_mode,
            node=provided_node(str(config.actions.get("node") or "")),
        ),
        not_native=_not_native(args.not_native, config.actions.get("not-native")),
        action_settings=config.actions,
    ) as runtime:
        runtime.bus.subscribe(printer)
        notifications = _notifications(rules, runtime, launch.secrets) if rules else None
        if args.ui:
            from runner.cli.run_ui import run_with_dashboard

            conclusions = await run_with_dashboard(
                runtime, launch, planned, printer, out, lambda work: _until_signalled(runtime, work)
            )
        else:
            conclusions = await _until_signalled(runtime, start_runs(runtime, launch, planned))
        if notifications is not None and not await asyncio.to_thread(notifications.close, NOTIFY_WAIT_SECONDS):
            print(f"baton: notifications still not delivered after {NOTIFY_WAIT_SECONDS} s: given up", file=sys.stderr)
        home = runtime.home
    print_summary(printer, planned, conclusions, out)
    if args.format == "json":
        sys.stdout.write(json_document(printer, planned, conclusions, home) + "\n")
    if Conclusion.CANCELLED in conclusions:
        return 130
    return 0 if all(c == Conclusion.SUCCESS for c in conclusions) else 1


def _notifications(rules: Sequence[Rule], runtime: Runtime, secrets: Mapping[str, str]) -> Notifications:
    """What sends ``rules``' notifications of ``runtime``'s finished runs, listening on its bus."""
    from runner.launch.notifications import Notifications  # with --notify only (imported then above)

    notifications = Notifications(rules, recorder=runtime.recorder, secrets=secrets.values(),
                                  say=lambda line: print(line, file=sys.stderr))
    notifications.attach(runtime.bus)
    return notifications


async def _until_signalled(runtime: Runtime, work: Awaitable[tuple[Conclusion, ...]]) -> tuple[Conclusion, ...]:
    """Await the runs; the first Ctrl-C (or SIGTERM) cancels them cleanly."""
    loop = asyncio.get_running_loop()

    def cancel() -> None:
        print("\nbaton: cancelling: stopping steps and removing containers…", file=sys.stderr)
        runtime.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, cancel)
    try:
        return await work
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)



def _literal_labels(runs_on: Tree) -> list[str]:
    """The labels of a ``runs-on`` without expressions (those are known before the run)."""
    if isinstance(runs_on, Text):
        return [runs_on.source] if runs_on.is_literal else []
    if isinstance(runs_on, list):
        return [item.source for item in runs_on if isinstance(item, Text) and item.is_literal]
    return []


def _not_native(flags: list[str] | None, configured: object) -> list[str]:
    """The native actions switched off by ``--not-native`` (comma-separated too) and baton.toml."""
    names = [name for flag in flags or [] for name in flag.split(",")]
    return names + [str(name) for name in configured] if isinstance(configured, list) else names
