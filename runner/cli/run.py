"""``baton run [EVENT]``: run a checkout's workflows now, uncommitted changes included.

Flags follow act's, so an act user switches without relearning.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import setproctitle

from runner.api import Pull
from runner.config import load_config
from runner.cli.paths import display_path, repository_root
from runner.cli.report import print_dry_run
from runner.cli.run_setup import (
    complete_event,
    occurrence_of,
    pull_request_refs,
    read_event,
    missing_inputs,
    read_values,
    workflow_inputs,
)
from runner.engine.contexts import RunInfo, github_context
from runner.errors import Diagnostic, UsageError, WorkflowError
from runner.expr import Value, to_display_string
from runner.plan import Plan, compile_plan
from runner.status import Conclusion, RunId
from runner.watch.repo import RepoFacts, read_facts
from runner.workflow import find_workflows, parse_file
from runner.workflow.model import Job, Workflow
from runner.workflow.text import Text, Tree

if TYPE_CHECKING:
    from runner.api import Executor
    from runner.engine.request import RunRequest
    from runner.events import EventBus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton run`` (act's names where act has one)."""
    parser.add_argument("event", nargs="?", default="push", help="the event to simulate (default: push)")
    parser.add_argument("-e", "--eventpath", metavar="FILE", help="the event payload as a JSON file")
    parser.add_argument("-W", "--workflows", metavar="PATH", help="a workflow file or folder (default: .github/workflows)")
    parser.add_argument("-j", "--job", action="append", metavar="ID", help="run only this job (and what it needs)")
    parser.add_argument("--input", action="append", metavar="NAME=VALUE", help="a workflow_dispatch/workflow_call input")
    parser.add_argument("-s", "--secret", action="append", metavar="NAME[=VALUE]", help="a secret (bare NAME: from the environment)")
    parser.add_argument("--secret-file", action="append", metavar="FILE", help="secrets in a dotenv file")
    parser.add_argument("--env", action="append", metavar="NAME=VALUE", help="an environment variable for every step")
    parser.add_argument("--env-file", action="append", metavar="FILE", help="environment variables in a dotenv file")
    parser.add_argument("--var", action="append", metavar="NAME=VALUE", help="a configuration variable (vars context)")
    parser.add_argument("--var-file", action="append", metavar="FILE", help="variables in a dotenv file")
    parser.add_argument("-P", "--platform", action="append", metavar="LABEL=IMAGE", help="the image for a runs-on label (IMAGE -self-hosted: the host)")
    parser.add_argument("--pull", choices=("missing", "always", "never"), help="when to pull images (default: missing)")
    parser.add_argument("--matrix", action="append", metavar="KEY:VALUE", help="run only matrix legs with this value")
    parser.add_argument("--executor", help="auto (default: Docker if an engine answers, else the host), docker, local, …")
    parser.add_argument("-n", "--dry-run", action="store_true", help="print the plan and run nothing")
    parser.add_argument("--jobs", type=int, metavar="N", help="jobs running at once (default: the CPU count)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json: one document on stdout at the end")
    parser.add_argument("--committed", action="store_true", help="run exactly HEAD, not the working tree")
    parser.add_argument("-a", "--actor", help="github.actor (default: git's user.name)")
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
    config = load_config(root)
    executor = args.executor or config.executor or "auto"
    pull: Pull = args.pull or config.pull or "missing"
    jobs = args.jobs or config.jobs or os.cpu_count() or 2
    facts = read_facts(root)
    if args.actor:
        facts = replace(facts, actor=args.actor)
    workflows = _load_workflows(args, root)
    payload = complete_event(args.event, read_event(args.eventpath), facts)
    occurrence = occurrence_of(args.event, payload, facts)
    triggered = [w for w in workflows if w.on.matches(occurrence)]
    out = sys.stderr if args.format == "json" else sys.stdout
    if not triggered:
        names = ", ".join(f"{w.path} (on: {', '.join(w.on.events)})" for w in workflows)
        print(f"baton: no workflow runs on '{args.event}' for {occurrence.ref}: {names}", file=out)
        return 0
    values = read_values(args)
    prepared = [_prepare(w, args, facts, payload, values.inputs, values.vars) for w in triggered]
    for one in prepared:
        for name in missing_inputs(one.workflow, args.event, one.inputs):
            print(f"baton: warning: input '{name}' of {one.workflow.path} is required but was not given (--input {name}=VALUE); it is empty", file=out)
    if args.dry_run:
        for one in prepared:
            print_dry_run(one.plan, out)
        return 0
    # What only a real run needs, imported only for one: a dry run skips the engine,
    # the executors, the store and the snapshot, and their imports.
    from runner.cli.executors import prepare
    from runner.cli.printer import Printer
    from runner.cli.report import json_document, print_summary
    from runner.engine.request import RunRequest
    from runner.events import EventBus
    from runner.registry import native_actions, plugin_manager
    from runner.status import new_run_id
    from runner.store import Recorder, Store, active_run_ids, recover
    from runner.watch.snapshot import new_snapshot_folder, remove_stale_snapshots

    jobs_of_plans = [job for one in prepared for job in one.plan.jobs.values()]
    source = new_snapshot_folder()
    snapshot = asyncio.create_task(asyncio.to_thread(_snapshot, root, facts, source, args.committed, prepared))
    try:
        labels = {label.lower() for job in jobs_of_plans for label in _literal_labels(job.job.runs_on)}
        setup = await prepare(executor, {**config.labels, **_platforms(args.platform)}, pull, labels, config.executors)
        for note in setup.notes:
            print(f"baton: {note}", file=out)
        with Store.open() as store:
            for run_id in recover(store):
                print(f"baton: run {run_id} was interrupted (its process died); marked interrupted", file=out)
            for line in await _collect_garbage(setup.executors.values(), active_run_ids(store)) + remove_stale_snapshots():
                print(f"baton: removed {line}, left behind by a process that died", file=out)
            home = store.home
        printer = Printer(out, names=[leg.name for job in jobs_of_plans for leg in job.legs or ()])
        await snapshot
        requests = [
            RunRequest(
                run_id=(run_id := new_run_id()),
                plan=one.plan,
                info=replace(one.info, run_id=run_id),
                inputs=one.inputs,
                vars=values.vars,
                secrets={"GITHUB_TOKEN": "", **values.secrets},
                env=values.env,
                source=source,
                placement=setup.placement,
                executors=setup.executors,
                actions=native_actions(plugin_manager()),
                capacity=max(1, jobs),
                only_jobs=frozenset(args.job) if args.job else None,
                matrix_filter=_matrix_filter(args.matrix),
                pull=pull,
            )
            for one in prepared
        ]
        with Recorder.open(home) as recorder:
            bus = EventBus()
            recorder.attach(bus)
            bus.subscribe(printer)
            conclusions = await _run_all(requests, bus)
    finally:
        if not snapshot.done():
            snapshot.cancel()
        await asyncio.wait({snapshot})
        if not snapshot.cancelled():
            snapshot.exception()  # retrieved: an error already on its way out says more
        shutil.rmtree(source, ignore_errors=True)
    print_summary(printer, requests, conclusions, out)
    if args.format == "json":
        sys.stdout.write(json_document(printer, requests, conclusions, home) + "\n")
    if Conclusion.CANCELLED in conclusions:
        return 130
    return 0 if all(c == Conclusion.SUCCESS for c in conclusions) else 1


