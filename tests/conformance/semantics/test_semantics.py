"""GitHub's documented workflow semantics, checked by the workflows themselves.

Every ``*.yml`` in this folder is a small workflow whose steps test behaviour that GitHub's
documentation describes (the pages are cited at the top of each file) and exit non-zero when
the behaviour differs, as act's runner tests do. Nothing here was derived from what baton does.

Header comments of a workflow file: the first line is ``# expect: success`` or
``# expect: failure`` (the run's status); optional lines ``# executors: local`` (where it runs,
default both), ``# event: NAME`` (default push) and ``# args: ...`` (more ``baton run`` flags).

Each workflow runs once per executor, in Docker and on the host, from a git repository holding
this folder (``called/*.yml`` go to ``.github/workflows``; the origin is
``github.com/octo-org/semantics``). Then:

- ``test_status``: the run's status is the expected one;
- ``test_job``: every job (every leg of a matrix) ends as ``JOBS`` says, ``success`` by default,
  and its steps as ``STEPS`` says;
- ``test_output``: what only the run's logs and JSON document show (masks, job summary, names).

Where baton differs from GitHub the case is marked ``xfail(strict=True)`` in ``BATON_BUGS`` with
the reason, so the suite stays green while the bug stays visible (and a fix turns it red).
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.cli import main
from tests.environment import IMAGE_TAG

HERE = Path(__file__).resolve().parent
EXECUTORS = ("docker", "local")
ORIGIN = "https://github.com/octo-org/semantics.git"
STATUS = ""
"""The job part of a ``BATON_BUGS`` key that marks ``test_status``."""
OUTPUT = "<output>"
"""The job part of a ``BATON_BUGS`` key that marks ``test_output``."""

JOBS: dict[str, dict[str, str | tuple[str, ...]]] = {
    # workflow -> job id or leg display name -> conclusion(s) allowed (default: success)
    "if-status.yml": {"after-failure": "failure"},
    "if-conditions.yml": {"skipped-job": "skipped"},
    "needs.yml": {
        "failing": "failure",
        "skipped-by-if": "skipped",
        "after-failing": "skipped",
        "chained": "skipped",
        "on-success": "skipped",
        "needs-skipped": "skipped",
    },
    "matrix-fail-fast.yml": {"legs (1)": "failure", "legs (2)": "cancelled"},
    "matrix-fail-fast-queued.yml": {"queued (1)": "failure", "queued (2)": "cancelled"},
    "matrix-no-fail-fast.yml": {"legs (2)": "failure"},
    # GitHub's docs say only that the run passes; the failed job itself may show either way.
    "job-continue-on-error.yml": {"soft-job": ("failure", "success"), "experimental 9": ("failure", "success")},
}

STEPS: dict[str, dict[tuple[str, str], str]] = {
    # workflow -> (job id, step name or id) -> "conclusion" or "outcome/conclusion"
    "if-status.yml": {
        ("after-failure", "success() holds before any failure"): "success",
        ("after-failure", "boom"): "failure",
        ("after-failure", "implicit success() skips this step"): "skipped",
        ("after-failure", "explicit success() skips this step"): "skipped",
        ("after-failure", "a condition without a status function is and-ed with success()"): "skipped",
        ("after-failure", "failure() runs after a failed step"): "success",
        ("after-failure", "failure() with a condition"): "success",
        ("after-failure", "always() runs"): "success",
        ("after-failure", "!cancelled() runs"): "success",
        ("after-failure", "cancelled() is false"): "skipped",
        ("after-failure", "always() and a false condition"): "skipped",
    },
    "whole-expressions.yml": {("legs", "a step's continue-on-error and timeout-minutes from expressions"): "failure/success"},
    "continue-on-error.yml": {
        ("soft-failures", "soft"): "failure/success",
        ("soft-failures", "from-expression"): "failure/success",
        ("soft-failures", "skipped"): "skipped/skipped",
        ("soft-failures", "failure() is false after a forgiven failure"): "skipped",
    },
}

BATON_BUGS: dict[tuple[str, str, str | None], str] = {}
"""(workflow, job id / STATUS / OUTPUT, executor or None for both) -> reason: none known now.

