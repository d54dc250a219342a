"""``baton hook install``: a git hook that pokes the watch service when commits arrive.

A bare repository gets ``post-receive`` (run after a push updated refs), a working copy
``post-commit``. The hook starts the poke in the background with its output discarded,
so it returns at once whether the service runs or not. A hook that was there before is
kept and chained: it is renamed ``<hook>.before-baton`` and run by ours, with the same
arguments and standard input.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from runner.errors import UsageError

MARKER = "# baton: poke the watch service"
"""The line that tells our hook from a user's."""

CHAINED_SUFFIX = ".before-baton"
"""What a hook that was there before ours is renamed to (ours runs it)."""

_TEMPLATE = """#!/bin/sh
{marker} (installed by `baton hook install`; polling stays the fallback)
# The poke runs in the background, its output discarded: this hook returns at once.
# (-S: no site-packages to scan; it needs only the standard library and baton.)
BATON_HOME={home} PYTHONPATH={path} {python} -S -m runner.watch.poke {repo} </dev/null >/dev/null 2>&1 &
if [ -x "$0{chained}" ]; then exec "$0{chained}" "$@"; fi
exit 0
"""


def install_hook(repository: Path, *, home: Path) -> str:
    """Install (or refresh) the hook of ``repository`` for the service of ``home``; says what was done.

    Raises :class:`~runner.errors.UsageError` for a folder that is no git repository,
    and when both a foreign hook and a chained one are already there.
    """
    is_bare, hooks = _layout(repository)
    hook = hooks / ("post-receive" if is_bare else "post-commit")
    chained = hook.with_name(hook.name + CHAINED_SUFFIX)
    note = ""
    if hook.exists() and MARKER not in hook.read_text(errors="replace"):
        if chained.exists():
            raise UsageError(f"{hook} is not baton's, and {chained.name} exists too: merge them by hand, then run this again")
        hook.rename(chained)
        note = f"; the hook that was there runs after it (now {chained.name})"
    hooks.mkdir(parents=True, exist_ok=True)
    package_root = Path(__file__).resolve().parents[2]
    text = _TEMPLATE.format(
        marker=MARKER, home=shlex.quote(str(home)), path=shlex.quote(str(package_root)),
        python=shlex.quote(sys.executable), repo=shlex.quote(str(repository.resolve())), chained=CHAINED_SUFFIX,
    )  # fmt: skip
    staging = hook.with_name(f".{hook.name}.baton-{os.getpid()}")
    staging.write_text(text)
    staging.chmod(staging.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    staging.replace(hook)
    return f"installed {hook} (it pokes baton watch of {home} at each {'push' if is_bare else 'commit'}){note}"


def _layout(repository: Path) -> tuple[bool, Path]:
    """Whether ``repository`` is bare, and its hooks folder (``core.hooksPath`` honoured)."""
    if not repository.is_dir():
        raise UsageError(f"{repository}: no such folder (baton hook install takes a repository's path)")
    result = subprocess.run(
        ["git", "-C", str(repository), "rev-parse", "--is-bare-repository", "--git-path", "hooks"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < 2:
        raise UsageError(f"{repository}: not a git repository ({result.stderr.strip() or 'git rev-parse failed'})")
    hooks = Path(lines[1])
    return lines[0] == "true", hooks if hooks.is_absolute() else repository / hooks