def _snapshot(root: Path, facts: RepoFacts, source: Path, is_committed: bool, prepared: list[Prepared]) -> None:
    """Copy the repository for checkouts and called workflows (in a thread, while the
    executors get ready); a run whose jobs use neither skips the copy."""
    from runner.watch.snapshot import snapshot_commit, snapshot_worktree

    if not any(_reads_source(job.job) for one in prepared for job in one.plan.jobs.values()):
        return
    if is_committed:
        snapshot_commit(root, facts.sha, source)
    else:
        snapshot_worktree(root, source)


def _reads_source(job: Job) -> bool:
    """Whether a job reads the repository snapshot: it checks out, or calls a local workflow."""
    if job.uses and job.uses.startswith("./"):
        return True
    steps = list(job.steps)
    while steps:
        step = steps.pop()
        steps.extend(step.parallel)
        if step.uses and step.uses.partition("@")[0].lower() == "actions/checkout":
            return True
    return False


async def _collect_garbage(executors: Iterable[Executor], active: frozenset[RunId]) -> list[str]:
    """What killed runs left behind, removed before this run starts (as ``baton gc`` does)."""
    removed: list[str] = []
    for executor in executors:
        removed.extend(await executor.collect_garbage(active))
    return removed


async def _run_all(requests: list[RunRequest], bus: EventBus) -> list[Conclusion]:
    """Run every request at once; the first Ctrl-C (or SIGTERM) cancels them cleanly."""
    from runner.engine import execute_run

    tasks = [asyncio.create_task(execute_run(r, bus)) for r in requests]
    loop = asyncio.get_running_loop()

    def cancel() -> None:
        print("\nbaton: cancelling: stopping steps and removing containers…", file=sys.stderr)
        for task in tasks:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, cancel)
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    conclusions: list[Conclusion] = []
    for result in results:
        if isinstance(result, Conclusion):
            conclusions.append(result)
        elif isinstance(result, asyncio.CancelledError):
            conclusions.append(Conclusion.CANCELLED)
        elif isinstance(result, BaseException):
            raise result
    return conclusions


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


