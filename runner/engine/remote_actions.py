"""``uses: owner/repo[/path]@ref``: an action of another repository, fetched, staged, run.

The repository comes through the run's :class:`~runner.engine.fetcher.ActionFetcher`
(cached by commit, fetched once per run), and is copied into the session once per job
at ``_actions/<owner>/<repo>/<commit>`` beside the workspace, as GitHub's runner lays it.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from runner.confinement import resolve_inside
from runner.engine.action_kinds import ActionSite, action_inputs, find_manifest, run_action
from runner.errors import ActionError
from runner.engine.job_state import JobScope, JobState, NestedStepRunner, StepResult
from runner.workflow.action_ref import ActionRef

MAX_DEPTH = 32
"""Composite actions inside composite actions, at most: deeper is a loop, not a design."""


async def load_remote(scope: JobScope, ref: ActionRef) -> ActionSite:
    """The action ``ref`` names, fetched and copied into the job's session."""
    fetcher = scope.request.fetcher
    if fetcher is None:
        raise ActionError(f"cannot run '{ref}': this run has no source of remote actions")
    fetched = await fetcher.fetch(ref)
    session = scope.session
    staged = posixpath.join(posixpath.dirname(session.temp), "_actions", ref.owner, ref.repo, fetched.commit)
    key = f"{ref.repository}@{fetched.commit}".lower()
    if key not in scope.staged:
        await session.upload(fetched.folder, staged)
        scope.staged[key] = staged
    folder = resolve_inside(fetched.folder, ref.path or ".", setting=f"uses: {ref}")
    if not folder.is_dir():
        raise ActionError(f"'{ref}': {ref.repository} at {ref.ref} ({fetched.commit[:12]}) has no folder '{ref.path}'")
    manifest = find_manifest(
        folder,
        ref.name,
        missing=f"'{ref}': there is no action.yml or action.yaml in "
        f"{ref.repository}{'/' + ref.path if ref.path else ''} at {ref.ref} ({fetched.commit[:12]})",
    )
    return ActionSite(
        manifest=manifest,
        folder=folder,
        path=posixpath.join(staged, ref.path) if ref.path else staged,
        repository=ref.repository,
        ref=ref.ref,
        image_tag=f"baton-action/{ref.owner}-{ref.repo}{'-' + ref.path.replace('/', '-') if ref.path else ''}:{fetched.commit}".lower(),
        is_image_cached=True,
    )


async def run_remote_action(
    scope: JobScope,
    state: JobState,
    index: int,
    ref: ActionRef,
    inputs: dict[str, str],
    env: dict[str, str],
    run_nested: NestedStepRunner,
) -> StepResult:
    """Run the remote action ``ref`` as the step at ``index`` (its ``pre`` has run at the job's start)."""
    if state.depth >= MAX_DEPTH:
        raise ActionError(f"'{ref}' is nested {state.depth} composite actions deep; baton stops there (a loop?)")
    site = await load_remote(scope, ref)
    if state.depth == 0:
        site = replace(site, state=state.pre_states.get(index, {}))
    values = action_inputs(scope, index, site, inputs, state.expression_contexts())
    return await run_action(scope, state, index, site, values, env, run_nested)
