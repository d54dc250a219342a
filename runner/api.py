"""The plugin facade: everything an executor, action or notifier plugin may import.

Plugins import this module and nothing else of ``runner``. An executor receives resolved
plain dataclasses (no YAML, no expressions) and opens one :class:`Session` per job; the
engine drives the session through a handful of async methods.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import pluggy

from runner.artifact_store import Artifact, ArtifactError, ArtifactStore, retention_days
from runner.artifact_store import check_name as check_artifact_name
from runner.atomic import human_size
from runner.cache_store import CacheEntry, CacheError, CacheStore, OverLimit, cache_version
from runner.cache_store import check_key as check_cache_key
from runner.errors import ActionError, ConfigError, DeliveryError, ExecutorError, InfrastructureError, MissingPathError
from runner.expr import Value
from runner.expr.hashfiles import FileGlob, compile_file_globs
from runner.process import is_owner_alive, owner_token

__all__ = [
    "API_VERSION",
    "ActionCall",
    "ActionError",
    "ActionResult",
    "Artifact",
    "ArtifactError",
    "ArtifactStore",
    "CacheEntry",
    "CacheError",
    "CacheStore",
    "FileGlob",
    "MissingPathError",
    "OverLimit",
    "PostAction",
    "cache_version",
    "check_artifact_name",
    "check_cache_key",
    "retention_days",
    "compile_file_globs",
    "human_size",
    "ConfigError",
    "DeliveryError",
    "FailedJob",
    "Notice",
    "Notifier",
    "NotifierClass",
    "ContainerSpec",
    "Command",
    "Executor",
    "ExecutorClass",
    "HostPool",
    "ImageHolder",
    "ExecutorError",
    "InfrastructureError",
    "JobSpec",
    "NODE_FOLDER",
    "NativeAction",
    "Outcome",
    "OutputSink",
    "Pull",
    "RemoteFiles",
    "ServiceInfo",
    "Session",
    "Value",
    "hookimpl",
    "is_owner_alive",
    "owner_token",
]

API_VERSION = 1
"""Bumped when a protocol or a spec dataclass changes incompatibly. A plugin module may
say which version it was written for (``BATON_API_VERSION = 1``); baton refuses to load
one written for another."""

hookimpl = pluggy.HookimplMarker("baton")
"""Marks a plugin's hook implementations (``@hookimpl def baton_register_executors(): …``)."""

Pull = Literal["missing", "always", "never"]
"""When an image is pulled: only when absent (default), before every job, or never."""

NODE_FOLDER = "/__e/node/bin"
"""Where a container executor mounts the folder of :attr:`JobSpec.node` (read-only), as
GitHub's runner mounts its own node at ``/__e``."""

