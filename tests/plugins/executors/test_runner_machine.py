"""``RUNNER_OS`` and ``RUNNER_ARCH`` from what machines, engines and nodes call themselves."""

from __future__ import annotations

import pytest

from plugins.executors.runner_machine import runner_arch, runner_os


@pytest.mark.parametrize(("machine", "arch"), [
    ("x86_64", "X64"), ("amd64", "X64"), ("AMD64", "X64"), ("aarch64", "ARM64"), ("arm64", "ARM64"),
    ("i686", "X86"), ("386", "X86"), ("armv7l", "ARM"), ("arm", "ARM"), ("s390x", "S390X"), ("", "X64"),
])  # fmt: skip
def test_arch_names_of_uname_platform_and_engines(machine: str, arch: str) -> None:
    assert runner_arch(machine) == arch


def test_os_names() -> None:
    assert [runner_os(s) for s in ("Linux", "Darwin", "Windows", "FreeBSD")] == ["Linux", "macOS", "Windows", "FreeBSD"]
