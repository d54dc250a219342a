"""The pure parts of the watch service: ref classification, schedules, settings, the payload."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from runner.config import Config, load_config
from runner.errors import ConfigError, UsageError
from runner.watch.concurrency import Groups
from runner.watch.payload import push_payload
from runner.watch.refs import ChangeKind, RefChange, census, classify
from runner.watch.repository import CommitInfo, without_credentials
from runner.watch.schedule import due_ticks, latest_tick, next_tick
from runner.watch.settings import PATH_INTERVAL, URL_INTERVAL, watched_repos
from runner.status import RunId

A, B, C = "a" * 40, "b" * 40, "c" * 40
ANCESTRY = {(A, B)}  # A is an ancestor of B; C is unrelated


def is_ancestor(old: str, new: str) -> bool:
    return (old, new) in ANCESTRY


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {"refs/heads/main": A}, [("refs/heads/main", ChangeKind.NEW_BRANCH, None, A)]),
        ({"refs/heads/main": A}, {"refs/heads/main": B}, [("refs/heads/main", ChangeKind.FAST_FORWARD, A, B)]),
        ({"refs/heads/main": B}, {"refs/heads/main": C}, [("refs/heads/main", ChangeKind.FORCED, B, C)]),
        ({"refs/heads/main": B}, {"refs/heads/main": A}, [("refs/heads/main", ChangeKind.FORCED, B, A)]),
        ({"refs/heads/old": A}, {}, [("refs/heads/old", ChangeKind.DELETED_BRANCH, A, None)]),
        ({}, {"refs/tags/v1": A}, [("refs/tags/v1", ChangeKind.NEW_TAG, None, A)]),
        ({"refs/tags/v1": A}, {"refs/tags/v1": B}, [("refs/tags/v1", ChangeKind.MOVED_TAG, A, B)]),
        ({"refs/tags/v1": A}, {}, [("refs/tags/v1", ChangeKind.DELETED_TAG, A, None)]),
        ({"refs/heads/main": A}, {"refs/heads/main": A}, []),
        ({}, {"refs/notes/commits": A, "refs/remotes/origin/x": A}, []),
        ({}, {"refs/heads/feat/ü n$ï": A}, [("refs/heads/feat/ü n$ï", ChangeKind.NEW_BRANCH, None, A)]),
    ],
)
def test_changes_are_classified(
    before: dict[str, str], after: dict[str, str], expected: list[tuple[str, ChangeKind, str | None, str | None]]
) -> None:
    assert [(c.ref, c.kind, c.before, c.after) for c in classify(before, after, is_ancestor)] == expected


def test_several_changes_come_in_ref_order_and_say_what_they_are() -> None:
    changes = classify({"refs/heads/b": A, "refs/heads/a": A}, {"refs/heads/a": B, "refs/tags/t": C}, is_ancestor)
    assert [c.ref for c in changes] == ["refs/heads/a", "refs/heads/b", "refs/tags/t"]
    created, deleted = changes[2], changes[1]
    assert (created.is_created, created.is_deleted, created.short_name) == (True, False, "t")
    assert (deleted.is_created, deleted.is_deleted, deleted.is_forced) == (False, True, False)
    assert census({"refs/heads/a": A, "refs/heads/b": A, "refs/heads/c": A, "refs/tags/x": A, "refs/tags/y": A}) == "3 branches, 2 tags"
    assert census({"refs/heads/main": A, "refs/tags/v1": A}) == "1 branch, 1 tag"


HEAD = CommitInfo(
    sha=B, tree=C, message="Fix the parser\n\nLonger text\n", author_name="Ada", author_email="ada@example.org",
    committer_name="Bob", committer_email="bob@example.org", timestamp="2026-12-03T06:00:00+01:00",
    added=("new.txt",), removed=("old.txt",), modified=("src/a.py",),
)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "created", "deleted", "forced"),
    [
        (RefChange(ref="refs/heads/main", kind=ChangeKind.FAST_FORWARD, before=A, after=B), False, False, False),
        (RefChange(ref="refs/heads/main", kind=ChangeKind.FORCED, before=C, after=B), False, False, True),
        (RefChange(ref="refs/heads/new", kind=ChangeKind.NEW_BRANCH, before=None, after=B), True, False, False),
        (RefChange(ref="refs/tags/v1", kind=ChangeKind.MOVED_TAG, before=A, after=B), False, False, True),
    ],
)
def test_the_push_payload_is_what_github_sends(change: RefChange, created: bool, deleted: bool, forced: bool) -> None:
    payload = push_payload(change, commits=[HEAD], head=HEAD, repository="acme/app", default_branch="main")
    assert set(payload) >= {"ref", "before", "after", "created", "deleted", "forced", "base_ref", "compare", "commits",
                            "head_commit", "pusher", "repository", "sender"}  # fmt: skip
    assert (payload["ref"], payload["after"], payload["created"], payload["deleted"], payload["forced"]) == (
        change.ref, B, created, deleted, forced,
    )  # fmt: skip
    assert payload["before"] == (change.before or "0" * 40)
    assert payload["head_commit"] == payload["commits"][0]  # type: ignore[index]
    commit = payload["commits"][0]  # type: ignore[index]
    assert commit["message"] == "Fix the parser\n\nLonger text"
    assert (commit["author"]["email"], commit["committer"]["name"]) == ("ada@example.org", "Bob")
    assert (commit["added"], commit["removed"], commit["modified"]) == (["new.txt"], ["old.txt"], ["src/a.py"])
    assert payload["pusher"] == {"name": "Bob", "email": "bob@example.org"}
    assert payload["repository"]["full_name"] == "acme/app" and payload["repository"]["default_branch"] == "main"  # type: ignore[index]
    assert HEAD.title == "Fix the parser"


def test_credentials_never_show() -> None:
    assert without_credentials("fatal: unable to access 'https://bob:s3cret@example.org/app.git/'") == (
        "fatal: unable to access 'https://example.org/app.git/'"
    )


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_a_missed_tick_runs_once_and_a_new_schedule_waits_for_its_next_tick() -> None:
    schedules = [("nightly.yml", "0 3 * * *", None), ("hourly.yml", "0 * * * *", None)]
    last = {("nightly.yml", "0 3 * * *"): at("2026-12-01T03:00:00")}
    due, first = due_ticks(schedules, last, at("2026-12-03T10:30:00"))
    assert due == {("nightly.yml", "0 3 * * *"): at("2026-12-03T03:00:00")}, "two missed ticks, one run"
    assert first == {("hourly.yml", "0 * * * *"): at("2026-12-03T10:00:00")}
    due, first = due_ticks(schedules, {**last, **due, **first}, at("2026-12-03T10:59:59"))
    assert (due, first) == ({}, {})
    due, _ = due_ticks(schedules, {**last, ("hourly.yml", "0 * * * *"): at("2026-12-03T10:00:00")}, at("2026-12-03T11:00:00"))
    assert ("hourly.yml", "0 * * * *") in due


def test_schedules_read_their_timezone() -> None:
    # 09:00 in Tokyo is 00:00 UTC
    assert latest_tick("0 9 * * *", "Asia/Tokyo", at("2026-12-03T06:00:00")) == at("2026-12-03T00:00:00")
    assert latest_tick("0 9 * * *", None, at("2026-12-03T10:00:00")) == at("2026-12-03T09:00:00")
    assert next_tick([("*/5 * * * *", None), ("0 9 * * *", "Asia/Tokyo")], at("2026-12-03T06:01:00")) == at("2026-12-03T06:05:00")


def test_a_group_runs_one_and_keeps_the_newest_pending() -> None:
    groups: Groups[str] = Groups()
    one, two, three = RunId("one"), RunId("two"), RunId("three")
    assert groups.arrive("g", one, "1") == (True, None, None)
    assert groups.arrive("g", two, "2") == (False, None, one)
    assert groups.arrive("g", three, "3") == (False, two, one), "the newer pending run replaces the older"
    assert groups.pending() == [three]
    assert groups.leave("g", one) == (three, "3")
    assert groups.leave("g", three) is None
    assert groups.arrive("g", one, "1") == (True, None, None)
    assert groups.arrive("g", two, "2")[0] is False and groups.withdraw(two) and not groups.withdraw(two)


def config_of(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Config:
    (tmp_path / "baton").mkdir(exist_ok=True)
    (tmp_path / "baton" / "baton.toml").write_text(text)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return load_config(None)


def test_repos_of_baton_toml_and_of_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = config_of(tmp_path, """
[repos.app]
path = "/srv/git/app.git"
interval = 30
secrets_env = ["DEPLOY_TOKEN"]
vars = { STAGE = "prod" }

