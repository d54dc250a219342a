"""``baton ui``: the live dashboard over every run of this machine's store; its actions go
through the watch service when it runs (:class:`~runner.cli.control.ServiceControl`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.tui.app import BatonApp


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``baton ui``."""
    parser.add_argument("run", nargs="?", metavar="RUN", help="open this run at once (its number, id or id prefix)")


def run(args: argparse.Namespace) -> int:
    """Show the dashboard until the user quits; exit 0 (1 if the app itself failed)."""
    from runner.store import Store, get_run
    from runner.store.paths import baton_home

    home = baton_home()
    first = None
    if args.run:
        with Store.open(home) as store:
            first = get_run(store, args.run).id
    app = dashboard(home, first_run=first)
    app.run()
    return app.return_code or 0


def dashboard(home: Path, *, first_run: str | None = None) -> BatonApp:
    """The dashboard on ``home``'s store, acting through its service when one runs."""
    from runner.cli.control import ServiceControl
    from runner.tui.access import Access
    from runner.tui.app import BatonApp
    from runner.tui.feed import StoreFeed

    return BatonApp(Access(StoreFeed(home), ServiceControl(home)), first_run=first_run)
