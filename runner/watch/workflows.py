"""The workflows of a commit, read from its git objects (never from a checked-out tree),
each either loaded or broken with its located errors."""

from __future__ import annotations

from collections import OrderedDict
import re
from dataclasses import dataclass, field

from runner.errors import Diagnostic, Mark, WorkflowError
from runner.watch.repository import WORKFLOWS, Repository
from runner.workflow import parse_bytes
from runner.workflow.loader import MAX_FILE_BYTES
from runner.workflow.model import Workflow

_SECRET = re.compile(rb"""secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])""")
CACHED_COMMITS = 64
"""Commits whose workflows stay parsed (a schedule reads the same head again and again)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Broken:
    """A workflow file that does not load."""

    path: str
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitWorkflows:
    """Every workflow file of one commit."""

    workflows: tuple[Workflow, ...]
    broken: tuple[Broken, ...]
    secrets: dict[str, frozenset[str]] = field(default_factory=dict)
    """The secret names each workflow file reads (``secrets.NAME``, ``secrets['NAME']``), by path."""


class WorkflowCache:
    """Parsed workflows by commit, for one repository (a commit never changes)."""

    def __init__(self, folder: str = WORKFLOWS) -> None:
        self.folder = folder
        """The folder of the workflow files in each commit."""
        self._by_commit: OrderedDict[str, CommitWorkflows] = OrderedDict()

    def read(self, repository: Repository, commit: str) -> CommitWorkflows:
        """The workflows of ``commit`` (blocking: call it in a worker thread)."""
        found = self._by_commit.get(commit)
        if found is None:
            found = read_workflows(repository, commit, self.folder)
            self._by_commit[commit] = found
            while len(self._by_commit) > CACHED_COMMITS:
                self._by_commit.popitem(last=False)
        else:
            self._by_commit.move_to_end(commit)
        return found


def read_workflows(repository: Repository, commit: str, folder: str = WORKFLOWS) -> CommitWorkflows:
    """Parse each ``*.yml|yaml`` of ``folder`` (``.github/workflows``) of ``commit``."""
    workflows: list[Workflow] = []
    broken: list[Broken] = []
    secrets: dict[str, frozenset[str]] = {}
    for path, data in repository.workflow_files(commit, MAX_FILE_BYTES, folder):
        if isinstance(data, int):
            message = f"file is {data:,} bytes; a workflow may be at most {MAX_FILE_BYTES:,} bytes"
            broken.append(Broken(path=path, diagnostics=(Diagnostic(Mark(path, 1, 1), message),)))
            continue
        secrets[path] = frozenset((a or b).decode(errors="replace") for a, b in _SECRET.findall(data))
        try:
            workflows.append(parse_bytes(data, path))
        except WorkflowError as exc:
            errors = tuple(d for d in exc.diagnostics if d.severity == "error")
            broken.append(Broken(path=path, diagnostics=errors or (Diagnostic(Mark(path, 1, 1), exc.message),)))
    return CommitWorkflows(workflows=tuple(workflows), broken=tuple(broken), secrets=secrets)
