"""Reading the engine's two kinds of streamed answer.

A container's or an exec's output without a terminal comes multiplexed: frames of an
8-byte header (stream 0/1/2, three zero bytes, the payload's length, big-endian) and the
payload. Pulls, pushes and builds report progress as JSON objects, one after another,
where a failure is an object with an ``error`` key (the request itself said 200).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from typing import Any

from plugins.executors.docker.api.client import EngineError

_HEADER = struct.Struct(">BxxxL")


def payloads(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The payloads of a multiplexed stream, stdout and stderr in the order they came."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        start = 0
        while len(pending) - start >= _HEADER.size:
            _kind, size = _HEADER.unpack_from(pending, start)
            end = start + _HEADER.size + size
            if end > len(pending):
                break
            if size:
                yield bytes(pending[start + _HEADER.size:end])
            start = end
        del pending[:start]
    if pending:
        yield bytes(pending)  # a cut-off last frame: what arrived of it


def text_of(chunks: Iterable[bytes]) -> str:
    """A short multiplexed answer (``logs`` without ``follow``) as text."""
    return b"".join(payloads(chunks)).decode(errors="replace")


def progress(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The JSON objects of a progress stream; :class:`EngineError` at the first ``error``."""
    decoder = json.JSONDecoder()
    pending = ""
    for chunk in chunks:
        pending += chunk.decode(errors="replace")
        while True:
            pending = pending.lstrip()
            if not pending:
                break
            try:
                item, end = decoder.raw_decode(pending)
            except ValueError:
                break  # the object goes on in the next chunk
            pending = pending[end:]
            if isinstance(item, dict):
                if item.get("error"):
                    raise EngineError(str(item["error"]).strip(), 200)
                yield item
