"""Untrusted workflow YAML → a validated :class:`Workflow`, with located diagnostics.

Pure: reads files or bytes it is given and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from runner.errors import Diagnostic, WorkflowError
from runner.workflow.loader import Loaded, load_bytes, load_file
from runner.workflow.model import Job, Step, Workflow
from runner.workflow.read_workflow import read_workflow
from runner.workflow.reader import Reader

__all__ = ["Job", "Step", "Workflow", "WorkflowError", "check", "find_workflows", "parse_bytes", "parse_file"]


def check(loaded: Loaded, name: str) -> tuple[Workflow | None, tuple[Diagnostic, ...]]:
    """Validate a loaded file: the workflow (None if any error) and all findings."""
    if loaded.tree is None:
        return None, loaded.diagnostics
    reader = Reader(name, loaded.text)
    reader.diagnostics.extend(loaded.diagnostics)
    workflow = read_workflow(reader, loaded.tree)
    diagnostics = tuple(sorted(reader.diagnostics, key=lambda d: (d.mark.line, d.mark.col)))
    if reader.has_errors:
        return None, diagnostics
    return workflow, diagnostics


def parse_file(path: Path, *, display: str | None = None) -> Workflow:
    """Load and validate one file; raises :class:`WorkflowError` with every error."""
    name = display if display is not None else str(path)
    workflow, diagnostics = check(load_file(path, display=name), name)
    if workflow is None:
        raise WorkflowError(diagnostics)
    return workflow


def parse_bytes(data: bytes, name: str) -> Workflow:
    """Validate a workflow given as bytes (for instance a blob of a git commit)."""
    workflow, diagnostics = check(load_bytes(data, name), name)
    if workflow is None:
        raise WorkflowError(diagnostics)
    return workflow


def find_workflows(root: Path) -> list[Path]:
    """The workflow files of a repository (``.github/workflows/*.yml|*.yaml``), sorted."""
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