OutputSink = Callable[[bytes], None]
"""Receives a step's combined stdout/stderr as raw chunks, in order, on the event loop."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceInfo:
    """A running service container, as the ``job.services.<id>`` context shows it."""

    id: str
    """The container's id."""
    network: str
    """The id of the job's network, on which steps reach the service by its name."""
    ports: dict[str, str] = field(default_factory=dict)
    """Published ports: the container's port → this machine's (``{"5432": "49153"}``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerSpec:
    """A resolved ``container:`` or service: every expression already evaluated."""

    image: str
    env: dict[str, str] = field(default_factory=dict)
    ports: tuple[str, ...] = ()
    """Docker port mappings (``8080:80``, ``5432``)."""
    volumes: tuple[str, ...] = ()
    """``source:target[:mode]`` mounts; a bare ``/path`` is an anonymous volume."""
    options: str = ""
    """Extra ``docker create`` flags as written (``--cpus 1 --health-cmd "…"``)."""
    username: str | None = None
    password: str | None = None
    command: tuple[str, ...] = ()
    entrypoint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSpec:
    """What an executor needs to open a session for one job (one matrix leg)."""

    run_id: str
    """Labels every resource the session creates (``baton.run=<run_id>``)."""
    job_key: str
    """Unique within the run (``build`` or ``build.2``)."""
    name: str
    labels: tuple[str, ...]
    """The evaluated ``runs-on`` labels."""
    image: str | None = None
    """The image a container executor uses when there is no ``container:``."""
    container: ContainerSpec | None = None
    services: dict[str, ContainerSpec] = field(default_factory=dict)
    repository: str = "repo"
    """``owner/name``; the workspace folder is named after ``name``."""
    pull: Pull = "missing"
    host: str | None = None
    """The host a host-pool executor must use: the one ``-P LABEL=ssh://TARGET`` names,
    or the one with a free slot that the engine chose among those whose labels fit; None
    (outside the engine) lets the executor take the first host whose labels fit."""
    node: Path | None = None
    """A ``node`` binary on this machine that baton provides for JavaScript actions, used
    where the job's environment has none: a container executor mounts its folder read-only
    at :data:`NODE_FOLDER`; an executor on this machine finds it where it is."""
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The run's secrets, for the executor's own credentials (an SSH host's
    ``identity_secret``); never put in a command's environment by the executor itself."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One process to run in a session: a step's script, or an action's helper."""

    argv: tuple[str, ...]
    env: dict[str, str]
    """Variables set on top of the session's own environment (the image's ``ENV`` in a
    container, a minimal login environment on a host). Secrets travel here, never in argv."""
    path: tuple[str, ...] = ()
    """Folders prepended to the session's ``PATH`` (from ``GITHUB_PATH``), first wins."""
    cwd: str
    """Working directory, as the session sees paths."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Files to write before running (session paths): the script, empty command files.

    A session on this machine writes them only inside the job's folder, afresh and through
    no link; a path elsewhere, or one that crosses a link, raises :class:`ExecutorError`."""
    collect: tuple[str, ...] = ()
    """Files to read back after the process ends (``GITHUB_ENV``, ``GITHUB_OUTPUT``, …).

    Only regular files are read: a link, a FIFO or a device raises :class:`ExecutorError`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How a :class:`Command` ended."""

    exit_code: int
    files: dict[str, bytes] = field(default_factory=dict)
    """The collected files that existed, by session path."""


class Session(Protocol):
    """A place where one job's steps run: a container, an SSH host, a host folder.

    Opened by :meth:`Executor.session`; closing it removes everything it created, on
    success, failure, timeout and cancellation alike.
    """

    workspace: str
    """``GITHUB_WORKSPACE`` as processes in the session see it."""
    temp: str
    """``RUNNER_TEMP``: scripts and command files live here."""
    tool_cache: str
    """``RUNNER_TOOL_CACHE``."""
    os: str
    """``RUNNER_OS``: ``Linux``, ``macOS`` or ``Windows``."""
    arch: str
    """``RUNNER_ARCH``: ``X64``, ``ARM64``, …"""
    host_workspace: Path | None
    """The workspace as a folder on this machine, when it is one (for ``hashFiles``).
    A session whose workspace is elsewhere (None here) implements :class:`RemoteFiles`
    so that ``hashFiles`` hashes the files where they are."""
    services: dict[str, ServiceInfo]
    """The job's running services by name (``job.services``); steps reach each by its name
    on the job's network. Empty where an executor runs services its own way or none."""

    async def execute(self, command: Command, output: OutputSink) -> Outcome:
        """Run ``command``, streaming its output; a non-zero exit is a value, not an error.

        Cancelling the calling task stops the process (SIGTERM, then SIGKILL after a
        grace period) before re-raising. Raises :class:`ExecutorError` only when the
        session itself is lost (container gone, connection dropped).
        """
        ...

    async def run_container(self, spec: ContainerSpec, command: Command, output: OutputSink) -> Outcome:
        """Run ``command`` in a one-off container of ``spec.image`` (``uses: docker://…`` and
        Docker actions) with the workspace and temp folder mounted at the same paths and
        on the job's network; ``command.argv`` are the arguments, ``spec.entrypoint``
        overrides the image's. Raises :class:`ExecutorError` where there is no Docker."""
        ...

    async def build_image(self, context: Path, dockerfile: str, tag: str, *, is_cached: bool = False) -> str:
        """Build an image from a folder on this machine (Dockerfile actions); returns its id.

        ``is_cached``: ``tag`` names exactly this content (a remote action's commit), so an
        image of that tag already there is used as is, and the image outlives the session."""
        ...

    async def upload(self, source: Path, destination: str) -> None:
        """Copy a host folder's contents into the session at ``destination``."""
        ...

    async def download(self, source: str, destination: Path) -> None:
        """Copy a session folder or file to ``destination`` on this machine."""
        ...


