"""Running workflows that use native actions through the real CLI, on each executor."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_run_faults import baton
from tests.sshd import host_table, toml_table


@dataclass(frozen=True, slots=True, kw_only=True)
class Where:
    """How ``baton run`` sends ``runs-on: ubuntu-latest`` to one executor."""

    kind: str
    args: tuple[str, ...]
    env: dict[str, str]


@pytest.fixture(params=["local", "docker", "ssh"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Where:
    """The executor a workflow's ``ubuntu-latest`` jobs run on."""
    kind = str(request.param)
    if kind == "local":
        return Where(kind=kind, args=("-P", "ubuntu-latest=-self-hosted"), env={})
    if kind == "docker":
        image = request.getfixturevalue("shell_image")
        return Where(kind=kind, args=("-P", f"ubuntu-latest={image}", "--pull", "never"), env={})
    server = request.getfixturevalue("shared_sshd")
    config = tmp_path / "config"
    (config / "baton").mkdir(parents=True)
    (config / "baton" / "baton.toml").write_text(toml_table("box", host_table(server, work_root=str(tmp_path / "ssh-work"))))
    return Where(kind=kind, args=("-P", "ubuntu-latest=ssh://box"), env={"XDG_CONFIG_HOME": str(config)})


RunBaton = Callable[..., dict[str, Any]]


@pytest.fixture
def run_workflow(tmp_path: Path) -> RunBaton:
    """``run_workflow(root, *args, where=…, home=…)``: ``baton run --format json`` as a process; its document."""

    def run(root: Path, *args: str, where: Where | None = None, home: Path | None = None,
            env: dict[str, str] | None = None) -> dict[str, Any]:
        extra = where.args if where else ("-P", "ubuntu-latest=-self-hosted")
        proc = baton(["run", "--format", "json", *extra, *args], root, home or tmp_path / "home",
                     {**(where.env if where else {}), **(env or {})})
        out, err = proc.communicate(timeout=180)
        assert "Traceback" not in err, err
        document: dict[str, Any] = json.loads(out) if out.strip() else {"status": "error", "stderr": err}
        document["stderr"] = err
        return document

    return run


def step_log(document: dict[str, Any], job: str, index: int) -> str:
    """The log of step ``index`` of job ``job`` in a run's document."""
    step = next(j for j in document["jobs"] if j["id"] == job)["steps"][index]
    return Path(step["log"]).read_text() if step["log"] else ""
