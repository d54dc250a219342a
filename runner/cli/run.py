"""``baton run [EVENT]``: run a checkout's workflows now, uncommitted changes included.

Flags follow act's, so an act user switches without relearning.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import setproctitle

from runner.api import Pull
from runner.cli.paths import display_path, repository_root
from runner.cli.report import print_dry_run
from runner.cli.run_setup import read_event, read_values
from runner.config import load_config
from runner.engine.capacity import Capacity
from runner.engine.retry import RetryPolicy
from runner.errors import Diagnostic, UsageError, WorkflowError
from runner.launch import Launch, PlannedRun, Trigger, complete_event, missing_inputs, occurrence_of, plan_runs
from runner.source.repo import read_facts
from runner.status import Conclusion
from runner.workflow import find_workflows, parse_file
from runner.workflow.model import Workflow
from runner.workflow.text import Text, Tree
from runner.workflow.unapplied import unapplied_settings

NOTIFY_WAIT_SECONDS = 30
"""How long ``baton run --notify`` waits, once its runs ended, for notifications under way."""

if TYPE_CHECKING:
    from runner.launch import Runtime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton run`` (act's names where act has one)."""
    parser.add_argument("event", nargs="?", default="push", help="the event to simulate (default: push)")
    parser.add_argument("-e", "--eventpath", metavar="FILE", help="the event payload as a JSON file")
    parser.add_argument("-W", "--workflows", metavar="PATH", help="a workflow file or folder (default: .github/workflows)")
    parser.add_argument("-j", "--job", action="append", metavar="ID", help="run only this job (and what it needs)")
    parser.add_argument("--input", action="append", metavar="NAME=VALUE", help="a workflow_dispatch/workflow_call input")
    parser.add_argument("--matrix", action="append", metavar="KEY:VALUE", help="run only matrix legs with this value")
    parser.add_argument("-n", "--dry-run", action="store_true", help="print the plan and run nothing")
    parser.add_argument("--committed", action="store_true", help="run exactly HEAD, not the working tree")
    parser.add_argument("-a", "--actor", help="github.actor (default: git's user.name)")
    add_execution_arguments(parser)


