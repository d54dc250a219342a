"""Finding plugins: entry points of group ``baton``, built-ins included, minus disabled ones."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from functools import cache

import pluggy

from runner import hooks
from runner.api import API_VERSION, Executor, ExecutorClass, NativeAction, NotifierClass
from runner.errors import ConfigError
from runner.expr import Value
from runner.plugin_entries import PluginEntry, entry_points

ENTRY_POINT_GROUP = "baton"


def plugin_manager(disabled: Collection[str] | None = None) -> pluggy.PluginManager:
    """A manager with every installed plugin registered, except those named in ``disabled``
    (default: the comma-separated names in ``$BATON_DISABLE_PLUGINS``); the same one for the
    same names, all the process long."""
    if disabled is None:
        disabled = {name.strip() for name in os.environ.get("BATON_DISABLE_PLUGINS", "").split(",") if name.strip()}
    return _manager(frozenset(disabled))


@cache
def _manager(disabled: frozenset[str]) -> pluggy.PluginManager:
    # Registering introspects every plugin's hooks (about 0.8 ms), and a run asks twice (its
    # executors, then its native actions); what is installed does not change meanwhile.
    manager = pluggy.PluginManager("baton")
    manager.add_hookspecs(hooks)
    for entry in _installed():
        if entry.name in disabled:
            continue
        plugin = entry.load()
        check_api_version(plugin, entry.name)
        manager.register(plugin, name=entry.name)
    return manager


@cache
def _installed() -> tuple[PluginEntry, ...]:
    # Finding entry points reads the metadata of every installed distribution (a few ms
    # each time); what is installed does not change while this process runs.
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def check_api_version(plugin: object, name: str) -> None:
    """Refuse a plugin that says (``BATON_API_VERSION = N``) it was written for another
    version of :mod:`runner.api` than this baton's ``API_VERSION``."""
    declared = getattr(plugin, "BATON_API_VERSION", API_VERSION)
    if declared != API_VERSION:
        raise ConfigError(
            f"plugin '{name}' is written for baton's plugin API {declared}, and this baton has API {API_VERSION}: "
            f"update the plugin, or switch it off with BATON_DISABLE_PLUGINS={name}"
        )


def executor_classes(manager: pluggy.PluginManager) -> dict[str, ExecutorClass]:
    """Executor classes by name."""
    found: dict[str, ExecutorClass] = {}
    for batch in manager.hook.baton_register_executors():
        for cls in batch:
            found[cls.name] = cls
    return found


def native_actions(manager: pluggy.PluginManager) -> dict[str, NativeAction]:
    """Native actions by ``owner/repo[/path]`` in lower case."""
    found: dict[str, NativeAction] = {}
    for batch in manager.hook.baton_register_actions():
        for action in batch:
            for name in action.names:
                found[name.lower()] = action
    return found


def notifier_classes(manager: pluggy.PluginManager) -> dict[str, NotifierClass]:
    """Notifier classes by ``kind``."""
    found: dict[str, NotifierClass] = {}
    for batch in manager.hook.baton_register_notifiers():
        for cls in batch:
            found[cls.kind] = cls
    return found


def build_executor(classes: Mapping[str, ExecutorClass], name: str, options: Mapping[str, Value]) -> Executor:
    """The executor called ``name`` with its settings."""
    cls = classes.get(name)
    if cls is None:
        raise ConfigError(f"no executor named '{name}' (installed: {', '.join(sorted(classes)) or 'none'})")
    return cls(options)
