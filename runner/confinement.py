"""Paths a workflow names that must stay inside a folder (the workspace) once links are resolved.

Local actions (``uses: ./…``), their Dockerfile and ``hashFiles`` read files of the
workspace on this machine, and a job can commit or make a link there pointing anywhere
(``act -> /etc``). The engine resolves such a path fully and checks that it is still
inside the folder before reading; what leads outside is an :class:`OutsideRootError`
naming the setting at fault. (The executors' own files go further and never follow a
link at all: ``plugins/executors/hostfs/hostpath.py``.)
"""

from __future__ import annotations

import os
from pathlib import Path

from runner.errors import OutsideRootError


def is_inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path``, links resolved, is ``root`` (links resolved) or lies under it."""
    base = os.path.realpath(root)
    resolved = os.path.realpath(path)
    return resolved == base or resolved.startswith(base.rstrip(os.sep) + os.sep)


def resolve_inside(root: Path, relative: str, *, setting: str) -> Path:
    """``root / relative`` with links resolved; raises if that leaves ``root``.

    ``setting`` names the input at fault in the error (``uses: ./act``, ``image: …``).
    """
    resolved = Path(os.path.realpath(root / relative))
    if not is_inside(root, resolved):
        raise OutsideRootError(f"{setting}: '{relative}' leads outside the workspace ({resolved}); "
                               "baton reads actions and files only from inside it")
    return resolved
