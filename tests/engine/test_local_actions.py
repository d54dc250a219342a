"""Local actions (``uses: ./path``) in a session whose workspace is not on this machine."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from runner.api import Command
from runner.engine import execute_run
from runner.engine.placement import Placement, Target
from runner.events import EventBus
from runner.status import Conclusion
from runner.testing import FakeExecutor, FakeSession
from tests.engine.test_scheduler import Recorded, request

WORKFLOW = """
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: make-the-action
      - uses: ./actions/hello
"""
ACTION = b"runs:\n  using: composite\n  steps:\n    - {run: echo from-the-action, shell: bash}\n"


async def test_a_downloaded_action_runs_and_its_folder_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def respond(command: Command, session: FakeSession) -> tuple[int, bytes]:
        script = b"".join(command.files.values())
        if b"make-the-action" in script:
            session.files[f"{session.workspace}/actions/hello/action.yml"] = ACTION
        return 0, b"from-the-action\n" if b"from-the-action" in script else b""

    fake = FakeExecutor(respond)
    req = replace(request(WORKFLOW, tmp_path), placement=Placement(targets={"ubuntu-latest": Target(executor="fake")}), executors={"fake": fake})
    recorded = Recorded()
    bus = EventBus()
    bus.subscribe(recorded.events.append)
    assert await execute_run(req, bus) == Conclusion.SUCCESS
    assert "from-the-action" in recorded.log("j")
    assert list((tmp_path / "tmp").iterdir()) == [], "the downloaded action's folder is gone"
