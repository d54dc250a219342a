"""``baton watch [REPO...]``: the service that runs workflows on push, on schedule and on
dispatch, in the foreground (under systemd, or in a terminal) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time

from runner.api import Pull
from runner.config import load_config
from runner.engine.capacity import Capacity
from runner.engine.retry import RetryPolicy
from runner.watch.settings import watched_repos

NOTIFY_WAIT_SECONDS = 5
"""How long a stopping service waits for notifications under way (SIGTERM must end it within 10 s)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``baton watch``."""
    parser.add_argument("repos", nargs="*", metavar="REPO", help="a bare repository or a working copy to watch (besides baton.toml's [repos.*])")
    parser.add_argument("--interval", type=float, metavar="SECONDS", help="seconds between polls (default: 2 for paths, 60 for urls)")
    parser.add_argument("-P", "--platform", action="append", metavar="LABEL=IMAGE", help="the image for a runs-on label (IMAGE -self-hosted: the host)")
    parser.add_argument("--executor", help="auto (default: Docker if an engine answers, else the host), docker, local, …")
    parser.add_argument("--pull", choices=("missing", "always", "never"), help="when to pull images (default: missing)")
    parser.add_argument("--jobs", type=int, metavar="N", help="jobs running at once, over every run (default: the CPU count)")
    parser.add_argument("--status", action="store_true", help="show how the running service's repositories are doing, and exit")


def run(args: argparse.Namespace) -> int:
    """Watch until stopped; exit 0 after a clean stop. ``--status`` asks the running service."""
    if args.status:
        from runner.cli.service_status import print_status

        return print_status()
    return asyncio.run(_main(args))


def say(line: str) -> None:
    """One line of the service's log (journald adds its own time stamps; a terminal gets ours)."""
    stamp = "" if os.environ.get("INVOCATION_ID") else time.strftime("%H:%M:%S ")
    print(f"{stamp}baton: {line}", flush=True)


async def _main(args: argparse.Namespace) -> int:
    from runner.cli.executors import prepare
    from runner.cli.run_setup import parse_platforms
    from runner.launch import open_runtime
    from runner.launch.notifications import Notifications, notification_rules
    from runner.watch.api_server import serve_api
    from runner.watch.service import Service

    config = load_config(None)
    repos = watched_repos(config, args.repos, args.interval)
    pull: Pull = args.pull or config.pull or "missing"
    sources = " or ".join(str(path) for path in config.files) or "baton.toml"
    setup = await prepare(args.executor or config.executor or "auto", {**config.labels, **parse_platforms(args.platform)},
                          pull, (), config.executors, sources=sources, is_host_fallback_allowed=False)  # fmt: skip
    for note in setup.notes:
        say(note)
    rules = notification_rules(config, os.environ)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_runtime(
        executors=setup.executors,
        placement=setup.placement,
        capacity=Capacity(args.jobs or config.jobs or os.cpu_count() or 2, limits=setup.placement.limits()),
        pull=pull,
        retry=RetryPolicy.configured(config.retry, config.retry_delay),
        notify=say,
    ) as runtime:
        notifications = Notifications(rules, recorder=runtime.recorder, secrets=(), say=say)
        notifications.attach(runtime.bus)
        service = Service(runtime, repos, say=say)
        async with serve_api(service, home=runtime.home, bus=runtime.bus) as socket:
            say(f"watching {len(repos)} repositor{'y' if len(repos) == 1 else 'ies'} (store: {runtime.home}; API: {socket})")
            await service.serve(stop)
        if not await asyncio.to_thread(notifications.close, NOTIFY_WAIT_SECONDS):
            say(f"notifications still not delivered after {NOTIFY_WAIT_SECONDS} s: given up")
    say("stopped")
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    return 0
