"""baton.toml: the repository's file over the user's, flags over both, errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.config import load_config
from runner.errors import ConfigError


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    (folder / "baton").mkdir(parents=True)
    return folder / "baton"


def test_no_files_means_defaults(tmp_path: Path, user_home: Path) -> None:
    config = load_config(tmp_path)
    assert (config.executor, config.jobs, config.pull, config.labels, config.files) == (None, None, None, {}, ())


def test_repository_overrides_user_key_by_key(tmp_path: Path, user_home: Path) -> None:
    (user_home / "baton.toml").write_text('[run]\njobs = 8\npull = "never"\n[labels]\nubuntu-latest = "u:1"\ngpu = "-self-hosted"\n')
    (tmp_path / "baton.toml").write_text('[run]\njobs = 2\n[labels]\nubuntu-latest = "u:2"\n[executors.docker]\ngrace_seconds = 9\n')
    config = load_config(tmp_path)
    assert config.jobs == 2 and config.pull == "never"
    assert config.labels == {"ubuntu-latest": "u:2", "gpu": "-self-hosted"}
    assert config.executors == {"docker": {"grace_seconds": 9}}
    assert config.files == (tmp_path / "baton.toml", user_home / "baton.toml")


def test_retry_settings(tmp_path: Path, user_home: Path) -> None:
    (tmp_path / "baton.toml").write_text("[run]\nretry = 0\nretry_delay = 2\n")
    config = load_config(tmp_path)
    assert (config.retry, config.retry_delay) == (0, 2.0)
    assert load_config(None).retry is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[run]\njobz = 2\n", "unknown setting [run] jobz"),
        ("[run]\njobs = 'two'\n", "[run] jobs must be a int"),
        ("[run]\npull = 'sometimes'\n", "[run] pull must be one of missing, always, never"),
        ("[run]\nretry = -1\n", "[run] retry must be 0 or more, not -1"),
        ("[run]\nretry = 1.5\n", "[run] retry must be a int"),
        ("[run]\nretry_delay = 'soon'\n", "[run] retry_delay must be a number, not 'soon'"),
        ("[labelz]\nx = 'y'\n", "unknown table [labelz]"),
        ("[labels]\nx = 3\n", "[labels] x must be an image name"),
        ("[run\n", "invalid TOML"),
        # a repository's own file cannot send its jobs out of a container (issue 6)
        ("[run]\nexecutor = 'local'\n", "[run] executor = 'local' would run jobs outside a container"),
        ("[labels]\nubuntu-latest = '-self-hosted'\n", "[labels] ubuntu-latest = '-self-hosted' would run jobs outside"),
        ("[labels]\nx = 'ssh://box'\n", "a repository's baton.toml cannot send them there"),
        ("[executors.docker]\nhost_dir = '/etc'\n", "[executors.docker] host_dir may be set only in your own baton.toml"),
        ("[executors.ssh.hosts.box]\nhost = 'h'\n", "[executors.ssh] hosts may be set only in your own baton.toml"),
    ],
)
def test_bad_settings_name_the_file(tmp_path: Path, user_home: Path, text: str, message: str) -> None:
    (tmp_path / "baton.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert message in caught.value.message
    assert str(tmp_path / "baton.toml") in str(caught.value)