The first run of this suite found ten (GITHUB_ACTION and GITHUB_EVENT_PATH empty, default
variables overridable, github.env/path empty, a non-numeric run id, queued fail-fast legs
not cancelled, the strategy context ignoring the workflow, job-level failure() blind to
ancestors, secret job outputs passed on masked, checkout without .git); all are fixed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    """One workflow file of this folder and what its header says."""

    file: str
    """File name, also its path in the test repository."""
    expect: str
    """The run's expected status: ``success`` or ``failure``."""
    executors: tuple[str, ...]
    """Executors it runs on."""
    event: str
    """The event to run."""
    args: tuple[str, ...]
    """More ``baton run`` flags."""
    jobs: tuple[str, ...]
    """Its job ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one ``baton run --format json`` returned."""

    code: int
    document: dict[str, Any]
    stderr: str
    seconds: float

    def logs(self) -> str:
        """Every step log of the run, concatenated."""
        parts = []
        for job in self.document["jobs"]:
            for step in job["steps"]:
                if step.get("log") and Path(step["log"]).exists():
                    parts.append(Path(step["log"]).read_text(errors="replace"))
        return "\n".join(parts)


def load(path: Path) -> Workflow:
    """Read a workflow's header comments and job ids."""
    text = path.read_text()
    lines = text.splitlines()
    first = re.fullmatch(r"# expect: (success|failure)", lines[0])
    if first is None:
        raise ValueError(f"{path.name}: line 1 must be '# expect: success' or '# expect: failure'")
    header: dict[str, str] = {}
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        found = re.fullmatch(r"# (executors|event|args): (.*)", line)
        if found:
            header[found[1]] = found[2].strip()
    return Workflow(
        file=path.name,
        expect=first[1],
        executors=tuple(header.get("executors", " ".join(EXECUTORS)).split()),
        event=header.get("event", "push"),
        args=tuple(shlex.split(header.get("args", ""))),
        jobs=tuple(yaml.safe_load(text)["jobs"]),
    )


WORKFLOWS = [load(path) for path in sorted(HERE.glob("*.yml"))]


def make_repository(folder: Path) -> Path:
    """This folder as a committed git repository, reusable workflows in .github/workflows."""
    shutil.copytree(HERE, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py", "called"))
    workflows = folder / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for called in (HERE / "called").glob("*.yml"):
        shutil.copy(called, workflows / called.name)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "mona@example.com")
    git("config", "user.name", "Mona")
    git("config", "commit.gpgsign", "false")
    git("remote", "add", "origin", ORIGIN)
    git("add", "-A")
    git("commit", "-q", "-m", "semantics")
    return folder


@pytest.fixture(scope="session")
def run_workflow(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Workflow, str, str], Outcome]:
    """``run(workflow, executor, image)``: runs a workflow once per executor and session."""
    outcomes: dict[tuple[str, str], Outcome] = {}
    repositories: dict[str, Path] = {}

    def run(workflow: Workflow, executor: str, image: str) -> Outcome:
        key = (workflow.file, executor)
        if key not in outcomes:
            if executor not in repositories:
                repositories[executor] = make_repository(tmp_path_factory.mktemp(f"semantics-{executor}") / "repo")
            repo = repositories[executor]
            home = tmp_path_factory.mktemp(f"home-{executor}-{Path(workflow.file).stem}")
            argv = [
                "run", workflow.event, "-W", workflow.file, "-P", f"ubuntu-latest={image}",
                "--executor", executor, "--format", "json", *workflow.args,
            ]
            out, err = io.StringIO(), io.StringIO()
            started = time.monotonic()
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("BATON_HOME", str(home))
                patch.chdir(repo)
                with redirect_stdout(out), redirect_stderr(err):
                    code = main(argv)
            seconds = time.monotonic() - started
            try:
                document = json.loads(out.getvalue())
            except json.JSONDecodeError:
                document = {"status": f"no JSON document (exit {code})", "jobs": [], "runs": []}
            outcomes[key] = Outcome(code=code, document=document, stderr=err.getvalue(), seconds=seconds)
        return outcomes[key]

    return run


@pytest.fixture
def outcome(
    request: pytest.FixtureRequest, run_workflow: Callable[[Workflow, str, str], Outcome]
) -> Outcome:
    """The run of the test's (workflow, executor), in Docker with the test image or on the host."""
    workflow, executor = request.param
    image = IMAGE_TAG
    if executor == "docker":
        request.getfixturevalue("docker_client")
        image = request.getfixturevalue("shell_image")
    return run_workflow(workflow, executor, image)


