"""``actions/checkout``, natively: the run's repository snapshot copied into the workspace.

The snapshot is the working tree (``baton run``) or exactly the commit (``--committed``
and the watcher), so a checkout needs no network and no credentials.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from pathlib import Path

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
        destination = posixpath.join(session.workspace, call.inputs.get("path", "").strip()) if call.inputs.get("path", "").strip() else session.workspace
        sparse = [line.strip() for line in call.inputs.get("sparse-checkout", "").splitlines() if line.strip()]
        if sparse:
            with tempfile.TemporaryDirectory(prefix="baton-sparse-") as folder:
                _copy_sparse(source, Path(folder), sparse)
                await session.upload(Path(folder), destination)
        else:
            await session.upload(source, destination)
        files = sum(1 for p in source.rglob("*") if p.is_file())
        say(f"Checked out {own or 'the repository'} ({files} files) into {destination}\n".encode())
        commit = call.github.get("sha", "")
        return ActionResult(is_success=True, outputs={"commit": str(commit), "ref": str(call.github.get("ref", ""))})


def _copy_sparse(source: Path, target: Path, patterns: list[str]) -> None:
    for pattern in patterns:
        for match in source.glob(pattern.strip("/")):
            relative = match.relative_to(source)
            if match.is_dir():
                shutil.copytree(match, target / relative, symlinks=True, dirs_exist_ok=True)
            else:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(match, target / relative)
    for name in source.iterdir():
        if name.is_file():
            shutil.copy2(name, target / name.name)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in checkout."""
    return [Checkout()]
