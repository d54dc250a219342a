"""``actions/download-artifact`` (v1 to v4), natively: artifacts of this run, from its
store in the baton home, into the workspace through the session."""

from __future__ import annotations

import fnmatch
import posixpath

from plugins.actions.workspace_files import OutsideWorkspace, path_lines
from runner.api import (ActionCall, ActionResult, Artifact, ArtifactError, ArtifactStore, NativeAction, Session,
                        check_artifact_name, hookimpl, human_size)


class DownloadArtifact:
    """Copies one artifact (``name``) or several (``pattern``, or all) into ``path``."""

    names: tuple[str, ...] = ("actions/download-artifact",)

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Download; an artifact not found, another run's, or a path outside the workspace fails the step."""
        say, inputs = call.output, call.inputs
        if call.home is None:
            raise ArtifactError("this run keeps no artifacts (it has no baton home)")
        other_run = inputs.get("run-id", "").strip()
        if other_run and other_run != call.run_id:
            raise ArtifactError(f"run-id: baton downloads artifacts of this run only ({call.run_id}), not of run {other_run}")
        try:
            lines = path_lines(inputs.get("path", "").strip() or ".", session.workspace, setting="path")
        except OutsideWorkspace as exc:
            raise ArtifactError(str(exc)) from None
        destination = posixpath.normpath(posixpath.join(session.workspace, lines[0].rstrip("/") if lines else "."))
        store = ArtifactStore(call.home)
        name = inputs.get("name", "").strip()
        is_merged = inputs.get("merge-multiple", "").strip().lower() == "true"
        if name:
            found = store.find(call.run_id, check_artifact_name(name))
            if found is None:
                known = ", ".join(a.name for a in store.artifacts(call.run_id)) or "none yet"
                raise ArtifactError(f"Unable to download artifact(s): Artifact not found for name: {name} "
                                    f"(artifacts of this run: {known})")
            chosen, places = [found], [destination]
        else:
            pattern = inputs.get("pattern", "").strip()
            chosen = [a for a in store.artifacts(call.run_id) if not pattern or fnmatch.fnmatchcase(a.name, pattern)]
            places = [destination if is_merged else posixpath.join(destination, a.name) for a in chosen]
            if not chosen:
                say(f"No artifacts of this run{f' match {pattern!r}' if pattern else ''}; nothing downloaded\n".encode())
        for artifact, place in zip(chosen, places):
            await _download(session, artifact, place)
            say(f"Downloaded artifact '{artifact.name}' ({artifact.files} files, {human_size(artifact.size)}) "
                f"to {place}\n".encode())
        return ActionResult(is_success=True, outputs={"download-path": destination})


async def _download(session: Session, artifact: Artifact, place: str) -> None:
    if not artifact.folder.is_dir():
        raise ArtifactError(f"the artifact '{artifact.name}' was removed meanwhile")
    await session.upload(artifact.folder, place)


@hookimpl
def baton_register_actions() -> list[NativeAction]:
    """The built-in download-artifact."""
    return [DownloadArtifact()]
