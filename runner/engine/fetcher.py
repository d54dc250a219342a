"""The seam through which the engine gets another repository's files (remote actions,
reusable workflows): :class:`ActionFetcher`, implemented in ``runner.source``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from runner.errors import BatonError
from runner.workflow.action_ref import ActionRef


class FetchError(BatonError):
    """A repository, ref or file of a remote action that cannot be had, and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedRepository:
    """A repository's files at one commit, on this machine."""

    folder: Path
    """The files (no ``.git``); shared by every run: read it, never write into it."""
    commit: str
    """The full commit SHA ``ref`` resolved to."""


class ActionFetcher(Protocol):
    """Gets the repository a remote action lives in, once per run however often it is used."""

    async def fetch(self, ref: ActionRef) -> FetchedRepository:
        """``ref.repository`` at ``ref.ref``; raises :class:`FetchError` saying which and why."""
        ...