def report(outcome: Outcome) -> str:
    """Each job's conclusion and, for failed steps, the end of their logs; then baton's output."""
    lines = [f"run status {outcome.document.get('status')!r}, exit code {outcome.code}, {outcome.seconds:.1f} s"]
    for job in outcome.document.get("jobs", []):
        lines.append(f"job {job['key']} ({job['name']}): {job['conclusion']} {job.get('reason') or ''}".rstrip())
        for step in job["steps"]:
            lines.append(f"  step {step['name']!r}: {step['outcome']}/{step['conclusion']}")
            if step["outcome"] == "failure" and step.get("log") and Path(step["log"]).exists():
                tail = Path(step["log"]).read_text(errors="replace").splitlines()[-12:]
                lines.extend(f"    | {line}" for line in tail)
    lines.append("--- baton's output (end) ---")
    lines.extend(outcome.stderr.splitlines()[-40:])
    return "\n".join(lines)


def marked(workflow: Workflow, executor: str, part: str) -> list[pytest.MarkDecorator]:
    """Marks of one test: docker, and xfail where baton has a known bug."""
    marks = [pytest.mark.docker] if executor == "docker" else []
    reason = BATON_BUGS.get((workflow.file, part, executor)) or BATON_BUGS.get((workflow.file, part, None))
    if reason:
        marks.append(pytest.mark.xfail(strict=True, reason=f"baton bug: {reason}"))
    return marks


def status_cases() -> Iterator[Any]:
    for workflow in WORKFLOWS:
        for executor in workflow.executors:
            yield pytest.param(
                (workflow, executor), id=f"{executor}-{workflow.file}", marks=marked(workflow, executor, STATUS)
            )


def job_cases() -> Iterator[Any]:
    for workflow in WORKFLOWS:
        for executor in workflow.executors:
            for job in workflow.jobs:
                yield pytest.param(
                    (workflow, executor), job,
                    id=f"{executor}-{workflow.file}-{job}", marks=marked(workflow, executor, job),
                )


# --- what only the logs and the JSON document show ------------------------------------------


def check_step_summary(outcome: Outcome) -> None:
    """Appended lines stay, '>' replaces, a deleted file adds nothing, steps keep their order."""
    summary = next(j for j in outcome.document["jobs"] if j["id"] == "summary")["summary"]
    found = [line for line in summary.splitlines() if line.strip()]
    assert found == ["### first step", "- item", "replacement", "last step"], summary


def check_add_mask(outcome: Outcome) -> None:
    """Masked values never reach the logs, the live output or the JSON document; *** does."""
    text = outcome.logs() + outcome.stderr + json.dumps(outcome.document)
    for value in ("pw-4700-9c1e", "Mona The Octocat", "gen-6017-b8d2"):
        assert value not in text, f"{value!r} is printed in clear"
    for line in ("same step: ***", "later step: ***", "name is ***", "the secret number is ***"):
        assert line in outcome.logs(), f"{line!r} missing from the step logs"


def check_secrets(outcome: Outcome) -> None:
    """A secret's value never reaches the logs, the live output or the JSON document."""
    text = outcome.logs() + outcome.stderr + json.dumps(outcome.document)
    assert "hunter2-e91f" not in text
    assert "the secret is ***" in outcome.logs()


def check_stop_commands(outcome: Outcome) -> None:
    """An ::add-mask:: while commands are stopped masks nothing."""
    lines = [line.strip() for line in outcome.logs().splitlines()]
    assert any(line.endswith("printed: visible-while-stopped-3d1c") for line in lines), outcome.logs()


def check_matrix(outcome: Outcome) -> None:
    """Leg names: a `name:` expression over the matrix, and GitHub's default 'id (values)'."""
    names = {job["id"]: sorted(j["name"].strip() for j in outcome.document["jobs"] if j["id"] == job["id"])
             for job in outcome.document["jobs"]}
    assert names["include"] == sorted([
        "include apple cat", "include apple dog", "include pear cat", "include pear dog",
        "include banana", "include banana cat",
    ])
    assert names["exclude"] == sorted(["exclude mac 16", "exclude windows 12", "exclude windows 16"])
    assert names["plain"] == ["plain (large)", "plain (small)"]
    assert names["no-matrix"] == ["no-matrix"]


