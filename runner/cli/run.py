"""``baton run [EVENT]``: run a checkout's workflows now, uncommitted changes included.

Flags follow act's, so an act user switches without relearning.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from runner.cli.paths import display_path, repository_root
from runner.cli.report import print_dry_run
from runner.cli.run_setup import read_event, read_values
from runner.errors import Diagnostic, UsageError, WorkflowError
from runner.launch import Launch, Trigger, complete_event, missing_inputs, occurrence_of, plan_runs
from runner.source.repo import read_facts
from runner.workflow import find_workflows, parse_file
from runner.workflow.model import Workflow
from runner.workflow.unapplied import unapplied_settings


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
    """Plan, run and report; exit 0 only if every run succeeded.

    Planning is synchronous (nothing else is under way yet); only running starts an
    event loop, so a dry run imports neither asyncio nor the engine that runs."""
    hide_secret_values(sys.argv)
    return _main(args)


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
        import setproctitle  # only when a secret's value is on the command line: 0.4 ms otherwise paid by every run

        setproctitle.setproctitle(" ".join(shown))


def _main(args: argparse.Namespace) -> int:
    root = repository_root(Path(args.directory or ".").resolve())
    facts = read_facts(root)
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
    from runner.cli import starting

    with starting():  # only for a real run: a dry run needs neither (50 ms of imports)
        import asyncio

        from runner.cli.execution import execute

    return asyncio.run(execute(args, root, launch, planned))


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


def _matrix_filter(items: list[str] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items or []:
        key, sep, value = item.partition(":")
        if not sep or not key:
            raise UsageError(f"--matrix '{item}' needs the form KEY:VALUE")
        out[key] = out.get(key, ()) + (value,)
    return out
