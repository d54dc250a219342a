"""``baton dispatch REPO WORKFLOW [--ref REF] [--input NAME=VALUE]...``: start a
``workflow_dispatch`` run in the watch service."""

from __future__ import annotations

import argparse

from runner.cli.control import ServiceControl
from runner.dotenv import parse_assignments
from runner.store import baton_home


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton dispatch``."""
    parser.add_argument("repo", metavar="REPO", help="a repository the service watches (its name in baton.toml)")
    parser.add_argument("workflow", metavar="WORKFLOW", help="the workflow: its file name or path under .github/workflows")
    parser.add_argument("--ref", help="the branch or tag to run on (default: the repository's default branch)")
    parser.add_argument("--input", action="append", metavar="NAME=VALUE", help="an input of on.workflow_dispatch (checked against the workflow)")


def run(args: argparse.Namespace) -> int:
    """Ask the service to start the run; exit 0 once it started."""
    inputs = parse_assignments(args.input or [], "input")
    print(ServiceControl(baton_home()).dispatch(args.repo, args.workflow, ref=args.ref, inputs=inputs))
    return 0
