"""``baton run --ui``: the dashboard on the runs being started, from their first second."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from runner.cli.printer import Printer
from runner.cli.style import Style
from runner.launch import Launch, PlannedRun, Runtime, start_runs
from runner.status import Conclusion


async def run_with_dashboard(
    runtime: Runtime,
    launch: Launch,
    planned: tuple[PlannedRun, ...],
    printer: Printer,
    out: TextIO,
    until_signalled: Callable[[Awaitable[tuple[Conclusion, ...]]], Awaitable[tuple[Conclusion, ...]]],
) -> tuple[Conclusion, ...]:
    """Show the dashboard while the runs go on; when the user quits, cancel them or keep
    them running in the terminal (its lines printed from then on), as they chose."""
    from runner.tui.access import Access
    from runner.tui.app import BatonApp
    from runner.tui.control import InProcessControl
    from runner.tui.feed import StoreFeed

    runs = asyncio.ensure_future(start_runs(runtime, launch, planned))
    control = InProcessControl(runtime, asyncio.get_running_loop())
    first = planned[0].run_id if len(planned) == 1 else None
    app = BatonApp(Access(StoreFeed(runtime.home), control), first_run=first, live=runs)
    with open(os.devnull, "w") as hidden:  # the printer keeps count, silently, under the dashboard
        printer.stream, printer.style = hidden, Style(hidden)
        await app.run_async()
        printer.stream, printer.style = out, Style(out)
    if not runs.done():
        if app.choice == "cancel":
            runtime.cancel()
        else:
            print("baton: the dashboard closed; the runs go on here (Ctrl-C cancels them)", file=sys.stderr)
    return await until_signalled(runs)
