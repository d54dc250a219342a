"""The local API's wire format: JSON lines over a Unix socket in the baton home.

A client sends one request per line, ``{"v": 1, "op": "status", ...}``; the service
answers each with one line, ``{"v": 1, "ok": true, "result": ...}`` or ``{"v": 1, "ok":
false, "error": "one sentence", "kind": "usage"}``. The ``events`` request is answered
once, then every run event follows as ``{"v": 1, "event": {"type": "RunStarted", ...}}``
until the client hangs up. A request of another version is refused, saying which this
service speaks. Nothing here imports the engine: a git hook's poke loads this module
and :mod:`runner.watch.client` only.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runner.errors import BatonError, ConfigError, StoreError, UsageError

VERSION = 1
"""The protocol version this baton speaks."""

SOCKET_NAME = "baton.sock"
"""The service's socket inside the baton home (0600, in the 0700 home)."""

LOCK_NAME = "watch.lock"
"""Held (``flock``) by the one service of a baton home for its whole life; holds its pid."""

MAX_LINE = 1 << 20
"""The longest request line the service reads."""

_KINDS: dict[str, type[BatonError]] = {"usage": UsageError, "config": ConfigError, "store": StoreError, "error": BatonError}


class ApiError(BatonError):
    """The service could not be reached, or answered something this client cannot read."""

    exit_code = 3


def socket_path(home: Path) -> Path:
    """Where the service of ``home`` listens."""
    return home / SOCKET_NAME


MAX_SOCKET_PATH = 107
"""Linux's limit on a Unix socket's address (``sun_path`` less its terminating zero)."""


@contextlib.contextmanager
def socket_address(path: Path) -> Iterator[str]:
    """``path`` as an address to bind or connect: itself, or, when longer than Linux
    allows (a deep ``BATON_HOME``), the same file reached through ``/proc/self/fd`` of its
    folder, held open while the block runs."""
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        yield str(path)
        return
    try:
        folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise ApiError(f"cannot open the socket's folder: {exc.strerror or exc}", where=str(path.parent)) from None
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line, the protocol version added."""
    return json.dumps({"v": VERSION, **message}, separators=(",", ":"), default=_plain).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """One line as a message; raises :class:`ApiError` for anything but a JSON object."""
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(f"not a JSON line: {exc}") from None
    if not isinstance(message, dict):
        raise ApiError("not a JSON object")
    return message


def error_reply(exc: BatonError) -> dict[str, Any]:
    """The reply that carries ``exc`` to the client, its kind kept (and so its exit code)."""
    kind = next((k for k, cls in _KINDS.items() if type(exc) is cls), "error")
    for name, cls in _KINDS.items():
        if kind == "error" and isinstance(exc, cls) and cls is not BatonError:
            kind = name
    return {"ok": False, "error": str(exc), "kind": kind}


def raise_error(reply: dict[str, Any]) -> None:
    """Raise the error a reply carries, as the class the service raised."""
    raise _KINDS.get(str(reply.get("kind")), BatonError)(str(reply.get("error") or "the service refused the request"))


def _plain(value: object) -> object:
    """What JSON cannot say directly: tuples and sets become lists, the rest its text."""
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    return str(value)
