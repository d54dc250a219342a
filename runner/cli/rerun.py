"""``baton rerun RUN [--failed]``: run a recorded run again, on the same commit and event,
as its next attempt.

When the watch service runs, it does the re-run (the runs of the repositories it watches
need it: their settings are its own). A ``baton run``'s run with no service runs again here,
in the foreground, like ``baton run``: in the repository of the current folder (``-C DIR``),
its working tree as ``baton run`` takes it (``--committed``: exactly the run's commit), with
the execution flags given now (``-P``, ``-s``, ``--executor`` …: they are not recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from runner.cli.control import ServiceControl
from runner.cli.paths import repository_root
from runner.cli.execution import execute
from runner.cli.run import add_execution_arguments, hide_secret_values
from runner.cli.run_setup import read_values
from runner.errors import UsageError
from runner.launch import Launch
from runner.launch.rerun import plan_rerun, recorded_trigger
from runner.source.repo import open_repo, read_facts
from runner.store import Store, get_run
from runner.store.records import JobRecord, RunRecord
from runner.store.runs import jobs_of
from runner.workflow import parse_bytes, parse_file
from runner.workflow.model import Workflow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton rerun``."""
    parser.add_argument("run", metavar="RUN", help="the run: its number, its id or a unique prefix of the id")
    parser.add_argument("--failed", action="store_true", help="only its failed jobs and what depends on them (the others' outputs reused)")
    parser.add_argument("--committed", action="store_true",
                        help="without the service: run exactly the run's commit, not the working tree")
    add_execution_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Have the service re-run the run (exit 0 once it started); without a service, re-run
    a ``baton run``'s run here (exit status as ``baton run``'s)."""
    hide_secret_values(sys.argv)
    with Store.open() as store:
        record = get_run(store, args.run)
        jobs = jobs_of(store, record.id)
    control = ServiceControl(store.home)
    if record.repo is not None or control.is_serving():
        print(control.rerun(record, is_failed_only=args.failed))
        return 0
    if not record.is_completed:
        raise UsageError(f"run #{record.number} has not ended yet: cancel it first (baton cancel {record.number})")
    return asyncio.run(_here(args, record, jobs))


async def _here(args: argparse.Namespace, record: RunRecord, jobs: tuple[JobRecord, ...]) -> int:
    """Re-run ``record`` in this process."""
    root = repository_root(Path(args.directory or ".").resolve())
    facts = await asyncio.to_thread(read_facts, root)
    if facts.repository != record.repository:
        raise UsageError(f"run #{record.number} ran {record.repository or 'another repository'}, not "
                         f"{facts.repository or root}: run baton rerun in its repository, or name it with -C DIR")
    trigger, inputs = recorded_trigger(record, facts)
    if not args.committed:
        trigger = replace(trigger, commit=None)
    workflow = await asyncio.to_thread(_workflow, root, record, is_committed=args.committed)
    values = read_values(args)
    launch = Launch(trigger=trigger, workflows=(workflow,), inputs=inputs, vars=values.vars, secrets=values.secrets, env=values.env)
    launch, planned = plan_rerun(launch, record, jobs, is_failed_only=args.failed)
    return await execute(args, root, launch, (planned,))


def _workflow(root: Path, record: RunRecord, *, is_committed: bool) -> Workflow:
    """The run's workflow file: from the working tree, or from the run's commit."""
    if not is_committed:
        path = root / record.workflow_path
        if not path.is_file():
            raise UsageError(f"{record.workflow_path}: not in {root} any more (run #{record.number} ran it); "
                             "--committed takes it from the run's commit")
        return parse_file(path, display=record.workflow_path)
    repo = open_repo(root)
    try:
        blob = repo.commit(record.sha).tree / record.workflow_path if repo is not None else None
    except (KeyError, ValueError) as exc:
        raise UsageError(f"{record.workflow_path} is not in commit {record.sha[:12]} of {root}: {exc}") from None
    if blob is None:
        raise UsageError(f"{root} is not a git repository, so run #{record.number}'s commit cannot be read")
    return parse_bytes(blob.data_stream.read(), record.workflow_path)
