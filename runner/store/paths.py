"""Where the run store lives on disk: the database file and one log file per step."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from runner.errors import StoreError
from runner.status import RunId

DATABASE_NAME = "baton.db"
"""The SQLite file inside the baton home."""

LOGS_FOLDER = "logs"
"""The folder inside the baton home that holds ``<run_id>/<job_key>/<step index>.log``."""


def baton_home(environ: Mapping[str, str] | None = None) -> Path:
    """baton's state folder, created on first use.

    ``$BATON_HOME`` if set, else ``$XDG_STATE_HOME/baton``, else ``~/.local/state/baton``.
    """
    env = os.environ if environ is None else environ
    if env.get("BATON_HOME"):
        home = Path(env["BATON_HOME"]).expanduser()
    elif env.get("XDG_STATE_HOME"):
        home = Path(env["XDG_STATE_HOME"]).expanduser() / "baton"
    else:
        home = Path.home() / ".local" / "state" / "baton"
    return ensure_home(home)


def ensure_home(home: Path) -> Path:
    """``home``, created if missing."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create baton's state folder: {exc.strerror or exc}", where=str(home)) from exc
    return home


def database_path(home: Path) -> Path:
    """The run database inside ``home``."""
    return home / DATABASE_NAME


def step_log_name(run_id: RunId, job_key: str, index: int) -> str:
    """The log file of one step, relative to the baton home (as stored in ``steps.log_path``).

    Ids and keys become single path segments: anything but letters, digits, ``-``, ``_``
    and ``.`` is percent-encoded, so no key can climb out of the logs folder.
    """
    return f"{LOGS_FOLDER}/{_segment(run_id)}/{_segment(job_key)}/{index}.log"


def _segment(name: str) -> str:
    """``name`` as one safe, reversible path segment."""
    encoded = quote(name, safe="-_.")
    if encoded in {".", ".."}:
        return encoded.replace(".", "%2E")
    return encoded or "%"  # quote() never yields a lone "%", so an empty name stays distinct
