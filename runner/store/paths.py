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

PRIVATE_FOLDER = 0o700
"""Mode of the baton home and its log folders: the build output is the user's alone."""
PRIVATE_FILE = 0o600
"""Mode of the database (and its ``-wal``/``-shm``) and of every step log."""

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
    """``home``, created if missing, readable by its owner only (0700, whatever the umask).

    An existing folder is tightened only when it is baton's (it holds ``baton.db``) or
    empty: ``BATON_HOME`` pointed at a folder of the user's is not changed behind them.
    """
    try:
        is_new = not home.exists()
        home.mkdir(parents=True, exist_ok=True)
        if is_new or (home / DATABASE_NAME).exists() or not any(home.iterdir()):
            home.chmod(PRIVATE_FOLDER)
    except OSError as exc:
        raise StoreError(f"cannot create baton's state folder: {exc.strerror or exc}", where=str(home)) from exc
    return home


def private_folders(home: Path, folder: Path) -> None:
    """Make ``folder`` (under ``home``) and the folders between, each 0700 whatever the umask."""
    for part in reversed((folder, *folder.parents)):
        if part == home or home not in part.parents:
            continue
        try:
            part.mkdir(mode=PRIVATE_FOLDER)
            part.chmod(PRIVATE_FOLDER)
        except FileExistsError:
            pass


def private_file(path: Path) -> None:
    """Create ``path`` if missing and make it readable by its owner only (0600, whatever the umask).

    An existing file is never opened here: closing any descriptor of a database file
    drops every POSIX lock this process holds on it, those of SQLite's open connections
    included, and another process could then write under them and corrupt the file."""
    try:
        if path.exists() and not path.is_symlink():
            if path.stat().st_mode & 0o777 != PRIVATE_FILE:
                os.chmod(path, PRIVATE_FILE)
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, PRIVATE_FILE)
        try:
            os.fchmod(fd, PRIVATE_FILE)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot open the run store: {exc.strerror or exc}", where=str(path)) from exc


def private_opener(path: str, flags: int) -> int:
    """An ``opener`` for :func:`open` that creates files 0600 and refuses a link."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def database_path(home: Path) -> Path:
    """The run database inside ``home``."""
    return home / DATABASE_NAME


def step_log_name(run_id: RunId, job_key: str, index: int, attempt: int = 1) -> str:
    """The log file of one step of one attempt of its job, relative to the baton home (as
    stored in ``steps.log_path``): ``<index>.log`` for the first attempt, ``<index>.attempt-<n>.log``
    for the n-th, so a retry never writes over an earlier attempt's log.

    Ids and keys become single path segments: anything but letters, digits, ``-``, ``_``
    and ``.`` is percent-encoded, so no key can climb out of the logs folder.
    """
    suffix = "" if attempt == 1 else f".attempt-{attempt}"
    return f"{LOGS_FOLDER}/{_segment(run_id)}/{_segment(job_key)}/{index}{suffix}.log"


def _segment(name: str) -> str:
    """``name`` as one safe, reversible path segment."""
    encoded = quote(name, safe="-_.")
    if encoded in {".", ".."}:
        return encoded.replace(".", "%2E")
    return encoded or "%"  # quote() never yields a lone "%", so an empty name stays distinct
