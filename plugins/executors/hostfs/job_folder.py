"""The host folder a job works in: workspace, temp folder and tool cache under one root.

Both the host and the Docker executors lay a job out the same way::

    <host_dir>/baton-<run>-<job>-XXXX/
        .baton-run          the run id, so garbage collection never parses folder names
        work/<name>/<name>  the workspace (GITHUB_WORKSPACE)
        work/_temp          RUNNER_TEMP: scripts and command files
        tool                RUNNER_TOOL_CACHE
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from plugins.executors.hostfs import hostpath
from runner.api import ExecutorError, JobSpec, MissingPathError, is_owner_alive, owner_token

MARKER = ".baton-run"
OWNER_MARKER = ".baton-owner"
"""Holds the creating process (``runner.api.owner_token``): a live owner's folder is kept."""
"""File in a job folder's root holding the run id it belongs to."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str) -> str:
    """``text`` reduced to characters every file system and Docker object name accepts."""
    return _UNSAFE.sub("-", text).strip("-.") or "x"


def repository_name(job: JobSpec) -> str:
    """The workspace folder's name: the ``name`` of the job's ``owner/name`` repository."""
    return safe_name(job.repository.rstrip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFolder:
    """One job's folder on this machine."""

    root: Path
    work: Path
    """Parent of the workspace and the temp folder (mounted whole into a job container)."""
    workspace: Path
    temp: Path
    tool_cache: Path

    @classmethod
    def create(cls, base: Path, job: JobSpec, *, is_shared: bool) -> JobFolder:
        """Make a fresh folder for ``job`` under ``base``.

        With ``is_shared`` the folders are world-writable, for a container that runs its
        steps as another user than the one running baton.
        """
        try:
            base.mkdir(parents=True, exist_ok=True)
            root = Path(tempfile.mkdtemp(
                prefix=f"baton-{safe_name(job.run_id)}-{safe_name(job.job_key)}-", dir=base
            ))
            # The owner first: a sweep by another process only looks at folders with a
            # run marker, and one without an owner would pass for a dead process's.
            (root / OWNER_MARKER).write_text(owner_token())
            (root / MARKER).write_text(job.run_id)
            name = repository_name(job)
            folder = cls(
                root=root,
                work=root / "work",
                workspace=root / "work" / name / name,
                temp=root / "work" / "_temp",
                tool_cache=root / "tool",
            )
            for path in (folder.workspace, folder.temp, folder.tool_cache):
                path.mkdir(parents=True)
            if is_shared:
                for path in (folder.work, folder.workspace.parent, folder.workspace,
                             folder.temp, folder.tool_cache):
                    path.chmod(0o777)
        except OSError as exc:
            raise ExecutorError(f"cannot make a job folder under {base}: {exc}") from exc
        return folder

    def locate(self, path: Path) -> str:
        """``path`` (absolute, on this machine) relative to :attr:`root`; outside it is refused."""
        relative = os.path.relpath(os.path.normpath(path), self.root)
        if relative == ".." or relative.startswith("../"):
            raise hostpath.HostPathError(f"{path} is outside the job folder; baton touches nothing else on this machine")
        return relative

    def write_files(self, files: Mapping[Path, bytes], *, scripts: Collection[Path], is_shared: bool) -> None:
        """Write files anew under :attr:`root` (making parent folders); ``scripts`` become executable.

        With ``is_shared`` command files and folders are world-writable, so a step running
        as another user can append to ``GITHUB_ENV`` …; scripts stay read-only for it.
        """
        for path, content in files.items():
            mode = 0o755 if path in scripts else 0o666 if is_shared else 0o644
            hostpath.write_fresh(self.root, self.locate(path), content, mode=mode,
                                 folder_mode=0o777 if is_shared else 0o755, shown_as=str(path))

    def read_files(self, paths: Mapping[str, Path]) -> dict[str, bytes]:
        """The contents of those of ``paths`` (session path → host path) that exist as files.

        A link or any other thing than a regular file raises :class:`hostpath.HostPathError`.
        """
        found: dict[str, bytes] = {}
        for name, path in paths.items():
            content = hostpath.read_regular(self.root, self.locate(path), shown_as=name)
            if content is not None:
                found[name] = content
        return found

    def copy_in(self, source: Path, destination: Path, *, is_shared: bool, shown_as: str) -> None:
        """Merge host folder ``source`` into ``destination`` under :attr:`root`, links kept as links."""
        if not source.is_dir():
            raise ExecutorError(f"cannot upload {source}: not a folder")
        try:
            hostpath.copy_into(source, self.root, self.locate(destination), file_mode_or=0o666 if is_shared else 0,
                               folder_mode=0o777 if is_shared else 0o755, shown_as=shown_as)
        except OSError as exc:
            raise ExecutorError(f"cannot upload {source} to {shown_as}: {exc}") from exc

    def copy_out(self, source: Path, destination: Path, *, shown_as: str) -> None:
        """Copy file or folder ``source`` under :attr:`root` to ``destination``, links kept as links."""
        try:
            hostpath.copy_out_of(self.root, self.locate(source), destination, shown_as=shown_as)
        except FileNotFoundError:
            raise MissingPathError(f"cannot download {shown_as}: it does not exist in the session") from None
        except OSError as exc:
            raise ExecutorError(f"cannot download {shown_as} to {destination}: {exc}") from exc

    def remove(self) -> None:
        """Delete the folder and everything in it (best effort: a vanished file is fine)."""
        remove_tree(self.root)


def remove_tree(root: Path) -> None:
    """Delete ``root``, making read-only folders (``chmod -w`` by a step) writable first."""

    def retry(function: object, path: str, _exc: object) -> None:
        try:
            for folder in (os.path.dirname(path), path):
                if os.path.isdir(folder) and not os.path.islink(folder):
                    os.chmod(folder, os.stat(folder).st_mode | stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass

    shutil.rmtree(root, onerror=retry)


def leftover_folders(base: Path, active_runs: Collection[str]) -> list[tuple[Path, str]]:
    """Job folders under ``base`` whose run is not in ``active_runs``, with their run id."""
    found: list[tuple[Path, str]] = []
    try:
        candidates = sorted(base.glob("baton-*"))
    except OSError:
        return found
    for path in candidates:
        try:
            run_id = (path / MARKER).read_text()
            owner = (path / OWNER_MARKER).read_text() if (path / OWNER_MARKER).exists() else ""
        except OSError:
            continue  # not ours, or not readable: leave it alone
        if run_id not in active_runs and not (owner and is_owner_alive(owner)):
            found.append((path, run_id))
    return found


