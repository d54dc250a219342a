"""Settings baton reads and validates but does not apply yet, so that a run can say so."""

from __future__ import annotations

from runner.workflow.model import Workflow


def unapplied_settings(workflow: Workflow) -> str | None:
    """One line naming the settings of ``workflow`` that its runs ignore, or None.

    A workflow's ``concurrency`` (``baton run`` starts its runs at once; the watch service
    queues them by group; a job's ``concurrency`` is applied), ``cancel-timeout-minutes``,
    ``environment`` (no protection rules or environment secrets) and ``permissions``
    (no token to scope) are accepted as GitHub accepts them, then ignored.
    """
    found: dict[str, list[str]] = {}
    for setting, is_set in (("concurrency", workflow.concurrency is not None), ("permissions", workflow.permissions is not None)):
        if is_set:
            found.setdefault(setting, []).append("the workflow")
    for job in workflow.jobs.values():
        for setting, value in (
            ("cancel-timeout-minutes", job.cancel_timeout_minutes),
            ("environment", job.environment),
            ("permissions", job.permissions),
        ):
            if value is not None:
                found.setdefault(setting, []).append(f"job {job.id}")
    if not found:
        return None
    parts = [f"'{setting}' ({', '.join(where)})" for setting, where in found.items()]
    return f"{workflow.path}: baton does not apply {', '.join(parts)}; ignored"
