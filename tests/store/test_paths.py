"""Where the store lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.errors import StoreError
from runner.status import RunId
from runner.store.paths import baton_home, step_log_name


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"BATON_HOME": "{tmp}/b", "XDG_STATE_HOME": "{tmp}/x"}, "{tmp}/b"),
        ({"BATON_HOME": "", "XDG_STATE_HOME": "{tmp}/x"}, "{tmp}/x/baton"),
        ({}, "{home}/.local/state/baton"),
    ],
)
def test_baton_home_precedence_and_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    fill = {"tmp": str(tmp_path), "home": str(tmp_path / "user")}
    home = baton_home({k: v.format(**fill) for k, v in environ.items()})
    assert home == Path(expected.format(**fill))
    assert home.is_dir()


def test_a_home_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot create") as caught:
        baton_home({"BATON_HOME": str(tmp_path / "file" / "baton")})
    assert caught.value.where == str(tmp_path / "file" / "baton")


@pytest.mark.parametrize(
    ("run_id", "job_key", "index", "expected"),
    [
        ("0f3a", "build", 0, "logs/0f3a/build/0.log"),
        ("0f3a", "test.2", 3, "logs/0f3a/test.2/3.log"),
        ("a/b", "..", 1, "logs/a%2Fb/%2E%2E/1.log"),
        ("x", "build (3.12, ubuntu)", 1, "logs/x/build%20%283.12%2C%20ubuntu%29/1.log"),
    ],
)
def test_step_log_names_stay_inside_the_logs_folder(run_id: str, job_key: str, index: int, expected: str) -> None:
    assert step_log_name(RunId(run_id), job_key, index) == expected


def test_the_store_is_private_whatever_the_umask(tmp_path: Path) -> None:
    from runner.store.db import Store
    from runner.store.logfiles import StepLogs

    previous = os.umask(0)
    try:
        home = baton_home({"BATON_HOME": str(tmp_path / "home")})
        with Store.open(home):
            pass
        logs = StepLogs(home)
        logs.append((RunId("r1"), "job", 0), ("line",))
        logs.close_all()
    finally:
        os.umask(previous)
    modes = {path.relative_to(home).as_posix(): path.stat().st_mode & 0o777 for path in [home, *home.rglob("*")]}
    files = {name: mode for name, mode in modes.items() if (home / name).is_file()}
    assert modes["."] == 0o700
    assert {"baton.db", "baton.db-wal", "baton.db-shm"} <= set(files) or {"baton.db"} <= set(files)
    assert set(files.values()) == {0o600}, modes
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes
