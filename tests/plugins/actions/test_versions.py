"""Version specs of the setup-* actions against found versions, and action refs' major versions."""

from __future__ import annotations

import pytest

from plugins.actions.setup_python import _from_pep440
from plugins.actions.versions import major_of, parse_version, satisfies


@pytest.mark.parametrize(("version", "spec", "expected"), [
    ("3.12.4", "3.12", True), ("3.12.4", "3.11", False), ("3.12.4", "3.x", True), ("3.12.4", "3", True),
    ("3.12.4", "3.12.4", True), ("3.12.4", "3.12.3", False), ("3.12.4", ">=3.9", True), ("3.8.1", ">=3.9", False),
    ("20.11.1", ">=20", True), ("18.19.0", ">=20", False), ("20.11.1", "20", True), ("22.1.0", "^20", False),
    ("20.11.1", "^20.10", True), ("1.22.3", "~1.22.0", True), ("1.23.0", "~1.22.0", False), ("17.0.9", "17", True),
    ("20.11.1", ">=18 <21", True), ("21.0.0", ">=18 <21", False), ("21.7.0", "18 || 21", True), ("20.0.0", "18 || 21", False),
    ("20.11.1", ">20", False), ("21.0.0", ">20", True), ("20.11.1", "<=20", True), ("3.12.4", "*", True),
    ("20.11.1", "lts/*", None), ("3.10.0", "pypy3.10", None), ("1.22.3", "stable", None), ("3.13.0", "3.13t", None),
])
def test_satisfies(version: str, spec: str, expected: bool | None) -> None:
    found = parse_version(version)
    assert found is not None
    assert satisfies(found, spec) is expected


@pytest.mark.parametrize(("uses", "major"), [("actions/upload-artifact@v3", 3), ("a/b@v4.1.0", 4), ("a/b@main", 1 << 30)])
def test_major_of(uses: str, major: int) -> None:
    assert major_of(uses) == major


@pytest.mark.parametrize(("pep440", "spec"), [(">=3.9,<4", ">=3.9 <4"), ("~=3.10", "^3.10"), ("==3.12.*", "3.12.x")])
def test_pep440_specifiers(pep440: str, spec: str) -> None:
    assert _from_pep440(pep440) == spec
