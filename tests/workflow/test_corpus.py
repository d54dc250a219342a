"""201 real workflows that run on GitHub today: baton must accept every one of them and
list the jobs GitHub would run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from runner.cli import main
from runner.workflow import check
from runner.workflow.loader import load_file
from tests.shared import CORPUS

FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml"))


def test_corpus_is_all_there() -> None:
    assert len(FILES) == 201


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_real_workflow_is_valid(path: Path) -> None:
    workflow, diagnostics = check(load_file(path), path.name)
    errors = [str(d) for d in diagnostics if d.severity == "error"]
    assert workflow is not None and not errors, "\n".join(errors)


def _expected_jobs(path: Path) -> list[tuple[str, list[str]]]:
    """Job ids and needs read independently, with PyYAML's own loader."""
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    out = []
    for job_id, body in data["jobs"].items():
        needs = body.get("needs", [])
        out.append((job_id, [needs] if isinstance(needs, str) else list(needs)))
    return out


def test_list_reports_the_jobs_github_would(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["list", "--format", "json", str(CORPUS)])
    assert code == 0
    documents = json.loads(capsys.readouterr().out)
    assert len(documents) == len(FILES)
    for doc, path in zip(documents, FILES):
        assert set(doc) == {"file", "name", "events", "jobs"}
        got = [(j["id"], j["needs"]) for j in doc["jobs"]]
        assert got == _expected_jobs(path), path.name
        for job in doc["jobs"]:
            assert set(job) == {"id", "name", "needs", "matrix_size"}
            assert job["matrix_size"] is None or 1 <= job["matrix_size"] <= 256


def test_validate_accepts_the_whole_corpus_in_one_call(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--no-warnings", str(CORPUS)]) == 0
    assert "error" not in capsys.readouterr().out
