"""Notifications of finished runs: ``baton run --notify`` against a real HTTP server on
loopback, and the checks of baton.toml's ``[notify.*]`` tables."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.config import Config
from runner.errors import ConfigError
from runner.launch.notifications import notification_rules, reason_of
from runner.status import Conclusion, RunId, Status
from runner.store.records import RunRecord
from tests.webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture, imported for pytest

SECRET = "hook-secret-7f3a"
FAILING = """
name: CI
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: echo built
  test:
    runs-on: self-hosted
    needs: build
    steps:
      - uses: actions/checkout@v4
      - run: |
          echo "::error file=app.py,line=3::tests failed, token $TOKEN"
          test -f fixed
        env:
          TOKEN: ${{ secrets.WEBHOOK_SECRET }}
"""


@pytest.fixture
def baton(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    def run(root: Path, *args: str) -> tuple[int, str]:
        monkeypatch.chdir(root)
        code = main(["run", "--executor", "local", *args])
        return code, capsys.readouterr().err

    return run


def _repo(git_repo: Callable[..., Any], url: str, extra: str = "") -> Path:
    toml = f'[notify.team]\nkind = "webhook"\nurl = "{url}"\nsecret = "WEBHOOK_SECRET"\nbackoff = 0.05\n{extra}'
    return Path(git_repo({".github/workflows/ci.yml": FAILING, "baton.toml": toml}).working_dir)


def test_a_failed_run_posts_a_signed_notice_with_its_first_error(
    git_repo: Callable[..., Any], receiver: Receiver, baton: Callable[..., tuple[int, str]]
) -> None:
    root = _repo(git_repo, receiver.url)
    code, err = baton(root, "--notify", "-s", f"WEBHOOK_SECRET={SECRET}")
    assert code == 1, err
    assert len(receiver.deliveries) == 1, err
    headers, body = receiver.deliveries[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Baton-Signature-256"] == expected
    assert headers["Content-Type"] == "application/json"
    notice = json.loads(body)
    assert {"repository", "workflow", "ref", "sha", "run", "conclusion", "jobs"} <= set(notice)
    assert (notice["workflow"], notice["conclusion"], notice["reason"], notice["run"]) == ("CI", "failure", "failure", 1)
    assert notice["repository"] == root.name and notice["ref"] == "refs/heads/main" and len(notice["sha"]) == 40
    assert [job["name"] for job in notice["jobs"]] == ["test"]
    assert notice["jobs"][0]["error"] == "app.py:3: tests failed, token ***"
    assert notice["logs"] == "baton logs 1"
    assert SECRET.encode() not in body


def test_fixed_is_sent_once_then_success_is_not(
    git_repo: Callable[..., Any], receiver: Receiver, baton: Callable[..., tuple[int, str]]
) -> None:
    root = _repo(git_repo, receiver.url, 'on = ["failure", "fixed"]\n')
    secret = ("-s", f"WEBHOOK_SECRET={SECRET}")
    assert baton(root, "--notify", *secret)[0] == 1
    (root / "fixed").write_text("")
    subprocess.run(["git", "add", "fixed"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "fix"], cwd=root, check=True)
    assert baton(root, "--notify", *secret)[0] == 0
    assert baton(root, "--notify", *secret)[0] == 0
    reasons = [json.loads(body)["reason"] for _, body in receiver.deliveries]
    assert reasons == ["failure", "fixed"]


def test_5xx_answers_are_retried_until_one_is_taken(
    git_repo: Callable[..., Any], receiver: Receiver, baton: Callable[..., tuple[int, str]]
) -> None:
    receiver.statuses = [500, 502]
    code, err = baton(_repo(git_repo, receiver.url), "--notify", "-s", f"WEBHOOK_SECRET={SECRET}")
    assert code == 1
    assert len(receiver.deliveries) == 3, err
    assert len({body for _, body in receiver.deliveries}) == 1
    assert "not delivered" not in err


def test_a_refusing_receiver_is_not_retried_and_is_said(
    git_repo: Callable[..., Any], receiver: Receiver, baton: Callable[..., tuple[int, str]]
) -> None:
    receiver.statuses = [403]
    code, err = baton(_repo(git_repo, receiver.url), "--notify", "-s", f"WEBHOOK_SECRET={SECRET}")
    assert code == 1 and len(receiver.deliveries) == 1
    assert "notification 'team' for run #1 not delivered: 127.0.0.1:" in err and "HTTP 403" in err


def test_a_dead_receiver_fails_the_notice_not_the_run(
    git_repo: Callable[..., Any], baton: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = _repo(git_repo, f"http://127.0.0.1:{port}/hook", "attempts = 2\n")
    started = time.monotonic()
    code, err = baton(root, "--notify", "-s", f"WEBHOOK_SECRET={SECRET}")
    assert code == 1
    assert f"did not take the webhook after 2 attempts" in err and "refused" in err.lower()
    assert time.monotonic() - started < 30


def test_without_notify_nothing_is_sent(
    git_repo: Callable[..., Any], receiver: Receiver, baton: Callable[..., tuple[int, str]]
) -> None:
    assert baton(_repo(git_repo, receiver.url), "-s", f"WEBHOOK_SECRET={SECRET}")[0] == 1
    assert receiver.deliveries == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "pager"}, "[notify.team] kind must name a notifier (installed: desktop, webhook"),
        ({"kind": "webhook", "url": "ftp://x"}, "[notify.team] url must be an http:// or https:// URL"),
        ({"kind": "webhook", "url": "http://h/", "on": ["failed"]}, "[notify.team] on: unknown failed"),
        ({"kind": "webhook", "url": "http://h/", "secret": "NOPE"}, "[notify.team] secret names NOPE, which no secret"),
        ({"kind": "webhook", "url": "http://h/", "repos": "app"}, "[notify.team] repos must be a list of names"),
        ({"kind": "webhook", "url": "http://h/", "retry": 3}, "[notify.team] unknown setting retry for a webhook"),
        ({"kind": "desktop", "url": "http://h/"}, "[notify.team] a desktop notifier takes no url"),
    ],
)
def test_bad_tables_name_the_table_and_key(table: dict[str, Any], message: str, tmp_path: Path) -> None:
    config = Config(notify={"team": table}, files=(tmp_path / "baton.toml",))
    with pytest.raises(ConfigError) as caught:
        notification_rules(config, {})
    assert message in caught.value.message
    assert caught.value.where == str(tmp_path / "baton.toml")


def _run(number: int, conclusion: Conclusion) -> RunRecord:
    return RunRecord(
        id=RunId(str(number)), number=number, workflow="CI", workflow_path=".github/workflows/ci.yml", event="push",
        ref="refs/heads/main", sha="0" * 40, repository="/src/app", status=Status.COMPLETED, conclusion=conclusion,
        started_at=0.0, finished_at=1.0, pid=None, host=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("before", "now", "reason"),
    [
        (None, Conclusion.SUCCESS, "success"),
        (Conclusion.SUCCESS, Conclusion.SUCCESS, "success"),
        (Conclusion.FAILURE, Conclusion.SUCCESS, "fixed"),
        (Conclusion.CANCELLED, Conclusion.SUCCESS, "fixed"),
        (Conclusion.SUCCESS, Conclusion.FAILURE, "failure"),
        (None, Conclusion.CANCELLED, "cancelled"),
        (None, Conclusion.INTERRUPTED, None),
    ],
)
def test_reasons(before: Conclusion | None, now: Conclusion, reason: str | None) -> None:
    assert reason_of(_run(2, now), None if before is None else _run(1, before)) == reason
