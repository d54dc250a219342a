"""Version numbers: an action's major version from its ref, and version specs
(``3.12``, ``3.x``, ``>=20``, ``^1.21``, ``~3.11.2``, ``17 || 21``) against a found version."""

from __future__ import annotations

import re

_COMPARATOR = r"^(>=|<=|>|<|=|\^|~)?\s*v?([0-9xX*]+(?:\.[0-9xX*]+)*)$"
"""Compiled by ``re`` when a first version spec is read (and kept in its cache): every run
registers the setup-* actions, few use one."""


def major_of(uses: str) -> int:
    """The major version ``uses`` asks for (``actions/x@v3`` → 3); a branch or SHA counts as
    the newest (a large number)."""
    ref = uses.partition("@")[2]
    match = re.fullmatch(r"v?(\d+)(?:\.\d+)*", ref)
    return int(match[1]) if match else 1 << 30


def parse_version(text: str) -> tuple[int, ...] | None:
    """``3.12.1`` → (3, 12, 1); the leading numbers of a version string (``go1.22.3``,
    ``v20.11.0``, ``17.0.9+9``, ``1.8.0_392``); None without a number."""
    match = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in match[0].split(".")) if match else None


def satisfies(version: tuple[int, ...], spec: str) -> bool | None:
    """Whether ``version`` meets ``spec``; None when ``spec`` is not a plain numeric spec
    (``lts/*``, ``pypy3.10``, ``latest``, ``3.13t``): the real action must decide."""
    alternatives = [part.strip() for part in spec.split("||")]
    results: list[bool] = []
    for alternative in alternatives:
        words = alternative.replace(">= ", ">=").replace("<= ", "<=").replace("> ", ">").replace("< ", "<").split()
        if not words:
            return None
        checks = [_check(version, word) for word in words]
        if any(check is None for check in checks):
            return None
        results.append(all(checks))
    return any(results)


def _check(version: tuple[int, ...], word: str) -> bool | None:
    match = re.fullmatch(_COMPARATOR, word)
    if match is None:
        return None
    op, text = match[1] or "", match[2]
    parts = text.split(".")
    fixed: list[int] = []
    for part in parts:
        if not part.isdigit():
            break
        fixed.append(int(part))
    wanted = tuple(fixed)
    if not wanted:
        return op in ("", "=", ">=", "^", "~")  # x, *: any version
    head = version[: len(wanted)]
    padded = version + (0,) * max(0, len(wanted) - len(version))
    if op in ("", "="):
        return padded[: len(wanted)] == wanted
    if op == ">=":
        return padded >= wanted
    if op == ">":
        return head > wanted
    if op == "<=":
        return head <= wanted
    if op == "<":
        return padded < wanted
    if op == "^":
        return padded >= wanted and version[:1] == wanted[:1]
    return padded >= wanted and version[:2] == wanted[:2] if len(wanted) >= 2 else version[:1] == wanted[:1]  # ~
