"""Registry credentials for a pull: the workflow's own, else what ``docker login`` stored.

The engine takes them as the ``X-Registry-Auth`` header (base64url of a JSON object).
``~/.docker/config.json`` (or ``$DOCKER_CONFIG/config.json``) keeps them inline under
``auths`` or names a credential helper (``credHelpers`` per registry, ``credsStore`` for
all), a ``docker-credential-<name>`` program that answers ``get`` with the secret.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

DOCKER_HUB = "https://index.docker.io/v1/"
"""How ``docker login`` names Docker Hub in its config."""


def registry_of(image: str) -> str:
    """The registry an image reference names (Docker Hub when its first part is no host)."""
    first, slash, _rest = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def auth_header(image: str, username: str | None = None, password: str | None = None) -> dict[str, str]:
    """The header that carries credentials for pulling ``image`` (none when there are none)."""
    registry = registry_of(image)
    found = {"username": username, "password": password or ""} if username else _stored(registry)
    if not found:
        return {}
    encoded = base64.urlsafe_b64encode(json.dumps({**found, "serveraddress": registry}).encode()).decode()
    return {"X-Registry-Auth": encoded}


def _stored(registry: str) -> dict[str, str] | None:
    config = _config()
    helper = (config.get("credHelpers") or {}).get(registry) or config.get("credsStore")
    if isinstance(helper, str) and helper:
        return _from_helper(helper, registry)
    entry = (config.get("auths") or {}).get(registry) or {}
    if not isinstance(entry, dict) or not entry.get("auth"):
        return None
    try:
        user, _, secret = base64.b64decode(str(entry["auth"])).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return {"username": user, "password": secret}


def _config() -> dict[str, Any]:
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _from_helper(helper: str, registry: str) -> dict[str, str] | None:
    try:
        answer = subprocess.run([f"docker-credential-{helper}", "get"], input=registry.encode(),
                                capture_output=True, timeout=30, check=True)
        secret = json.loads(answer.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None  # no helper, or nothing stored for this registry: an anonymous pull
    if not isinstance(secret, dict) or not secret.get("Username"):
        return None
    return {"username": str(secret["Username"]), "password": str(secret.get("Secret", ""))}
