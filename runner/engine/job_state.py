"""A job while its steps run: what stays fixed (:class:`JobScope`), the state between
steps (:class:`JobState`: env from ``GITHUB_ENV``, ``PATH`` additions, the ``steps``
context, the status), and what one step leaves (:class:`StepResult`)."""

from __future__ import annotations

import asyncio
import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from runner.api import ExecutorError, RemoteFiles, Session
from runner.engine.masking import Masker
from runner.engine.request import RunRequest
from runner.events import EventBus, LogLines
from runner.expr import HashFiles, Status, Value
from runner.expr.hashfiles import hash_through, hash_workspace_files
from runner.plan import Leg
from runner.status import Conclusion
from runner.workflow.model import RunDefaults, Step
from runner.workflow.resolve import resolve_defaults
from runner.workflow.text import Condition, Text, Tree

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class JobScope:
    """What stays fixed while a job's steps run."""

    request: RunRequest
    leg: Leg
    session: Session
    bus: EventBus
    masker: Masker
    contexts: dict[str, Value]
    """github, needs, strategy, matrix, vars, inputs, secrets, runner, job."""
    base_env: dict[str, str]
    """``CI``, ``GITHUB_*``, ``RUNNER_*``: every process of the job gets them, under its own env."""
    staged: dict[str, str] = field(default_factory=dict)
    """Remote action repositories already copied into the session: ``owner/repo@commit`` → path."""
    tools: dict[str, str] = field(default_factory=dict)
    """Programs found in the session, by name (``node``: its path, '' when there is none)."""

    def process_env(self, env: dict[str, str], identity: StepIdentity | None) -> dict[str, str]:
        """The variables a step's process gets: ``env``, then the runner's own variables,
        which a workflow cannot override (GitHub ignores such assignments)."""
        own = identity.env() if identity is not None else {}
        return {**env, **self.base_env, **own}

    def log(self, index: int, *lines: str) -> None:
        """Publish lines (masked) into step ``index``'s log."""
        self.bus.publish(
            LogLines(run_id=self.request.run_id, job_key=self.leg.key, index=index,
                     lines=tuple(self.masker.mask_lines(list(lines))), is_runner=True)
        )

    def defaults(self, contexts: dict[str, Value]) -> tuple[RunDefaults, ...]:
        """``defaults.run`` of the job (evaluated in ``contexts`` when it is one
        expression), then of the workflow: the first set value wins."""
        return (resolve_defaults(self.leg.job.defaults, contexts), self.request.plan.workflow.defaults)

    async def off_loop(self, step: Step, work: Callable[[], T]) -> T:
        """``work``, which evaluates expressions of ``step``, in a worker thread when one of
        them calls ``hashFiles`` (it reads the workspace's files, or asks the executor to:
        blocking), so the event loop and the other jobs never wait for it; else here."""
        return await asyncio.to_thread(work) if calls_hash_files(step) else work()

    def hash_files(self) -> HashFiles:
        """``hashFiles`` over the workspace: read here when it is a folder of this machine,
        else hashed where it is (:class:`runner.api.RemoteFiles`), never a path of this
        machine that only looks like the workspace."""
        session = self.session
        folder = session.host_workspace
        if folder is not None:
            return lambda patterns: hash_workspace_files(str(folder), patterns)
        if isinstance(session, RemoteFiles):
            return lambda patterns: hash_through(session.workspace, patterns, session.hash_files)

        def unavailable(patterns: Sequence[str]) -> str:
            raise ExecutorError("hashFiles cannot read this session's workspace (its executor hashes no files)")

        return unavailable


_COMMAND_FILES = ("env", "output", "path", "step_summary", "state")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepIdentity:
    """What is particular to the step running now: its action name and command files."""

    action: str
    """``GITHUB_ACTION``: the step's id, else ``__run``, ``__run_2``, ``__actions_checkout``, …"""
    files: dict[str, str]
    """Session paths of its command files by kind (``env``, ``output``, ``path``, …)."""

    @classmethod
    def create(cls, action: str, temp: str) -> StepIdentity:
        """Fresh, unique command-file paths under the session's temp folder."""
        tag = os.urandom(16).hex()
        folder = posixpath.join(temp, "_runner_file_commands")
        return cls(action=action, files={kind: posixpath.join(folder, f"{kind}_{tag}") for kind in _COMMAND_FILES})

    def env(self) -> dict[str, str]:
        """``GITHUB_ACTION``, ``GITHUB_ENV``, ``GITHUB_OUTPUT``, ``GITHUB_PATH``, …"""
        return {"GITHUB_ACTION": self.action, **{f"GITHUB_{kind.upper()}": path for kind, path in self.files.items()}}

    def github(self) -> dict[str, Value]:
        """What it adds to the ``github`` context."""
        return {"action": self.action, "env": self.files["env"], "path": self.files["path"]}


