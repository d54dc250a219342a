"""The Docker SDK, imported without its SSH transport unless ``DOCKER_HOST`` is ``ssh://``.

``import docker`` loads ``docker.transport.sshconn``, and through it paramiko and
cryptography, whatever the engine's address: about 75 ms of a one-step job's 0.7 s.
The SDK treats that transport as optional (it leaves it out when paramiko is missing),
so for a ``unix://`` or ``tcp://`` engine it is left out here the same way. Every module
of this executor takes ``docker`` from here, so whichever is imported first does it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_SSH_TRANSPORT = "docker.transport.sshconn"


def _import_sdk() -> Any:
    if "docker" in sys.modules or os.environ.get("DOCKER_HOST", "").startswith("ssh://"):
        import docker

        return docker
    # A None entry makes ``import docker.transport.sshconn`` raise ImportError, which the
    # SDK catches (it then reports ssh:// as unsupported); nothing else imports that module.
    sys.modules[_SSH_TRANSPORT] = None  # type: ignore[assignment]
    try:
        import docker
    finally:
        if sys.modules.get(_SSH_TRANSPORT, "") is None:
            del sys.modules[_SSH_TRANSPORT]
    return docker


docker = _import_sdk()
"""The ``docker`` package (``docker.errors``, ``docker.from_env``, …)."""
