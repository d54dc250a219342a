"""Which workflow files a command means when given paths, folders or nothing."""

from __future__ import annotations

from pathlib import Path

from runner.errors import UsageError
from runner.workflow import find_workflows


def workflow_files(paths: list[str]) -> list[Path]:
    """Files named on the command line; a folder means its ``.github/workflows`` or its
    ``*.yml``/``*.yaml`` files; nothing means the repository around the current directory."""
    if not paths:
        root = repository_root(Path.cwd())
        found = find_workflows(root)
        if not found:
            raise UsageError(f"no workflows found: {root / '.github' / 'workflows'} has no *.yml or *.yaml files")
        return found
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = find_workflows(path) or sorted(
                p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file()
            )
            if not inside:
                raise UsageError(f"{raw}: no workflow files in this folder")
            files.extend(inside)
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return files


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``.git`` (else ``start``)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def display_path(path: Path) -> str:
    """A path as short as possible for messages: relative to the current folder if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