@dataclass(frozen=True, slots=True, kw_only=True)
class JobState:
    """The job between two steps."""

    contexts: dict[str, Value]
    env: dict[str, str]
    """Workflow and job ``env``, then what ``GITHUB_ENV`` added."""
    path: tuple[str, ...] = ()
    """Folders ``GITHUB_PATH`` added, most recent first."""
    steps: dict[str, Value] = field(default_factory=dict)
    status: str = "success"
    """``success``, ``failure`` or ``cancelled``."""
    summary: str = ""
    exported: dict[str, str] = field(default_factory=dict)
    """What ``GITHUB_ENV`` set so far (a composite action hands it to its job)."""
    outer_status: str | None = None
    """Inside a composite action: the job's status (``status`` is then the composite's)."""
    identity: StepIdentity | None = None
    """The step running now (None between steps)."""
    action_counts: dict[str, int] = field(default_factory=dict)
    """How often each ``GITHUB_ACTION`` base name was used, for ``__run_2`` and so on."""
    posts: tuple[PostStep, ...] = ()
    """The ``post`` parts of the actions that ran, in the order they ran (run in reverse)."""
    pre_states: dict[int, dict[str, str]] = field(default_factory=dict)
    """What each top-level step's ``pre`` saved (``GITHUB_STATE``), by step index."""
    depth: int = 0
    """How many composite actions this state is inside (0: the job's own steps)."""

    @property
    def status_inputs(self) -> Status:
        """The inputs of ``success()``/``failure()``/``cancelled()`` for the next step."""
        if self.outer_status is None:
            return Status(job=self.status, is_cancelled=self.status == "cancelled")
        return Status(job=self.outer_status, composite=self.status, is_cancelled=self.outer_status == "cancelled")

    def expression_contexts(self, env: dict[str, str] | None = None) -> dict[str, Value]:
        """Contexts of a step's expressions (``env``: the step's own, when it has one)."""
        current = self.contexts.get("job")
        job: dict[str, Value] = dict(current) if isinstance(current, dict) else {}
        job["status"] = self.status
        contexts = {**self.contexts, "env": as_value(self.env if env is None else env), "steps": self.steps, "job": job}
        github = self.contexts.get("github")
        if self.identity is not None and isinstance(github, dict):
            contexts["github"] = {**github, **self.identity.github()}
        return contexts


def as_value(mapping: dict[str, str]) -> dict[str, Value]:
    """A string mapping as an expression value (a copy)."""
    out: dict[str, Value] = {}
    out.update(mapping)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    """What one step produced."""

    outcome: Conclusion
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    path: tuple[str, ...] = ()
    summary: str = ""
    state: dict[str, str] = field(default_factory=dict)
    """What the step saved for its action's later parts (``GITHUB_STATE``, ``::save-state``)."""
    posts: tuple[PostStep, ...] = ()
    """``post`` parts to run after the job's steps (an action's own, or its nested actions')."""
    steps: dict[str, Value] = field(default_factory=dict)
    """Entries of the ``steps`` context the step's own steps add (a ``parallel`` group's)."""


class PostRunner(Protocol):
    """Runs one ``post`` part in ``state`` (its identity set), logging into step ``index``."""

    async def __call__(self, scope: JobScope, state: JobState, index: int) -> StepResult:
        """What the post part produced."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostStep:
    """An action's ``post`` part, run after the job's steps (also after a failure)."""

    name: str
    """``Post <the step's name>``."""
    action: str
    """``GITHUB_ACTION`` of the step it belongs to."""
    condition: Condition | None
    """``post-if`` (None: ``always()``)."""
    inputs: dict[str, str]
    """The action's inputs (what ``post-if`` reads as ``inputs``)."""
    run: PostRunner


class NestedStepRunner(Protocol):
    """Runs a step inside a parent step (a composite action's, a ``parallel`` group's):
    it logs into the parent's step ``index`` and publishes no step events of its own.

    Passed down to what nests steps, so that they need not import the step runner.
    """

    async def __call__(self, scope: JobScope, state: JobState, step: Step, index: int) -> JobState:
        """The state after ``step``."""


def calls_hash_files(step: Step) -> bool:
    """Whether an expression of ``step`` (its ``if``, ``run``, ``with``, ``env`` or
    ``continue-on-error``) may call ``hashFiles``."""
    texts: list[Tree] = [step.run, step.continue_on_error, step.with_ if isinstance(step.with_, Text) else list(step.with_.values()),
                         step.env if isinstance(step.env, Text) else list(step.env.values())]
    sources = [step.condition.source] if step.condition is not None else []
    while texts:
        item = texts.pop()
        if isinstance(item, Text):
            sources.append(item.source)
        elif isinstance(item, list):
            texts.extend(item)
        elif isinstance(item, dict):
            texts.extend(item.values())
    return any("hashfiles" in source.lower() for source in sources)
