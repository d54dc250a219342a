"""The validated workflow: frozen objects that keep where every value came from.

Nothing here evaluates anything: the planner and the engine do, with the contexts of
their moment. Where GitHub's schema lets a whole mapping or sequence be one ``${{ }}``,
the field may be a :class:`Text` instead; :func:`runner.workflow.resolve.resolve` turns
it into the field's own type once its contexts are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.errors import Mark
from runner.workflow.text import Condition, Text, Tree
from runner.workflow.tree import Plain
from runner.workflow.triggers import Triggers


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDefaults:
    """``defaults.run``: the shell and working directory of ``run`` steps."""

    shell: Text | None = None
    working_directory: Text | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Concurrency:
    """``concurrency``: at most one run or job per group."""

    group: Text
    cancel_in_progress: Tree = False
    queue: str | Text | None = None
    """``single`` (default: a newer pending run replaces the waiting one) or ``max``, or an
    expression that gives one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Container:
    """``container`` or one of ``services``: an image and how to start it."""

    image: Text
    credentials: dict[str, Text] | Text | None = None
    env: dict[str, Text] | Text = field(default_factory=dict)
    ports: tuple[Text, ...] | Text = ()
    volumes: tuple[Text, ...] | Text = ()
    options: Text | None = None
    command: Text | None = None
    """``services.<id>.command`` (GitHub's newer key), overriding the image's command."""
    entrypoint: Text | None = None
    mark: Mark


@dataclass(frozen=True, slots=True, kw_only=True)
class Strategy:
    """``strategy``: the matrix and how its legs run."""

    matrix: Tree
    """A mapping of dimensions (plus ``include``/``exclude``), or one expression."""
    fail_fast: Tree = True
    max_parallel: Tree = None
    mark: Mark


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """A step that controls background steps: ``wait``, ``wait-all`` or ``cancel``."""

    kind: str
    """``wait``, ``wait-all`` or ``cancel``."""
    ids: tuple[str, ...] = ()
    """The background steps it names (none for ``wait-all``: every one not yet waited for)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One step of a job: ``run`` a script or ``uses`` an action."""

    index: int
    """Position in the job, from 0."""
    id: str | None = None
    name: Text | None = None
    condition: Condition | None = None
    run: Text | None = None
    shell: Text | None = None
    working_directory: Text | None = None
    uses: str | None = None
    with_: dict[str, Text] | Text = field(default_factory=dict)
    env: dict[str, Text] | Text = field(default_factory=dict)
    continue_on_error: Tree = False
    timeout_minutes: Tree = None
    parallel: tuple[Step, ...] = ()
    """A step group (``- parallel: [...]``): these steps run side by side instead."""
    background: bool = False
    """``background: true``: the job goes on to the next step while this one runs."""
    control: Control | None = None
    """Set for a ``wait``, ``wait-all`` or ``cancel`` step, which runs nothing itself."""
    mark: Mark

    @property
    def display_name(self) -> str:
        """GitHub's default step name: the name, else ``Run <first line>`` or ``Run <action>``."""
        if self.name is not None:
            return self.name.source
        if self.parallel:
            return f"Parallel: {', '.join(step.display_name for step in self.parallel)}"
        if self.control is not None:
            named = ", ".join(self.control.ids) or "all background steps"
            return f"{'Cancel' if self.control.kind == 'cancel' else 'Wait for'} {named}"
        if self.run is not None:
            first = next((ln for ln in self.run.source.splitlines() if ln.strip()), "")
            return f"Run {first.strip()}"
        return f"Run {self.uses}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One job of a workflow: steps on a runner, or a call of a reusable workflow."""

    id: str
    name: Text | None = None
    needs: tuple[str, ...] = ()
    condition: Condition | None = None
    runs_on: Tree = None
    """A label, a list of labels, or ``{group, labels}``; None for reusable-workflow calls."""
    strategy: Strategy | Text | None = None
    container: Container | Text | None = None
    services: dict[str, Container | Text] | Text = field(default_factory=dict)
    outputs: dict[str, Text] = field(default_factory=dict)
    env: dict[str, Text] | Text = field(default_factory=dict)
    defaults: RunDefaults | Text = RunDefaults()
    """``defaults.run``; a :class:`Text` when ``defaults.run`` is one expression."""
    timeout_minutes: Tree = 360
    cancel_timeout_minutes: Tree = None
    """How long a cancelled job's steps get to stop (GitHub: 5 minutes)."""
    continue_on_error: Tree = False
    concurrency: Concurrency | Text | None = None
    environment: Tree = None
    permissions: Plain = None
    steps: tuple[Step, ...] = ()
    uses: str | None = None
    """A reusable workflow (``./.github/workflows/x.yml`` or ``owner/repo/path@ref``)."""
    with_: dict[str, Tree] = field(default_factory=dict)
    secrets: dict[str, Text] | str | None = None
    """Secrets passed to a reusable workflow: a mapping, or ``"inherit"``."""
    mark: Mark


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    """A validated workflow file."""

    path: str
    """The file as the user named it (or its path inside the repository)."""
    name: str | None = None
    run_name: Text | None = None
    on: Triggers
    env: dict[str, Text] | Text = field(default_factory=dict)
    defaults: RunDefaults = RunDefaults()
    concurrency: Concurrency | Text | None = None
    permissions: Plain = None
    jobs: dict[str, Job] = field(default_factory=dict)
    """Jobs by id, in file order."""

    @property
    def display_name(self) -> str:
        """``name:``, or the file path as GitHub shows a workflow without one."""
        return self.name if self.name else self.path