class Prepared(NamedTuple):
    """A triggered workflow made ready to run."""

    workflow: Workflow
    plan: Plan
    info: RunInfo
    inputs: dict[str, Value]


def _prepare(
    workflow: Workflow,
    args: argparse.Namespace,
    facts: RepoFacts,
    payload: dict[str, Value],
    given_inputs: dict[str, str],
    variables: dict[str, Value],
) -> Prepared:
    head_ref, base_ref = pull_request_refs(payload)
    inputs = workflow_inputs(workflow, args.event, given_inputs, payload)
    if args.event == "workflow_dispatch":
        # GitHub's dispatch payload carries every input, as strings.
        payload = {**payload, "inputs": {k: to_display_string(v) for k, v in inputs.items()}}
    info = RunInfo(
        run_id="0",
        event_name=args.event,
        event=payload,
        ref=facts.ref,
        sha=facts.sha,
        repository=facts.repository,
        actor=facts.actor,
        workflow=workflow.display_name,
        workflow_path=workflow.path,
        head_ref=head_ref,
        base_ref=base_ref,
    )
    contexts: dict[str, Value] = {"github": github_context(info, job="", workspace=""), "inputs": inputs, "vars": variables}
    return Prepared(workflow, compile_plan(workflow, contexts), info, inputs)


def _literal_labels(runs_on: Tree) -> list[str]:
    """The labels of a ``runs-on`` without expressions (those are known before the run)."""
    if isinstance(runs_on, Text):
        return [runs_on.source] if runs_on.is_literal else []
    if isinstance(runs_on, list):
        return [item.source for item in runs_on if isinstance(item, Text) and item.is_literal]
    return []


def _platforms(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        label, sep, image = item.partition("=")
        if not sep or not label or not image:
            raise UsageError(f"-P '{item}' needs the form LABEL=IMAGE (or LABEL=-self-hosted)")
        out[label] = image
    return out


def _matrix_filter(items: list[str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items or []:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise UsageError(f"--matrix '{item}' needs the form KEY:VALUE")
        out[key] = out.get(key, ()) + (value,)
    return out