[repos.lib]
url = "https://example.org/lib.git"
""", monkeypatch)  # fmt: skip
    app, lib, extra, clash = watched_repos(config, ["/srv/git/app.git", str(tmp_path / "extra.git"), str(tmp_path / "x" / "app")], None)
    assert (app.name, app.path, app.interval, app.secrets_env, app.vars) == ("app", Path("/srv/git/app.git"), 30.0, ("DEPLOY_TOKEN",), {"STAGE": "prod"})
    assert (lib.url, lib.interval, lib.location) == ("https://example.org/lib.git", URL_INTERVAL, "https://example.org/lib.git")
    assert (extra.name, extra.interval) == ("extra", PATH_INTERVAL)
    assert clash.name == "app-2"
    assert [r.interval for r in watched_repos(config, [], 1.0)] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[repos.app]\ninterval = 3\n', r"\[repos.app\]: give exactly one of path"),
        ('[repos.app]\npath = "/a"\nurl = "https://x/y.git"\n', r"\[repos.app\]: give exactly one of path"),
        ('[repos.app]\npath = "/a"\ninterval = "fast"\n', r"\[repos.app\] interval: must be a number"),
        ('[repos.app]\npath = "/a"\ninterval = 0\n', r"\[repos.app\] interval: must be a number of seconds, at least"),
        ('[repos.app]\npath = "/a"\nbranch = "main"\n', r"\[repos.app\] branch: unknown setting"),
        ('[repos.app]\nurl = "not a url"\n', r"\[repos.app\] url: 'not a url' is not a git URL"),
        ('[repos.app]\npath = "/a"\nsecrets_env = "TOKEN"\n', r"\[repos.app\] secrets_env: must be a list"),
        ('[repos.app]\npath = "/a"\nvars = ["x"]\n', r"\[repos.app\] vars: must be a table"),
        ('[repos."a b"]\npath = "/a"\n', r"\[repos.a b\]: a repository name may hold"),
        ('[repos]\napp = "/srv/git/app.git"\n', r"\[repos.app\] must be a table"),
    ],
)
def test_bad_repos_settings_name_the_file_table_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        watched_repos(config_of(tmp_path, text, monkeypatch), [], None)
    assert str(caught.value).startswith(str(tmp_path / "baton" / "baton.toml"))
    assert caught.value.exit_code != 0


def test_nothing_to_watch_and_a_bad_interval_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    with pytest.raises(UsageError, match="nothing to watch"):
        watched_repos(load_config(None), [], None)
    with pytest.raises(UsageError, match="--interval must be at least"):
        watched_repos(load_config(None), ["/a"], 0.01)


def test_baton_watch_with_a_bad_baton_toml_says_one_line_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from runner.cli import main

    config_of(tmp_path, '[repos.app]\npath = "/a"\ninterval = -1\n', monkeypatch)
    monkeypatch.setenv("BATON_HOME", str(tmp_path / "home"))
    assert main(["watch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "baton.toml: [repos.app] interval: must be a number" in err
