"""``owner/repo[/path]@ref``: an action (or a reusable workflow) of another repository."""

from __future__ import annotations

import re
from dataclasses import dataclass

from runner.errors import BatonError

# Patterns compiled by ``re`` on first use (and kept in its cache): the engine imports this
# module for every run, most of which name no action of another repository (0.3 ms).
_REF = r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)(?:/(?P<path>[^@\s]*))?@(?P<ref>[^@\s]+)"
_SHORT_SHA = r"[0-9a-f]{4,39}"
_FULL_SHA = r"[0-9a-f]{40}"


class ActionRefError(BatonError):
    """A ``uses:`` that names no action of another repository."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRef:
    """Where a remote action lives: a repository, a folder in it, a git ref."""

    owner: str
    repo: str
    path: str = ""
    """The action's folder inside the repository ('' for its root), without slashes at the ends."""
    ref: str
    """A branch, a tag or a full commit SHA, as written."""

    @property
    def repository(self) -> str:
        """``owner/repo``."""
        return f"{self.owner}/{self.repo}"

    @property
    def name(self) -> str:
        """``owner/repo[/path]``: what native actions are registered under (any case)."""
        return f"{self.repository}/{self.path}" if self.path else self.repository

    @property
    def is_commit(self) -> bool:
        """Whether ``ref`` is a full commit SHA (it then needs no resolving)."""
        return re.fullmatch(_FULL_SHA, self.ref) is not None

    @property
    def looks_short_sha(self) -> bool:
        """Whether ``ref`` could be a shortened commit SHA (an error when no branch or tag has that name)."""
        return re.fullmatch(_SHORT_SHA, self.ref) is not None

    def __str__(self) -> str:
        return f"{self.name}@{self.ref}"


def parse_action_ref(uses: str) -> ActionRef:
    """``owner/repo[/path]@ref`` read; anything else raises :class:`ActionRefError`."""
    match = re.fullmatch(_REF, uses)
    path = (match.group("path") or "").strip("/") if match else ""
    if match is None or any(part in ("", ".", "..") for part in path.split("/") if path):
        raise ActionRefError(f"'{uses}' is not a remote action: expected OWNER/REPO[/PATH]@REF")
    if match.group("owner") in (".", "..") or match.group("repo") in (".", ".."):
        raise ActionRefError(f"'{uses}' is not a remote action: expected OWNER/REPO[/PATH]@REF")
    return ActionRef(owner=match.group("owner"), repo=match.group("repo"), path=path, ref=match.group("ref"))