def add_execution_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of how runs are run, shared by ``baton run`` and ``baton rerun``: secrets,
    variables, env, labels, executors, output, actions and notifications."""
    parser.add_argument("-s", "--secret", action="append", metavar="NAME[=VALUE]", help="a secret (bare NAME: from the environment)")
    parser.add_argument("--secret-file", action="append", metavar="FILE", help="secrets in a dotenv file")
    parser.add_argument("--env", action="append", metavar="NAME=VALUE", help="an environment variable for every step")
    parser.add_argument("--env-file", action="append", metavar="FILE", help="environment variables in a dotenv file")
    parser.add_argument("--var", action="append", metavar="NAME=VALUE", help="a configuration variable (vars context)")
    parser.add_argument("--var-file", action="append", metavar="FILE", help="variables in a dotenv file")
    parser.add_argument("-P", "--platform", action="append", metavar="LABEL=IMAGE", help="the image for a runs-on label (IMAGE -self-hosted: the host)")
    parser.add_argument("--pull", choices=("missing", "always", "never"), help="when to pull images (default: missing)")
    parser.add_argument("--executor", help="auto (default: Docker if an engine answers, else the host), docker, local, …")
    parser.add_argument("--jobs", type=int, metavar="N", help="jobs running at once (default: the CPU count)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json: one document on stdout at the end")
    parser.add_argument("--ui", action="store_true", help="show the runs in the live dashboard (quitting it asks whether to cancel them)")
    parser.add_argument("--actions-source", metavar="SOURCE",
                        help="where owner/repo@ref actions come from: a base URL, or a folder of owner/repo[.git] repositories (default: https://github.com)")
    parser.add_argument("--action-offline-mode", action="store_true", help="use only remote actions already in the action cache")
    parser.add_argument("--not-native", action="append", metavar="ACTION",
                        help="run the real ACTION (owner/repo, or all), not baton's native one; repeatable")
    parser.add_argument("--notify", action="store_true",
                        help="send baton.toml's [notify.*] notifications for these runs (off by default when testing locally)")
    parser.add_argument("-C", "--directory", metavar="DIR", help="the repository (default: the current folder)")


def run(args: argparse.Namespace) -> int:
    """Plan, run and report; exit 0 only if every run succeeded."""
    hide_secret_values(sys.argv)
    return asyncio.run(_main(args))


def hide_secret_values(argv: list[str]) -> None:
    """Rewrite this process's command line (what ``ps`` shows) with ``-s NAME=value``
    values replaced by ``***``; the bare ``-s NAME`` form never shows them at all."""
    shown: list[str] = []
    is_secret = False
    for arg in argv:
        if is_secret and "=" in arg:
            arg = arg.partition("=")[0] + "=***"
        elif arg.startswith(("--secret=", "-s")) and arg not in ("-s", "--secret=") and "=" in arg[2:]:
            flag, name = ("--secret=", arg[len("--secret=") :]) if arg.startswith("--secret=") else ("-s", arg[2:])
            arg = flag + name.partition("=")[0] + "=***"
        shown.append(arg)
        is_secret = arg in ("-s", "--secret")
    if shown != argv:
        setproctitle.setproctitle(" ".join(shown))


async def _main(args: argparse.Namespace) -> int:
    root = repository_root(Path(args.directory or ".").resolve())
    facts = await asyncio.to_thread(read_facts, root)
    if args.actor:
        facts = replace(facts, actor=args.actor)
    values = read_values(args)
    launch = Launch(
        trigger=Trigger(
            event_name=args.event,
            payload=read_event(args.eventpath),
            facts=facts,
            commit=facts.sha if args.committed else None,
        ),
        workflows=tuple(_load_workflows(args, root)),
        inputs=values.inputs,
        vars=values.vars,
        secrets=values.secrets,
        env=values.env,
        only_jobs=frozenset(args.job) if args.job else None,
        matrix_filter=_matrix_filter(args.matrix),
    )
    out = sys.stderr if args.format == "json" else sys.stdout
    planned = plan_runs(launch)
    if not planned:
        occurrence = occurrence_of(args.event, complete_event(args.event, dict(launch.trigger.payload), facts), facts)
        names = ", ".join(f"{w.path} (on: {', '.join(w.on.events)})" for w in launch.workflows)
        print(f"baton: no workflow runs on '{args.event}' for {occurrence.ref}: {names}", file=out)
        return 0
    for one in planned:
        if (unapplied := unapplied_settings(one.workflow)) is not None:
            print(f"baton: note: {unapplied}", file=out)
        for name in missing_inputs(one.workflow, args.event, one.inputs):
            print(f"baton: warning: input '{name}' of {one.workflow.path} is required but was not given (--input {name}=VALUE); it is empty", file=out)
    if args.dry_run:
        for one in planned:
            print_dry_run(one.plan, out)
        return 0
    return await execute(args, root, launch, planned)


async def execute(args: argparse.Namespace, root: Path, launch: Launch, planned: tuple[PlannedRun, ...]) -> int:
    """Run ``planned`` (of ``launch``, in the repository at ``root``) with the execution
    flags of ``args``, print them as they go and the summary at the end; the exit status:
    0 only if every run succeeded, 130 if one was cancelled."""
    config = load_config(root)
    executor = args.executor or config.executor or "auto"
    pull: Pull = args.pull or config.pull or "missing"
    jobs = args.jobs or config.jobs or os.cpu_count() or 2
    out = sys.stderr if args.format == "json" else sys.stdout
    # What only a real run needs, imported only for one: a dry run skips the executors,
    # the engine's scheduler, the store and the snapshot, and their imports.
    from runner.cli.executors import prepare
    from runner.cli.printer import Printer
    from runner.cli.report import json_document, print_summary
    from runner.launch import RemoteActions, open_runtime, provided_node, start_runs
    from runner.launch.notifications import Notifications, notification_rules

    labels = {label.lower() for one in planned for job in one.plan.jobs.values() for label in _literal_labels(job.job.runs_on)}
    setup = await prepare(executor, {**config.labels, **parse_platforms(args.platform)}, pull, labels, config.executors,
                          sources=" or ".join(str(path) for path in config.files) or "baton.toml")
    for note in setup.notes:
        print(f"baton: {note}", file=out)
    printer = Printer(out, names=[name for one in planned for name in one.leg_names])
    rules = notification_rules(config, launch.secrets) if args.notify else ()
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
        notifications = Notifications(rules, recorder=runtime.recorder, secrets=launch.secrets.values(),
                                      say=lambda line: print(line, file=sys.stderr))
        notifications.attach(runtime.bus)
        if args.ui:
            from runner.cli.run_ui import run_with_dashboard

            conclusions = await run_with_dashboard(
                runtime, launch, planned, printer, out, lambda work: _until_signalled(runtime, work)
            )
        else:
            conclusions = await _until_signalled(runtime, start_runs(runtime, launch, planned))
        if rules and not await asyncio.to_thread(notifications.close, NOTIFY_WAIT_SECONDS):
            print(f"baton: notifications still not delivered after {NOTIFY_WAIT_SECONDS} s: given up", file=sys.stderr)
        home = runtime.home
    print_summary(printer, planned, conclusions, out)
    if args.format == "json":
        sys.stdout.write(json_document(printer, planned, conclusions, home) + "\n")
    if Conclusion.CANCELLED in conclusions:
        return 130
    return 0 if all(c == Conclusion.SUCCESS for c in conclusions) else 1


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


def _load_workflows(args: argparse.Namespace, root: Path) -> list[Workflow]:
    target = Path(args.workflows) if args.workflows else root / ".github" / "workflows"
    if target.is_dir():
        files = find_workflows(target) or sorted(p for p in target.iterdir() if p.suffix in (".yml", ".yaml"))
    elif target.is_file():
        files = [target]
    else:
        raise UsageError(f"{display_path(target)}: no such workflow file or folder (use -W PATH)")
    if not files:
        raise UsageError(f"{display_path(target)}: no workflow files (*.yml, *.yaml)")
    workflows: list[Workflow] = []
    problems: list[Diagnostic] = []
    for path in files:
        try:
            workflows.append(parse_file(path, display=_repo_path(path, root)))
        except WorkflowError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise WorkflowError(tuple(problems))
    return workflows


def _repo_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return display_path(path)


def _literal_labels(runs_on: Tree) -> list[str]:
    """The labels of a ``runs-on`` without expressions (those are known before the run)."""
    if isinstance(runs_on, Text):
        return [runs_on.source] if runs_on.is_literal else []
    if isinstance(runs_on, list):
        return [item.source for item in runs_on if isinstance(item, Text) and item.is_literal]
    return []


def parse_platforms(items: list[str] | None) -> dict[str, str]:
    """``-P LABEL=IMAGE`` flags as a label map."""
    out: dict[str, str] = {}
    for item in items or []:
        label, sep, image = item.partition("=")
        if not sep or not label or not image:
            raise UsageError(f"-P '{item}' needs the form LABEL=IMAGE (or LABEL=-self-hosted)")
        out[label] = image
    return out


def _not_native(flags: list[str] | None, configured: object) -> list[str]:
    """The native actions switched off by ``--not-native`` (comma-separated too) and baton.toml."""
    names = [name for flag in flags or [] for name in flag.split(",")]
    return names + [str(name) for name in configured] if isinstance(configured, list) else names


def _matrix_filter(items: list[str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items or []:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise UsageError(f"--matrix '{item}' needs the form KEY:VALUE")
        out[key] = out.get(key, ()) + (value,)
    return out
