"""``uses: ./path``: composite, Docker and JavaScript actions read from the workspace."""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from runner.confinement import resolve_inside
from runner.engine.action_kinds import ActionSite, action_inputs, find_manifest, run_action
from runner.engine.job_state import JobScope, JobState, NestedStepRunner, StepResult
from runner.errors import OutsideRootError


async def run_local_action(
    scope: JobScope,
    state: JobState,
    index: int,
    uses: str,
    inputs: dict[str, str],
    env: dict[str, str],
    run_nested: NestedStepRunner,
) -> StepResult:
    """Load ``action.yml`` from the workspace and run the action it describes.

    A session whose workspace is not on this machine has the action downloaded into a
    temporary folder, removed when the step ends (a Docker action's image is built by then).
    """
    relative = posixpath.normpath(uses)
    with tempfile.TemporaryDirectory(prefix="baton-action-") as download:
        folder = await _folder(scope, relative, Path(download))
        manifest = find_manifest(
            folder,
            relative,
            missing=f"can't find 'action.yml' or 'action.yaml' in '{relative}' of the workspace "
            "(did you forget to run actions/checkout before running your local action?)",
        )
        site = ActionSite(
            manifest=manifest,
            folder=folder,
            path=posixpath.join(scope.session.workspace, relative),
            image_tag=f"baton-action-{scope.request.run_id}-{folder.name}".lower(),
        )
        values = action_inputs(scope, index, site, inputs, state.expression_contexts())
        return await run_action(scope, state, index, site, values, env, run_nested)


async def _folder(scope: JobScope, relative: str, download: Path) -> Path:
    """The action's folder on this machine (downloaded into ``download`` if remote)."""
    session = scope.session
    setting = f"uses: {relative}"
    if session.host_workspace is not None:
        return resolve_inside(session.host_workspace, relative, setting=setting)
    if relative == ".." or relative.startswith("../"):
        raise OutsideRootError(f"{setting}: leads outside the workspace; baton reads actions only from inside it")
    await session.download(posixpath.join(session.workspace, relative), download)
    return download
