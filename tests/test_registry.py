"""Built-in plugins load through the same entry points as third-party ones, and can be switched off."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from runner.api import API_VERSION
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
