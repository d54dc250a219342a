"""``actions/upload-artifact`` (v1 to v4), natively: the files go into the run's artifact
store in the baton home, through the session, so every executor uploads offline.

v4 semantics by default: a name is uploaded once per run (``overwrite: true`` replaces
it), hidden files are left out unless ``include-hidden-files: true``. Before v4 an
upload to a taken name adds its files to the artifact, and hidden files are kept.
"""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

from plugins.actions.versions import major_of
from plugins.actions.workspace_files import OutsideWorkspace, common_root, compile_lines, gather, path_lines
from runner.api import (ActionCall, ActionResult, ArtifactError, ArtifactStore, NativeAction, OutputSink, Session,
                        check_artifact_name, hookimpl, human_size, retention_days)

_NO_FILES = ("warn", "error", "ignore")


class UploadArtifact:
    """Stores the matched files as an artifact of the run."""

    names: tuple[str, ...] = ("actions/upload-artifact",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Gather, store and report; a bad name, path or setting fails the step saying which."""
        say, inputs = call.output, call.inputs
        if call.home is None:
            raise ArtifactError("this run keeps no artifacts (it has no baton home)")
        is_legacy = major_of(call.uses) < 4
        name = check_artifact_name(inputs.get("name", "").strip() or "artifact")
        when_none = inputs.get("if-no-files-found", "").strip().lower() or "warn"
        if when_none not in _NO_FILES:
            raise ArtifactError(f"if-no-files-found: '{when_none}' is not one of {', '.join(_NO_FILES)}")
        days = retention_days(inputs.get("retention-days", ""))
        try:
            lines = path_lines(inputs.get("path", ""), session.workspace, setting="path")
        except OutsideWorkspace as exc:
            raise ArtifactError(str(exc)) from None
        if not any(not line.startswith("!") for line in lines):
            raise ArtifactError("path: no path to upload was given (input 'path' is required)")
        glob = compile_lines(lines, session.workspace)
        store = ArtifactStore(call.home)
        staging = store.new_upload(call.run_id)
        gathered = staging / "gathered"
        try:
            gathered.mkdir()
            files = await gather(session, glob, gathered, say)
            if not is_legacy and inputs.get("include-hidden-files", "").strip().lower() != "true":
                files = _without_hidden(gathered, files)
            if not files:
                return _nothing_found(say, when_none, inputs.get("path", "").strip())
            root = common_root(glob, files)
            os.rename(gathered / root if root else gathered, store.files_of(staging))
            artifact = store.commit(
                staging, run_id=call.run_id, name=name, job=call.job_key, retention_days=days,
                is_merged=is_legacy, is_overwritten=inputs.get("overwrite", "").strip().lower() == "true",
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # gone already once committed
        say(f"Uploaded artifact '{name}': {artifact.files} file{'s' * (artifact.files != 1)}, "
            f"{human_size(artifact.size)}, kept {days} days (baton artifacts {call.run_id})\n".encode())
        identifier = str(zlib.crc32(f"{call.run_id}/{name}".encode()))
        return ActionResult(is_success=True, outputs={
            "artifact-id": identifier,
            "artifact-url": f"baton://artifacts/{call.run_id}/{name}",
        })


def _without_hidden(root: Path, files: list[str]) -> list[str]:
    """``files`` less those with a segment starting with '.', which are removed from ``root``."""
    kept: list[str] = []
    for path in files:
        if any(part.startswith(".") for part in path.split("/")):
            os.unlink(root / path)
        else:
            kept.append(path)
    return kept


def _nothing_found(say: OutputSink, when_none: str, shown: str) -> ActionResult:
    message = f"No files were found with the provided path: {shown}. No artifacts will be uploaded."
    if when_none == "error":
        say(f"##[error]{message}\n".encode())
        return ActionResult(is_success=False)
    say((f"::warning::{message}\n" if when_none == "warn" else f"{message}\n").encode())
    return ActionResult(is_success=True)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in upload-artifact."""
    return [UploadArtifact()]