@runtime_checkable
class RemoteFiles(Protocol):
    """What a session whose workspace is not on this machine adds: hashing files there."""

    def hash_files(self, roots: Sequence[str], is_wanted: Callable[[str], bool]) -> dict[str, bytes]:
        """SHA-256 digests of the regular files under ``roots`` (paths relative to the
        workspace; links not followed) whose relative path ``is_wanted`` accepts, by that
        path. Blocks (``hashFiles`` is called inside an expression): keep it to a round trip
        or two. Raises :class:`ExecutorError` when the files cannot be read."""
        ...


class Executor(Protocol):
    """Runs jobs somewhere; registered through ``baton_register_executors``."""

    name: str
    """What ``--executor`` and the config's label map call it (``docker``, ``local``)."""

    async def check(self) -> None:
        """Raise :class:`ExecutorError` with one clear sentence if this executor cannot run now."""
        ...

    def session(self, job: JobSpec) -> AbstractAsyncContextManager[Session]:
        """Open a session for ``job``; the context exit cleans up."""
        ...

    async def collect_garbage(self, active_runs: Collection[str]) -> list[str]:
        """Remove what runs not in ``active_runs`` left behind (a killed process's
        containers, networks, volumes, folders); returns a line per thing removed."""
        ...


@runtime_checkable
class ImageHolder(Protocol):
    """What an executor that runs jobs in images adds (``docker``): whether it can have one,
    so ``--executor auto`` says before the run which jobs would fail for want of their image."""

    async def can_have_image(self, image: str, pull: Pull) -> bool:
        """Whether ``image`` is here, or (unless ``pull`` is ``never``) can be pulled now."""
        ...


@runtime_checkable
class HostPool(Protocol):
    """What an executor that spreads jobs over named hosts adds (``ssh``): the hosts, so
    placement can send a job whose ``runs-on`` labels all belong to a host there."""

    def host_labels(self) -> dict[str, frozenset[str]]:
        """Each host's name → its lower-case labels."""
        ...

    def host_capacities(self) -> dict[str, int]:
        """Each host's name → how many jobs may run on it at once (the engine counts
        them across every run of the process, and hands the session a host with a free
        slot in :attr:`JobSpec.host`)."""
        ...

    def notes(self) -> list[str]:
        """Lines a run shows before it starts (hosts whose keys are not checked, …)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionCall:
    """A ``uses:`` step handed to a native action."""

    uses: str
    """As written, e.g. ``actions/checkout@v4``."""
    inputs: dict[str, str]
    """``with:`` values, evaluated, plus the action's defaults."""
    env: dict[str, str]
    """The step's environment."""
    source: Path | None
    """The repository snapshot on this machine (working tree or commit) for checkout."""
    github: Mapping[str, Value]
    """The ``github`` context."""
    output: OutputSink
    """Where the action's log goes."""
    path: tuple[str, ...] = ()
    """Folders ``GITHUB_PATH`` added so far, first wins (for a :class:`Command` the action runs)."""
    run_id: str = ""
    job_key: str = ""
    home: Path | None = None
    """The baton home: where native actions keep what outlives the job (artifacts of the
    run, caches of the repository). None when the run keeps nothing."""
    settings: Mapping[str, Value] = field(default_factory=dict)
    """The ``[actions]`` table of baton.toml (``cache-size-limit``, …)."""
    state: Mapping[str, str] = field(default_factory=dict)
    """In a post step: what the main step saved (:attr:`ActionResult.state`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResult:
    """What a native action produced."""

    is_success: bool
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    """Variables added to the job's environment, as ``GITHUB_ENV`` would."""
    path: tuple[str, ...] = ()
    """Folders prepended to ``PATH``, as ``GITHUB_PATH`` would."""
    state: dict[str, str] = field(default_factory=dict)
    """What the post step gets back as :attr:`ActionCall.state` (``GITHUB_STATE``)."""
    declined: str = ""
    """Why the native implementation steps aside (non-empty): the real action runs
    instead (``setup-python`` asked for a version the job environment does not have)."""


