"""``actions/checkout``, natively: the run's repository snapshot copied into the workspace.

The snapshot is the working tree (``baton run``) or exactly the commit (``--committed``
and the watcher), so a checkout needs no network and no credentials.
"""

from __future__ import annotations

import asyncio
import posixpath
import tempfile
from pathlib import Path

from plugins.executors.hostfs import hostpath
from runner.api import ActionCall, ActionResult, NativeAction, Session, hookimpl

_IGNORED_INPUTS = ("fetch-depth", "fetch-tags", "persist-credentials", "token", "ssh-key", "lfs", "show-progress", "set-safe-directory", "filter", "ssh-strict", "ssh-known-hosts", "ssh-user", "github-server-url", "clean")  # fmt: skip


class Checkout:
    """Copies the snapshot (or a sparse part of it) to ``with.path`` under the workspace."""

    names: tuple[str, ...] = ("actions/checkout",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Check the run's repository out; another ``repository:`` or ``ref:`` fails clearly."""
        say = call.output
        source = call.source
        if source is None:
            say(b"##[error]this run has no repository snapshot to check out\n")
            return ActionResult(is_success=False)
        wanted = call.inputs.get("repository", "").strip()
        own = str(call.github.get("repository", ""))
        if wanted and wanted.lower() != own.lower():
            say(f"##[error]checking out another repository ({wanted}) needs network access; baton checks out {own} from its snapshot\n".encode())
            return ActionResult(is_success=False)
        ref = call.inputs.get("ref", "").strip()
        known = {str(call.github.get(k, "")) for k in ("sha", "ref", "ref_name", "head_ref")}
        if ref and ref not in known:
            say(f"::warning::ref '{ref}' was asked for; baton checks out the run's own revision\n".encode())
        path = call.inputs.get("path", "").strip()
        destination = posixpath.normpath(posixpath.join(session.workspace, path))
        if not _is_under(destination, session.workspace):
            say(f"##[error]path: repository path '{path}' is not under the workspace '{session.workspace}'\n".encode())
            return ActionResult(is_success=False)
        sparse = [line.strip() for line in call.inputs.get("sparse-checkout", "").splitlines() if line.strip()]
        outside = [pattern for pattern in sparse if not _is_under(posixpath.normpath(posixpath.join("/r", pattern.strip("/"))), "/r")]
        if outside:
            say(f"##[error]sparse-checkout: '{outside[0]}' is not inside the repository\n".encode())
            return ActionResult(is_success=False)
        if sparse:
            with tempfile.TemporaryDirectory(prefix="baton-sparse-") as folder:
                for skipped in await asyncio.to_thread(_copy_sparse, source, Path(folder), sparse):
                    say(f"::warning::sparse-checkout: {skipped}\n".encode())
                await session.upload(Path(folder), destination)
        else:
            await session.upload(source, destination)
        files = await asyncio.to_thread(_count_files, source)
        say(f"Checked out {own or 'the repository'} ({files} files) into {destination}\n".encode())
        commit = call.github.get("sha", "")
        return ActionResult(is_success=True, outputs={"commit": str(commit), "ref": str(call.github.get("ref", ""))})


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def _is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _copy_sparse(source: Path, target: Path, patterns: list[str]) -> list[str]:
    """Copy the matches of ``patterns`` and the top-level files; committed links stay links.

    A match reached through a committed link to a folder is skipped (git would not follow
    it either); one message per pattern that lost matches so is returned.
    """
    skipped: list[str] = []
    names = {Path(entry.name) for entry in source.iterdir() if not entry.is_dir() or entry.is_symlink()}
    for pattern in patterns:
        matches = {match.relative_to(source) for match in source.glob(pattern.strip("/"))}
        through_links = {name for name in matches if _crosses_link(source, name)}
        if through_links:
            skipped.append(f"'{pattern}' reaches through a committed symbolic link, which baton does not follow")
        names |= matches - through_links
    for relative in sorted(names):
        try:
            hostpath.copy_entry(source, relative, target, shown_as=str(relative))
        except hostpath.HostPathError as exc:  # changed meanwhile: still never followed
            skipped.append(exc.message)
    return skipped


def _crosses_link(root: Path, relative: Path) -> bool:
    return any((root / parent).is_symlink() for parent in relative.parents if parent != Path("."))


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in checkout."""
    return [Checkout()]
