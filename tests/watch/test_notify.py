"""The watch service sends baton.toml's notifications for its runs, signed with a secret
from the service's environment, to a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.watch.conftest import Remote
from tests.watch.test_process import DEADLINE, Service, start
from tests.webhooks import Receiver, receiver

__all__ = ["receiver", "start"]  # the fixtures, imported for pytest

FAILING = """\
name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "::error file=app.py,line=7::the test failed"
          exit 1
"""


def test_a_failed_push_run_notifies_the_team(
    remote: Remote, start: Callable[[], Service], receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "home" / "config" / "baton"
    config.mkdir(parents=True)
    (config / "baton.toml").write_text(
        f'[notify.team]\nkind = "webhook"\nurl = "{receiver.url}"\nsecret = "HOOK_SECRET"\nrepos = ["app"]\n'
    )
    monkeypatch.setenv("HOOK_SECRET", "from-the-service-env")
    remote.commit({"README": "app\n"}, "one")
    remote.push("main")
    service = start()
    service.wait_for_line("watching app: 1 branch, 0 tags")
    sha = remote.commit({".github/workflows/ci.yml": FAILING}, "a failing test")
    remote.push("main")
    deadline = time.monotonic() + DEADLINE
    while not receiver.deliveries:
        assert time.monotonic() < deadline, service.output()
        time.sleep(0.05)
    headers, body = receiver.deliveries[0]
    assert headers["X-Baton-Signature-256"] == "sha256=" + hmac.new(b"from-the-service-env", body, hashlib.sha256).hexdigest()
    notice = json.loads(body)
    assert (notice["repository"], notice["sha"], notice["reason"]) == ("app", sha, "failure")
    assert notice["jobs"] == [{"name": "test", "conclusion": "failure", "error": "app.py:7: the test failed"}]
