"""act's own runner test suite, run by baton in Docker: every offline case must reach the
outcome act's tests expect (act 0.2.89 does, on the same image)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import main
from tests.conformance.act_cases import ActCase, load_cases, make_repository

CASES = load_cases()


def test_all_offline_cases_are_here() -> None:
    assert len(CASES) == 56


@pytest.mark.docker
@pytest.mark.parametrize("executor", ["docker", "local"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_act_case(
    case: ActCase,
    executor: str,
    tmp_path: Path,
    shell_image: str,
    docker_client: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each case in a container of the test image, and on the host (the local executor)."""
    repo = make_repository(case, tmp_path / "repo")
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(repo)
    code = main(["run", *case.flags(shell_image), "--executor", executor, "--format", "json"])
    out, err = capsys.readouterr()
    if case.kind == "invalid":
        assert code == 1, out + err
        assert f"{case.workflow}:" in out + err, "the error must name the file, line and column"
        return
    got = "success" if code == 0 else "failure"
    assert got == case.expect, err
    document = json.loads(out)
    assert document["status"] == case.expect
    # Legs on labels nothing maps (macos-latest, ubuntu-18.04) are skipped, as act skips them;
    # a job on a mapped label must never be.
    unplaced = [j["name"] for j in document["jobs"] if "no executor" in j["reason"] and "ubuntu-latest" in j["reason"]]
    assert not unplaced, f"jobs not run: {unplaced}\n{err}"
    assert document["jobs"], "the case must really run"