def check_matrix_from_json(outcome: Outcome) -> None:
    """Legs of a matrix from fromJSON get GitHub's default names, 'job (value, value)'."""
    names = sorted(j["name"] for j in outcome.document["jobs"] if j["id"] == "job2")
    assert names == ["job2 (bar, Release)", "job2 (foo, Debug)"]


def check_commands(outcome: Outcome) -> None:
    """Annotation messages are printed; a ::debug:: message is not (no ACTIONS_STEP_DEBUG)."""
    logs = outcome.logs()
    for message in ("an error annotation", "a warning annotation", "a notice annotation", "inside the group"):
        assert message in logs, f"{message!r} is not in the log"
    assert "hidden-debug-1234" not in logs + outcome.stderr


CHECKS: dict[str, Callable[[Outcome], None]] = {
    "matrix-from-json.yml": check_matrix_from_json,
    "workflow-commands.yml": check_commands,
    "step-summary.yml": check_step_summary,
    "add-mask.yml": check_add_mask,
    "secrets-vars.yml": check_secrets,
    "stop-commands.yml": check_stop_commands,
    "matrix.yml": check_matrix,
}


def output_cases() -> Iterator[Any]:
    for workflow in WORKFLOWS:
        if workflow.file in CHECKS:
            for executor in workflow.executors:
                yield pytest.param(
                    (workflow, executor), id=f"{executor}-{workflow.file}", marks=marked(workflow, executor, OUTPUT)
                )


# --- the tests ------------------------------------------------------------------------------


def test_every_workflow_is_collected() -> None:
    assert len(WORKFLOWS) >= 30
    for name in {*JOBS, *STEPS, *CHECKS, *(key[0] for key in BATON_BUGS)}:
        assert any(w.file == name for w in WORKFLOWS), f"{name} is not a workflow here"


@pytest.mark.parametrize("outcome", status_cases(), indirect=True)
def test_status(outcome: Outcome, request: pytest.FixtureRequest) -> None:
    """The run ends with the status the workflow's first line declares."""
    workflow = request.node.callspec.params["outcome"][0]
    assert outcome.document["status"] == workflow.expect, report(outcome)
    assert outcome.code == (0 if workflow.expect == "success" else 1), report(outcome)


@pytest.mark.parametrize(("outcome", "job_id"), job_cases(), indirect=["outcome"])
def test_job(outcome: Outcome, job_id: str, request: pytest.FixtureRequest) -> None:
    """Each leg of the job ends as JOBS says (success by default), its steps as STEPS says."""
    workflow = request.node.callspec.params["outcome"][0]
    expected = JOBS.get(workflow.file, {})
    legs = [j for j in outcome.document["jobs"] if j["id"] == job_id or j["key"].split("/")[0] == job_id]
    assert legs, f"job {job_id} is not in the run\n{report(outcome)}"
    for leg in legs:
        wanted = expected.get(leg["name"], expected.get(job_id, "success"))
        allowed = (wanted,) if isinstance(wanted, str) else wanted
        assert leg["conclusion"] in allowed, f"{leg['name']}: {leg['conclusion']}, expected {wanted}\n{report(outcome)}"
    for (job, step_key), wanted_step in STEPS.get(workflow.file, {}).items():
        if job != job_id:
            continue
        for leg in legs:
            steps = [s for s in leg["steps"] if step_key in (s["id"], s["name"])]
            assert len(steps) == 1, f"step {step_key!r} not found once in {leg['name']}\n{report(outcome)}"
            got = f"{steps[0]['outcome']}/{steps[0]['conclusion']}" if "/" in wanted_step else steps[0]["conclusion"]
            assert got == wanted_step, f"step {step_key!r}: {got}, expected {wanted_step}\n{report(outcome)}"


@pytest.mark.parametrize("outcome", output_cases(), indirect=True)
def test_output(outcome: Outcome, request: pytest.FixtureRequest) -> None:
    """What the logs, the live output and the JSON document show."""
    workflow = request.node.callspec.params["outcome"][0]
    assert outcome.document["jobs"], report(outcome)
    CHECKS[workflow.file](outcome)
