"""``RUNNER_OS`` and ``RUNNER_ARCH`` as GitHub spells them, from what a machine, an engine
or a swarm node calls itself (``uname``, ``platform``, the engine's ``Arch``)."""

from __future__ import annotations

_OS = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}
_ARCHES = {
    "x86_64": "X64", "amd64": "X64",
    "aarch64": "ARM64", "arm64": "ARM64",
    "i386": "X86", "i686": "X86", "386": "X86",
    "armv7l": "ARM", "arm": "ARM",
}  # fmt: skip


def runner_os(system: str) -> str:
    """``RUNNER_OS`` (``Linux``, ``macOS``, ``Windows``) for ``uname -s`` or ``platform.system()``."""
    return _OS.get(system, system)


def runner_arch(machine: str) -> str:
    """``RUNNER_ARCH`` (``X64``, ``ARM64``, ``X86``, ``ARM``) for ``uname -m``, ``platform.machine()``
    or an engine's architecture; another name in capitals; ``X64`` when none is known."""
    if not machine:
        return "X64"
    return _ARCHES.get(machine.lower(), machine.upper())
