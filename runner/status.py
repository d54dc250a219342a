"""The fixed vocabulary of states and results shared by engine, store and views."""

from __future__ import annotations

import random
from enum import Enum
from typing import NewType

RunId = NewType("RunId", str)
"""Identity of one run of one workflow."""


def new_run_id() -> RunId:
    """A fresh run id: a 12-digit number, as ``github.run_id`` is a number on GitHub."""
    # The system's random source, as secrets.randbelow draws it, without importing
    # secrets (its hmac brings hashlib and OpenSSL: 2-3 ms of a dry run's imports).
    return RunId(str(10**11 + random.SystemRandom().randrange(9 * 10**11)))


class Status(str, Enum):
    """Where a run, job or step is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class Conclusion(str, Enum):
    """How a finished run, job or step ended (GitHub's words, plus ``interrupted``)."""

    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"
    """The process running it died; found and recorded on the next start."""
