"""Files baton keeps for later (artifacts, caches): written aside, then renamed into place.

Two runs, or two baton processes, may write the same store at once; a process may be
killed half-way. So nothing is ever written where a reader looks: a new entry is built
in a folder of its own and renamed into place in one step, a changed index is written
to a scratch file and renamed over the old one, and an entry is removed by renaming it
away first. Short critical sections hold an ``flock`` on a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runner.expr import Value

PRIVATE_FOLDER = 0o700


@contextmanager
def locked(path: Path, *, is_shared: bool = False) -> Iterator[None]:
    """Hold an exclusive (or shared) ``flock`` on ``path`` (created if missing) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if is_shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def aside(folder: Path, prefix: str) -> Path:
    """A fresh, private folder under ``folder`` whose name starts with ``prefix``."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    path = folder / f"{prefix}{os.urandom(16).hex()}"
    path.mkdir(mode=PRIVATE_FOLDER)
    return path


def write_json(path: Path, data: dict[str, Value]) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically (a reader sees the old or the new)."""
    scratch = path.with_name(f".{path.name}.{os.urandom(16).hex()}")
    scratch.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(scratch, path)


def read_json(path: Path) -> dict[str, Value] | None:
    """The JSON object in ``path``; None when it is missing or not one (a foreign file)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_aside(path: Path, trash: Path) -> None:
    """Remove ``path``: renamed under ``trash`` at once (readers no longer find it), then deleted."""
    trash.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    target = trash / os.urandom(16).hex()
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return
    shutil.rmtree(target, ignore_errors=True)


STALE_SECONDS = 86400.0
"""An aside folder this old belongs to a write that died (a day: no save takes that long)."""


def remove_stale(folder: Path, now: float) -> list[Path]:
    """Remove what under ``folder`` (an aside folder) was last changed over a day before ``now``."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        try:
            if now - entry.lstat().st_mtime > STALE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        except OSError:
            continue
    return removed


def tree_size(root: Path) -> tuple[int, int]:
    """The bytes and the number of regular files under ``root`` (links not followed)."""
    size = files = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            if stat.S_ISREG(info.st_mode):
                size += info.st_size
                files += 1
    return size, files


def human_size(size: int) -> str:
    """``size`` bytes as people read it (``1.5 MB``)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
