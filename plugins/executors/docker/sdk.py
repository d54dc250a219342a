"""The Docker SDK, imported without the optional parts it never needs here.

``import docker`` loads ``docker.transport.sshconn``, and through it paramiko and
cryptography, whatever the engine's address; and ``requests`` loads a character-set
detector (``charset_normalizer`` or ``chardet``) that only guesses the encoding of a
text body without a charset, which the engine's JSON answers never need. Together about
a fifth of a one-step job's Python start-up. Both libraries treat these modules as
optional (the SDK then reports ``ssh://`` as unsupported; requests falls back to UTF-8),
so they are left out here the same way: the SSH transport unless ``DOCKER_HOST`` is
``ssh://``. Every module of this executor takes ``docker`` from here, so whichever is
imported first does it; a process that imported either library before keeps it whole.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

_SSH_TRANSPORT = "docker.transport.sshconn"
_DETECTORS = ("charset_normalizer", "chardet")


def _import_sdk() -> Any:
    if "docker" in sys.modules:
        import docker

        return docker
    left_out = [] if "requests" in sys.modules else [name for name in _DETECTORS if name not in sys.modules]
    if not os.environ.get("DOCKER_HOST", "").startswith("ssh://"):
        left_out.append(_SSH_TRANSPORT)
    # A None entry makes ``import NAME`` raise ImportError, which both libraries catch;
    # the entries go again afterwards, so a later import of NAME works as usual.
    for name in left_out:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")
            import docker
    finally:
        for name in left_out:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]
    return docker


docker = _import_sdk()
"""The ``docker`` package (``docker.errors``, ``docker.from_env``, …)."""

import requests.exceptions  # noqa: E402 - after the SDK, which imports requests as above

requests_errors = requests.exceptions
"""``requests.exceptions``, which the SDK lets through when the engine cannot be reached."""
