"""Built-in plugins load through the same entry points as third-party ones, and can be switched off."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from runner import api
from runner.api import API_VERSION, ExecutorError
from runner.errors import ConfigError
from runner.registry import build_executor, check_api_version, executor_classes, native_actions, plugin_manager


def test_built_ins_come_through_entry_points() -> None:
    manager = plugin_manager(disabled=())
    assert {"docker", "local"} <= set(executor_classes(manager))
    assert "actions/checkout" in native_actions(manager)


def test_a_plugin_is_switched_off_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_DISABLE_PLUGINS", "docker, checkout")
    manager = plugin_manager()
    assert "docker" not in executor_classes(manager)
    assert "actions/checkout" not in native_actions(manager)
    with pytest.raises(ConfigError, match="no executor named 'docker' \\(installed: local, ssh, swarm\\)"):
        build_executor(executor_classes(manager), "docker", {})


def test_a_plugin_written_for_another_api_version_is_refused() -> None:
    check_api_version(SimpleNamespace(), "quiet")  # says nothing: loaded
    check_api_version(SimpleNamespace(BATON_API_VERSION=API_VERSION), "current")
    with pytest.raises(ConfigError, match=f"plugin 'old' is written for baton's plugin API 0, and this baton has API {API_VERSION}"):
        check_api_version(SimpleNamespace(BATON_API_VERSION=0), "old")


def test_entry_points_are_read_as_importlib_metadata_reads_them(tmp_path: Path) -> None:
    from importlib.metadata import entry_points as standard

    from runner.plugin_entries import entry_points

    for group in ("baton", "console_scripts", "pytest11"):
        assert sorted((e.name, e.value) for e in entry_points(group)) == sorted(
            (e.name, e.value) for e in standard(group=group))
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, value in ((first, "mine:hook"), (second, "shadowed:hook")):
        meta = folder / "My_Plugin-1.0.dist-info"
        meta.mkdir(parents=True)
        (meta / "entry_points.txt").write_text(f"# comment\n[other]\nx = y\n\n[baton]\nmine = {value} [extra]\n")
    (second / "old.egg-info").write_text("Metadata-Version: 1.0\n")  # a single-file egg-info: no entry points
    found = entry_points("baton", [str(first), str(tmp_path / "missing"), str(second)])
    assert [(e.name, e.value, e.distribution) for e in found] == [("mine", "mine:hook [extra]", "my_plugin")]


def test_an_entry_point_loads_its_attribute() -> None:
    from runner.plugin_entries import PluginEntry

    assert PluginEntry(name="x", value="runner.api:ExecutorError", distribution="d").load() is ExecutorError
    assert PluginEntry(name="x", value="runner.api", distribution="d").load() is api
