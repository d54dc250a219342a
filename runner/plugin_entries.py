"""The entry points of one group (``baton``'s plugins) of the installed distributions.

Read from each distribution's metadata folder on ``sys.path`` (``NAME-VERSION.dist-info``
or ``.egg-info``, its ``entry_points.txt``), taking distributions in ``sys.path`` order with
the first of each name winning, as ``importlib.metadata.entry_points`` does. That module
answers the same, but importing it loads the e-mail parser it reads other metadata with:
about 10 ms of every command's start, for a scan of a few small files.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginEntry:
    """One entry point: ``name = module:attribute``."""

    name: str
    value: str
    """``module`` or ``module:attribute.path``, as the distribution declares it."""
    distribution: str
    """The declaring distribution's name, normalised (``baton_ci``)."""

    def load(self) -> object:
        """The module, or the attribute it names (importing the module)."""
        module, _, attributes = self.value.partition(":")
        found: object = importlib.import_module(module.strip())
        for attribute in attributes.split("[")[0].strip().split("."):
            if attribute:
                found = getattr(found, attribute)
        return found


def entry_points(group: str, paths: Sequence[str] | None = None) -> tuple[PluginEntry, ...]:
    """Every entry point of ``group`` declared by the distributions on ``paths`` (default
    ``sys.path``), in path order."""
    seen: set[str] = set()
    found: list[PluginEntry] = []
    for folder in sys.path if paths is None else paths:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            continue  # a missing folder or a zip file
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            distribution = _SEPARATORS.sub("_", stem.partition("-")[0]).lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                with open(os.path.join(folder or ".", name, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:
                continue  # no entry points, or an old single-file egg-info
            found.extend(PluginEntry(name=key, value=value, distribution=distribution)
                         for key, value in _section(text, group))
    return tuple(found)


def _section(text: str, group: str) -> Iterator[tuple[str, str]]:
    """The ``key = value`` lines of the ``[group]`` section of an ``entry_points.txt``."""
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            key, _, value = line.partition("=")
            yield key.strip(), value.strip()