class NativeAction(Protocol):
    """An action baton implements itself, through the session, so it runs everywhere offline."""

    names: tuple[str, ...]
    """The ``owner/repo[/path]`` it stands for (any ``@ref``)."""

    async def run(self, call: ActionCall, session: Session) -> ActionResult:
        """Do the action's work in ``session``."""
        ...


@runtime_checkable
class PostAction(Protocol):
    """What a native action with a post step adds (``actions/cache`` saves after the job)."""

    post_if: str
    """When the post step runs, as an action's ``post-if``: ``success()`` or ``always()``."""

    async def post(self, call: ActionCall, session: Session) -> ActionResult:
        """The post step, after the job's steps (in reverse order of the main steps), with
        the main step's inputs and :attr:`ActionCall.state`."""
        ...


class ExecutorClass(Protocol):
    """What ``baton_register_executors`` returns: an executor class (or factory) with a name."""

    name: str

    def __call__(self, options: Mapping[str, Value]) -> Executor:
        """Build the executor from its settings (``[executors.<name>]`` of baton.toml, flags)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedJob:
    """A job that did not succeed, in a :class:`Notice`."""

    name: str
    conclusion: str
    """``failure``, ``cancelled``, ``interrupted``."""
    error: str = ""
    """Its first error annotation (``app.py:3: lint found 1 problem``), or why it failed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """What a notifier is told about one finished run. Secrets are already masked."""

    repository: str
    workflow: str
    ref: str
    sha: str
    run: int
    """The run's number in the store (``baton logs <run>``)."""
    conclusion: str
    """``success``, ``failure``, ``cancelled``, ``interrupted``."""
    reason: str
    """Which of a notifier's ``on`` values this is: ``success``, ``failure``,
    ``cancelled`` or ``fixed`` (failed before, passes now)."""
    jobs: tuple[FailedJob, ...] = ()
    """The jobs that did not succeed."""
    logs: str = ""
    """How to see the logs (``baton logs 12``)."""


class Notifier(Protocol):
    """Tells people about finished runs; one per ``[notify.<name>]`` table of baton.toml."""

    def send(self, notice: Notice) -> None:
        """Deliver ``notice``, retrying what may heal; called on a worker thread, never on
        the event loop. Raises :class:`DeliveryError` saying why it could not."""
        ...


class NotifierClass(Protocol):
    """What ``baton_register_notifiers`` returns: a notifier class (or factory) with a ``kind``."""

    kind: str
    """The ``kind = "..."`` of baton.toml's ``[notify.<name>]`` tables it serves."""

    def __call__(self, name: str, options: Mapping[str, Value], secret: str | None) -> Notifier:
        """Build the notifier from its table (``url``, ...) and the value of the secret
        its ``secret`` key names (None when it names none). Raises :class:`ConfigError`
        naming the table and key at fault."""
        ...
