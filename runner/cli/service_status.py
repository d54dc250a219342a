"""``baton watch --status``: how the running service's repositories are doing, from its socket."""

from __future__ import annotations

import time

from runner.errors import UsageError
from runner.store.paths import baton_home
from runner.watch.client import ServiceClient


def print_status() -> int:
    """Print one line per watched repository; exit 0 when all are healthy, 1 otherwise."""
    home = baton_home()
    client = ServiceClient.connect(home)
    if client is None:
        raise UsageError(f"no baton watch is running for {home}")
    with client:
        states = client.status()
        pid = client.pid
    now = time.time()
    print(f"baton watch (pid {pid}) for {home}: {len(states)} repositor{'y' if len(states) == 1 else 'ies'}")
    for state in states:
        polled = f"polled {now - state.last_poll_at:.0f} s ago" if state.last_poll_at else "not polled yet"
        health = "ok" if state.is_healthy else f"PROBLEM: {state.problem}"
        print(f"  {state.name}: {state.location}: {state.refs} refs, {polled}: {health}")
    return 0 if all(state.is_healthy for state in states) else 1
