"""act's runner test workflows as cases: a git repository per case, the flags act's tests
pass, and the outcome they expect (tests/data/conformance/act/README.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.shared import ACT_CASES


@dataclass(frozen=True, slots=True, kw_only=True)
class ActCase:
    """One offline case of act's suite."""

    name: str
    workflow: str
    event: str
    expect: str
    kind: str
    extra: dict[str, Any] = field(default_factory=dict)

    def flags(self, image: str) -> list[str]:
        """``baton run`` arguments equivalent to what act's own test passes."""
        flags = [self.event, "-W", self.workflow, "-P", f"ubuntu-latest={image}"]
        for label, target in self.extra.get("platforms", {}).items():
            flags += ["-P", f"{label}={image if target == 'IMAGE' else target}"]
        for key, value in self.extra.get("inputs", {}).items():
            flags += ["--input", f"{key}={value}"]
        for key, value in self.extra.get("secrets", {}).items():
            flags += ["-s", f"{key}={value}"]
        if "secret_file" in self.extra:
            flags += ["--secret-file", self.extra["secret_file"]]
        if "env_file" in self.extra:
            flags += ["--env-file", self.extra["env_file"]]
        if "event_file" in self.extra:
            flags += ["-e", self.extra["event_file"]]
        for key, value in self.extra.get("matrix", {}).items():
            flags += ["--matrix", f"{key}:{value}"]
        if "actor" in self.extra:
            flags += ["--actor", self.extra["actor"]]
        return flags


def load_cases() -> list[ActCase]:
    """Every case of ``cases.json``."""
    data = json.loads((ACT_CASES / "cases.json").read_text())
    base = {"name", "workflow", "event", "expect", "kind"}
    return [
        ActCase(
            name=c["name"],
            workflow=c["workflow"],
            event=c["event"],
            expect=c["expect"],
            kind=c["kind"],
            extra={k: v for k, v in c.items() if k not in base},
        )
        for c in data
    ]


def make_repository(case: ActCase, folder: Path) -> Path:
    """act's testdata copied into ``folder`` and committed, as act's tests do."""
    shutil.copytree(ACT_CASES, folder, dirs_exist_ok=True)
    for path in folder.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "baton-test")
    if "git_remote" in case.extra:
        git("remote", "add", "origin", case.extra["git_remote"])
    git("add", "-A")
    git("commit", "-q", "-m", "testdata")
    return folder
