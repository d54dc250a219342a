"""What a hostile-workflow test needs: a canary on this machine, a repository, one real run.

A :class:`Canary` is a folder outside every workspace holding a file whose content is a
unique secret, a composite action and a Dockerfile (things a job might try to make baton
load from outside the repository). :func:`run_case` writes a case's repository (files and
committed symbolic links) as a real git repository, runs ``python -m runner run`` on it in
a child process with stderr on a pseudo-terminal (so the live output is exactly what
reaches a user's terminal), and returns everything a run leaves: the terminal bytes, the
JSON document, the store's files and rows, the process's peak memory.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pty
import re
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import termios
import threading
import unicodedata
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git

RUN_SECONDS = 180.0
"""Longest one hostile run may take before the test kills it (a hung step is a failure)."""

TRACEBACK = "Traceback (most recent call last)"

ROWS, COLUMNS = 50, 120
"""The pseudo-terminal's size: a printed line wider than it would wrap into a row of its own."""

_ALLOWED_ESCAPE = re.compile(rb"\x1b\[[0-9;]*m")
"""SGR colour sequences: the only control sequences baton lets reach the terminal."""
_CONTROLS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
"""Control characters (C0 but tab and newline, DEL, C1 as UTF-8) left once SGR is removed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Canary:
    """A host folder no job should reach: its content must appear nowhere, nothing in it change."""

    root: Path
    secret: str
    """Unique text in every canary file: found anywhere baton wrote, it leaked."""

    @property
    def file(self) -> Path:
        """The secret file (its first line is the secret)."""
        return self.root / "secret.txt"

    @classmethod
    def create(cls, base: Path) -> Canary:
        """A fresh canary folder under ``base`` (which must be outside every workspace)."""
        secret = f"canary-{uuid.uuid4().hex}"
        root = base / f"baton-canary-{uuid.uuid4().hex[:8]}"
        (root / "action").mkdir(parents=True)
        (root / "secret.txt").write_text(f"{secret}\nKEY={secret}\nsecond line {secret}\n")
        (root / "secret.txt").chmod(0o640)
        (root / "action" / "action.yml").write_text(
            f"name: {secret}\ndescription: {secret}\nruns:\n  using: composite\n"
            f"  steps:\n    - run: echo {secret}\n      shell: bash\n"
        )
        (root / "Dockerfile").write_text(f"FROM scratch-{secret}\n")
        return cls(root=root, secret=secret)

    def state(self) -> dict[str, tuple[int, int, int, int, str]]:
        """Every entry's mode, size, change times and content digest, links not followed."""
        found: dict[str, tuple[int, int, int, int, str]] = {}
        for folder, folders, files in os.walk(self.root):
            for name in ("", *folders, *files):
                path = Path(folder, name)
                info = path.lstat()
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else ""
                found[str(path.relative_to(self.root))] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, digest)
        return found

    def substitute(self, text: str, **more: str) -> str:
        """``text`` with ``@CANARY@`` (folder), ``@SECRET_FILE@`` and ``@NAME@`` of ``more`` filled in."""
        text = text.replace("@CANARY@", str(self.root)).replace("@SECRET_FILE@", str(self.file))
        for name, value in more.items():
            text = text.replace(f"@{name}@", value)
        return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one ``baton run`` left behind."""

    code: int
    terminal: bytes
    """Everything written to the terminal (stderr, a pseudo-terminal)."""
    stdout: str
    document: dict[str, Any] | None
    """The ``--format json`` document, if stdout held one."""
    store: dict[str, bytes]
    """Every file under ``BATON_HOME`` (database, its journal, logs) by relative path."""
    rows: str
    """The database as SQL text (every row of every table)."""
    home: Path
    peak_rss: int
    """Peak resident memory of the baton process, in bytes."""
    seconds: float

    def job(self, job_id: str) -> dict[str, Any]:
        """The JSON document's job ``job_id`` (the first leg)."""
        assert self.document is not None, self.text()
        return next(j for j in self.document["jobs"] if j["id"] == job_id)

    def step(self, job_id: str, index: int) -> dict[str, Any]:
        """Step ``index`` (from 0) of job ``job_id`` in the JSON document."""
        steps: list[dict[str, Any]] = self.job(job_id)["steps"]
        return steps[index]

    def log(self, job_id: str, index: int) -> str:
        """The log file of step ``index`` of job ``job_id``."""
        return Path(self.step(job_id, index)["log"]).read_text(errors="replace")

    def text(self) -> str:
        """The terminal's text without colours, for messages and searches."""
        return _ALLOWED_ESCAPE.sub(b"", self.terminal).decode(errors="replace")

    def said(self, text: str) -> bool:
        """Whether baton said ``text``: on the terminal, or whole in a step's log or a job's
        reason (the terminal shows a long line in pieces of its width)."""
        reasons = [job["reason"] for job in self.document["jobs"]] if self.document else []
        logs = [data.decode(errors="replace") for name, data in self.store.items() if name.endswith(".log")]
        return any(text in where for where in (self.text(), *reasons, *logs))

    def everything(self) -> dict[str, bytes]:
        """Every place a leak would show: terminal, stdout, database rows, store files."""
        return {"terminal": self.terminal, "stdout": self.stdout.encode(), "database rows": self.rows.encode(),
                **{f"store file {name}": data for name, data in self.store.items()}}


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One hostile workflow and what must hold after it ran (beyond the common checks)."""

    name: str
    workflow: str
    """The workflow file, with ``@CANARY@``, ``@SECRET_FILE@``, ``@MARK@`` placeholders."""
    files: Mapping[str, str] = field(default_factory=dict)
    """More files of the repository (same placeholders)."""
    links: Mapping[str, str] = field(default_factory=dict)
    """Committed symbolic links: path in the repository → target (same placeholders)."""
    executors: tuple[str, ...] = ("docker", "local")
    args: tuple[str, ...] = ()
    """More arguments of ``baton run``."""
    check: Callable[[Outcome, Canary], None] = lambda outcome, canary: None
    """What the case itself expects of the run (failures, outputs, time, memory…)."""


def make_repository(root: Path, case: Case, canary: Canary, **more: str) -> Path:
    """A real git repository at ``root`` holding the case's files and links, committed."""
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Baton Test")
        config.set_value("user", "email", "baton-test@example.invalid")
        config.set_value("commit", "gpgsign", "false")
    for name, content in {".github/workflows/hostile.yml": case.workflow, **case.files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(canary.substitute(content, **more))
    for name, target in case.links.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(canary.substitute(target, **more), path)
    repo.git.add("--all")
    repo.git.commit("-m", "hostile")
    repo.close()
    return root


def run_baton(root: Path, home: Path, args: list[str], *, env: Mapping[str, str] | None = None) -> Outcome:
    """``python -m runner run ARGS`` in ``root``: stderr on a pseudo-terminal, stdout to a file."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    stdout_path = home.parent / f"{home.name}.stdout"
    started = time.monotonic()
    with stdout_path.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "runner", "run", *args], cwd=root, stdin=subprocess.DEVNULL, stdout=stdout,
            stderr=slave, start_new_session=True, umask=0,
            env={**os.environ, "BATON_HOME": str(home), "TERM": "xterm-256color", **(env or {})},
        )
    os.close(slave)
    received: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(master, received), daemon=True)
    reader.start()
    try:
        status, peak = _wait(process.pid, started + RUN_SECONDS)
    finally:
        if process.returncode is None and _is_running(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            os.waitpid(process.pid, 0)
        process.returncode = process.returncode if process.returncode is not None else -9
    reader.join(timeout=30)
    os.close(master)
    process.returncode = os.waitstatus_to_exitcode(status)
    text = stdout_path.read_text(errors="replace")
    try:
        document = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        document = None
    return Outcome(code=process.returncode, terminal=b"".join(received), stdout=text, document=document,
                   store=_files(home), rows=_rows(home / "baton.db"), home=home,
                   peak_rss=peak, seconds=time.monotonic() - started)


def _drain(master: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: every writer closed the terminal
            return
        if not chunk:
            return
        into.append(chunk)


def _wait(pid: int, deadline: float) -> tuple[int, int]:
    """The exit status of ``pid`` and its peak memory (``VmHWM``, polled while it runs).

    Not ``wait4``'s ``ru_maxrss``: that counts the forked test process's memory before
    ``exec`` too.
    """
    peak = 0
    while True:
        peak = max(peak, _high_water(pid))
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, peak
        if time.monotonic() > deadline:
            raise AssertionError(f"baton run did not end within {RUN_SECONDS:.0f} s")
        time.sleep(0.02)


def _high_water(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _files(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file() and not p.is_symlink()}


def _rows(database: Path) -> str:
    if not database.exists():
        return ""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return "\n".join(db.iterdump())


def processes_with(mark: str) -> list[int]:
    """Pids of live processes whose command line holds ``mark`` (in containers too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kill_all(pids: list[int]) -> None:
    """Stop processes a failed case left behind (by pid), so the test cleans up after itself."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def assert_host_untouched(outcome: Outcome, canary: Canary, before: dict[str, tuple[int, int, int, int, str]]) -> None:
    """The checks every hostile case shares: no leak, no change, no traceback, a safe terminal."""
    secret = canary.secret.encode()
    digest = hashlib.sha256(canary.file.read_bytes()).hexdigest().encode()
    for where, data in outcome.everything().items():
        assert secret not in data, f"the canary's content reached the {where}:\n{outcome.text()[-3000:]}"
        assert digest not in data, f"the canary's digest reached the {where}"
        assert TRACEBACK.encode() not in data, f"a traceback in the {where}:\n{data.decode(errors='replace')[-3000:]}"
    assert canary.state() == before, "the canary folder changed (an entry added, removed, written or chmod-ed)"
    remaining = _CONTROLS.findall(_ALLOWED_ESCAPE.sub(b"", outcome.terminal).replace(b"\r\n", b"\n"))
    assert not remaining, f"control characters other than SGR colours reached the terminal: {sorted(set(remaining))}"
    for row in outcome.text().split("\r\n"):
        width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in row)
        assert width <= COLUMNS, f"a line of {width} cells wraps on a {COLUMNS}-column terminal: {row[:200]!r}…"
    assert stat.S_IMODE(outcome.home.stat().st_mode) == 0o700, "BATON_HOME is not 0700"
    for name in outcome.store:
        mode = stat.S_IMODE((outcome.home / name).stat().st_mode)
        assert mode == 0o600, f"{name} in the store is {oct(mode)}, not 0600"
