"""What a git hook runs: ``python -m runner.watch.poke REPOSITORY``, telling the watch
service of ``$BATON_HOME`` to poll that repository now.

It is quick and quiet by design: a service that is down, busy or unknown to it is no
error (polling stays the fallback), it prints nothing and always exits 0.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from runner.errors import BatonError
from runner.watch.client import ServiceClient

TIMEOUT_SECONDS = 2.0
"""The longest a poke waits for the service."""


def poke(home: Path, repository: Path) -> bool:
    """Poke the service's watch of ``repository`` (every watch when none is of that
    folder); whether a service took the poke."""
    client = ServiceClient.connect(home, timeout=TIMEOUT_SECONDS)
    if client is None:
        return False
    with client:
        here = repository.resolve()
        name = next((s.name for s in client.status() if _is_same(s.location, here)), None)
        client.poke(name)
    return True


def _is_same(location: str, folder: Path) -> bool:
    try:
        return Path(location).expanduser().resolve() == folder
    except (OSError, RuntimeError):
        return False


def main(argv: list[str]) -> int:
    """Entry point; always 0."""
    home = os.environ.get("BATON_HOME")
    if len(argv) != 1 or not home:
        return 0
    try:
        poke(Path(home), Path(argv[0]))
    except (BatonError, OSError, ValueError):
        pass  # the service is down or busy: it polls anyway
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
