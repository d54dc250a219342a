"""``baton rerun RUN [--failed]``: run a recorded run again, on the same commit and event."""

from __future__ import annotations

import argparse

from runner.cli.control import ServiceControl
from runner.store import Store, get_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton rerun``."""
    parser.add_argument("run", metavar="RUN", help="the run: its number, its id or a unique prefix of the id")
    parser.add_argument("--failed", action="store_true", help="only its failed jobs and what depends on them (the others' outputs reused)")


def run(args: argparse.Namespace) -> int:
    """Ask the watch service for the re-run; exit 0 once it started."""
    with Store.open() as store:
        record = get_run(store, args.run)
    print(ServiceControl(store.home).rerun(record, is_failed_only=args.failed))
    return 0
