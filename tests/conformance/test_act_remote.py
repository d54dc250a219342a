"""act's remote-action cases, with the actions they use served from local git mirrors
(``--actions-source``): each reaches the outcome ``INDEX.tsv`` says act's tests expect,
in Docker (an image with a C library but no node: baton mounts its own) and on the host."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from tests import environment
from tests.conformance.act_cases import ActCase, make_repository
from tests.shared import ACT_CASES, MIRROR

REMOTE = {
    "GITHUB_ENV-use-in-env-ctx": (),
    "GITHUB_STATE": (),
    "issue-597": (),
    "issue-598": (),
    "path-handling": (),
    "remote-action-composite-action-ref": (),
    "remote-action-composite-js-pre-with-defaults": (),
    "remote-action-docker": (),
    "uses-action-with-pre-and-post-step": (),
    "uses-github-full-sha": (),
    "uses-github-short-sha": (),
    "uses-workflow": ("-s", "secret=keep_it_private"),
    "no-panic-on-invalid-composite-action": (),
    "ensure-post-steps": (),
    "post-step-failure-is-job-failure": (),
}
"""The cases (by name) and the flags act's own tests pass them beyond the usual ones."""

WHY = {
    "uses-github-short-sha": "is the shortened version of a commit SHA, which is not supported",
    "no-panic-on-invalid-composite-action": "a composite action needs 'runs.steps'",
    "ensure-post-steps": "✗ Post Run ./ensure-post-steps/action-post/",
    "post-step-failure-is-job-failure": "✗ Post Run ./post-step-failure-is-job-failure/post-step-failure",
}
"""What a case that must fail says, so that it fails for the reason act's test names."""


def remote_cases() -> list[ActCase]:
    """The rows of ``INDEX.tsv`` for :data:`REMOTE` (the ones that need a remote action)."""
    with (ACT_CASES / "INDEX.tsv").open(newline="") as stream:
        rows = [r for r in csv.DictReader(stream, delimiter="\t") if r["name"] in REMOTE and r["runnable_offline"] == "no"]
    return [
        ActCase(name=r["name"], workflow=f"{r['name']}/{r['workflow_file']}", event=r["event"],
                expect=r["expected_outcome"], kind="run")
        for r in rows
    ]


CASES = remote_cases()


def test_every_remote_case_is_in_the_index() -> None:
    assert sorted(c.name for c in CASES) == sorted(REMOTE)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of bare repositories, ``owner/repo.git``, cloned from the bundles."""
    folder = tmp_path_factory.mktemp("mirror")
    for bundle in sorted(MIRROR.glob("*/*.bundle")):
        target = folder / bundle.parent.name / f"{bundle.stem}.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(bundle), str(target)], check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One baton home for the module: its action cache is filled once (and reused, as a
    user's is across runs)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def images(docker_client: Any) -> Iterator[str]:
    """The glibc image jobs run in, and ``alpine:3.10`` for the Docker action; the action
    images the cases build (cached by commit) are removed afterwards."""
    environment.ensure_alpine_alias()
    yield environment.ensure_glibc_image()
    for image in docker_client.images.list(filters={"label": "baton.action-image"}):
        for tag in image.tags:
            if tag.startswith("baton-action/actions-hello-world-docker-action"):
                docker_client.images.remove(tag, force=True)


@pytest.mark.docker
@pytest.mark.parametrize("executor", ["docker", "local"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_remote_case(
    case: ActCase,
    executor: str,
    mirror: Path,
    home: Path,
    images: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repository(case, tmp_path / "repo")
    monkeypatch.setenv("BATON_HOME", str(home))
    monkeypatch.chdir(repo)
    flags = [*case.flags(images), *REMOTE[case.name], "--actions-source", str(mirror)]
    code = main(["run", *flags, "--executor", executor, "--format", "json"])
    out, err = capsys.readouterr()
    got = "success" if code == 0 else "failure"
    assert got == case.expect, err
    document = json.loads(out)
    assert document["jobs"], "the case must really run"
    if case.expect == "failure":
        assert WHY[case.name] in err, err
    assert "Traceback" not in err
