"""The Docker Engine API, spoken directly: addresses, requests, streamed answers.

Used by the docker and swarm executors in place of a general SDK, whose import and
per-request cost were a large part of a short job's time.
"""

from __future__ import annotations

from plugins.executors.docker.api.address import DEFAULT_ENGINE, AddressError, EngineAddress, parse_address
from plugins.executors.docker.api.client import Engine, EngineError, NotFound, Stream, Unreachable, quoted

__all__ = [
    "DEFAULT_ENGINE", "AddressError", "Engine", "EngineAddress", "EngineError", "NotFound", "Stream",
    "Unreachable", "parse_address", "quoted",
]
