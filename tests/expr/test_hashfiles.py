"""``hashFiles``: GitHub's glob rules over the workspace and its digest of digests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from runner.errors import ExpressionError
from runner.expr import evaluate
from runner.expr.hashfiles import hash_workspace_files

FILES = {
    "package-lock.json": b"root lock",
    "src/app.py": b"print(1)",
    "src/util/helpers.py": b"def f(): pass",
    "src/util/.hidden.py": b"secret",
    "node_modules/dep/package-lock.json": b"dep lock",
    "web/package-lock.json": b"web lock",
    "docs/readme.md": b"# docs",
    "a[1].txt": b"brackets",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name, content in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return tmp_path


def _expected(*names: str) -> str:
    if not names:
        return ""
    total = hashlib.sha256()
    for name in sorted(names):
        total.update(hashlib.sha256(FILES[name]).digest())
    return total.hexdigest()


@pytest.mark.parametrize(
    ("patterns", "names"),
    [
        (["package-lock.json"], ["package-lock.json"]),
        (["./package-lock.json"], ["package-lock.json"]),
        (["**/package-lock.json"], ["package-lock.json", "node_modules/dep/package-lock.json", "web/package-lock.json"]),
        (["**/package-lock.json", "!**/node_modules/**"], ["package-lock.json", "web/package-lock.json"]),
        (["**/package-lock.json\n!node_modules"], ["package-lock.json", "web/package-lock.json"]),
        (["src"], ["src/app.py", "src/util/helpers.py", "src/util/.hidden.py"]),
        (["src/"], ["src/app.py", "src/util/helpers.py", "src/util/.hidden.py"]),
        (["src/*.py"], ["src/app.py"]),
        (["src/**/*.py"], ["src/app.py", "src/util/helpers.py", "src/util/.hidden.py"]),
        (["src/**", "!src/util/*", "src/util/helpers.py"], ["src/app.py", "src/util/helpers.py"]),
        (["src/ap?.py", "docs/[rx]eadme.md"], ["src/app.py", "docs/readme.md"]),
        (["a\\[1\\].txt"], ["a[1].txt"]),
        (["# a comment\ndocs/*"], ["docs/readme.md"]),
        (["**/nothing-here"], []),
        (["package-lock.json/"], []),
    ],
)
def test_patterns(workspace: Path, patterns: list[str], names: list[str]) -> None:
    assert hash_workspace_files(str(workspace), patterns) == _expected(*names)


def test_patterns_outside_the_workspace_match_nothing(workspace: Path) -> None:
    assert hash_workspace_files(str(workspace / "src"), ["../docs/*", str(workspace / "docs")]) == ""


def test_absolute_patterns_inside_the_workspace(workspace: Path) -> None:
    assert hash_workspace_files(str(workspace), [str(workspace / "docs" / "*.md")]) == _expected("docs/readme.md")


def test_through_the_expression(workspace: Path) -> None:
    contexts = {"github": {"workspace": str(workspace)}}
    assert evaluate("hashFiles('**/*.md', 'src/app.py')", contexts) == _expected("docs/readme.md", "src/app.py")


def test_custom_hash_files_sees_the_patterns() -> None:
    seen: list[list[str]] = []

    def fake(patterns: object) -> str:
        seen.append(list(patterns))  # type: ignore[call-overload]
        return "digest"

    assert evaluate("hashFiles('a', 1, null)", {}, hash_files=fake) == "digest"
    assert seen == [["a", "1", ""]]


def test_needs_a_workspace() -> None:
    with pytest.raises(ExpressionError, match="github.workspace"):
        evaluate("hashFiles('a')", {"github": {}})


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinked_directories_are_not_followed(workspace: Path) -> None:
    (workspace / "link").symlink_to(workspace / "docs", target_is_directory=True)
    assert hash_workspace_files(str(workspace), ["**/*.md"]) == _expected("docs/readme.md")
