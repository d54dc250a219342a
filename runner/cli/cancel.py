"""``baton cancel RUN``: stop a run of the watch service or of a ``baton run`` process."""

from __future__ import annotations

import argparse

from runner.cli.control import ServiceControl
from runner.store import Store, get_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton cancel``."""
    parser.add_argument("run", metavar="RUN", help="the run: its number, its id or a unique prefix of the id")


def run(args: argparse.Namespace) -> int:
    """Cancel the run; exit 0 once the request is made (the run then records ``cancelled``)."""
    with Store.open() as store:
        record = get_run(store, args.run)
    print(ServiceControl(store.home).cancel(record))
    return 0
