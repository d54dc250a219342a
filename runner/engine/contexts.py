"""The ``github`` and ``runner`` contexts and the variables every step sees.

A run starts from a :class:`RunInfo` (what the event was, which commit, who); each job
and step derives its contexts from it as new values, never by mutating shared state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runner.expr import Value

SERVER_URL = "https://github.com"
API_URL = "https://api.github.com"
GRAPHQL_URL = "https://api.github.com/graphql"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """Facts about one run that every job shares."""

    run_id: str
    run_number: int = 1
    run_attempt: int = 1
    event_name: str
    event: dict[str, Value] = field(default_factory=dict)
    """The event payload (``github.event``)."""
    ref: str
    sha: str
    repository: str
    """``owner/name``."""
    actor: str
    workflow: str
    """The workflow's display name."""
    workflow_path: str
    """The workflow file inside the repository (``.github/workflows/ci.yml``)."""
    head_ref: str = ""
    base_ref: str = ""
    token: str = ""
    """``github.token``; a secret, masked like one."""

    @property
    def ref_name(self) -> str:
        """The branch or tag name (``main`` for ``refs/heads/main``)."""
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    @property
    def ref_type(self) -> str:
        """``tag`` for tags, ``branch`` otherwise."""
        return "tag" if self.ref.startswith("refs/tags/") else "branch"

    @property
    def owner(self) -> str:
        """The repository owner."""
        return self.repository.partition("/")[0]


def github_context(info: RunInfo, *, job: str, workspace: str, event_path: str = "") -> dict[str, Value]:
    """The ``github`` context of a job (each step adds ``action``, ``env`` and ``path``)."""
    context: dict[str, Value] = {
        "action": "",
        "action_path": "",
        "action_ref": "",
        "action_repository": "",
        "action_status": "",
        "actor": info.actor,
        "actor_id": "0",
        "api_url": API_URL,
        "base_ref": info.base_ref,
        "event": info.event,
        "event_name": info.event_name,
        "event_path": event_path,
        "graphql_url": GRAPHQL_URL,
        "head_ref": info.head_ref,
        "job": job,
        "ref": info.ref,
        "ref_name": info.ref_name,
        "ref_protected": False,
        "ref_type": info.ref_type,
        "repository": info.repository,
        "repository_id": "0",
        "repository_owner": info.owner,
        "repository_owner_id": "0",
        "repositoryUrl": f"git://github.com/{info.repository}.git",
        "retention_days": "90",
        "run_attempt": str(info.run_attempt),
        "run_id": info.run_id,
        "run_number": str(info.run_number),
        "secret_source": "None",
        "server_url": SERVER_URL,
        "sha": info.sha,
        "token": info.token,
        "triggering_actor": info.actor,
        "workflow": info.workflow,
        "workflow_ref": f"{info.repository}/{info.workflow_path}@{info.ref}",
        "workflow_sha": info.sha,
        "workspace": workspace,
    }
    return context


def runner_context(*, os: str, arch: str, temp: str, tool_cache: str, name: str) -> dict[str, Value]:
    """The ``runner`` context."""
    return {
        "name": name,
        "os": os,
        "arch": arch,
        "temp": temp,
        "tool_cache": tool_cache,
        "debug": "",
        "environment": "self-hosted",
    }


def default_env(github: Mapping[str, Value], runner: Mapping[str, Value]) -> dict[str, str]:
    """The variables GitHub sets for every step (``CI``, ``GITHUB_*``, ``RUNNER_*``).

    ``BATON=true`` tells a step it runs under baton.
    """

    def text(value: Value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    env = {
        "CI": "true",
        "BATON": "true",
        "GITHUB_ACTIONS": "true",
    }
    for key in (
        "actor", "actor_id", "api_url", "base_ref", "event_name",
        "event_path", "graphql_url", "head_ref", "job", "ref", "ref_name", "ref_protected", "ref_type",
        "repository", "repository_id", "repository_owner", "repository_owner_id", "retention_days", "run_attempt",
        "run_id", "run_number", "server_url", "sha", "triggering_actor", "workflow", "workflow_ref",
        "workflow_sha", "workspace",
    ):  # fmt: skip
        if key in github:
            env[f"GITHUB_{key.upper()}"] = text(github[key])
    for key in ("name", "os", "arch", "temp", "tool_cache", "environment"):
        env[f"RUNNER_{key.upper()}"] = text(runner.get(key))
    return env
