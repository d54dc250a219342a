"""The shell script one step runs as on the host, and how its report is read back.

A step is one channel running ``sh -s``: the script below arrives on stdin, so the
environment and secrets never appear in a command line nor go through sshd's
``AcceptEnv``. It writes the command's files with the shell's own builtins (``printf``,
redirection: no program, so no process list, sees their contents; never through a
link: ``set -C`` opens with ``O_EXCL``), starts the command under ``setsid`` with its output on the channel's
stdout, reports the process group on stderr, waits, and then reports on stderr the exit
status and the collected files that are regular files (a link the job planted is not
read). A random token on stdout marks where the step's own output ends.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def q(text: str) -> str:
    """``text`` quoted for a POSIX shell."""
    return shlex.quote(text)


@dataclass(frozen=True, slots=True, kw_only=True)
class StepScript:
    """A generated script and the token that ends its output."""

    text: bytes
    token: bytes
    collect: tuple[str, ...]


def step_script(*, argv: Sequence[str], env: Mapping[str, str], path: Sequence[str], cwd: str,
                files: Mapping[str, bytes], scripts: Collection[str], collect: Sequence[str]) -> StepScript:
    """The script that runs one command (all paths absolute, as the host sees them)."""
    token = f"::baton-end-{os.urandom(16).hex()}::"
    # Without SSH_CLIENT, bash does not read ~/.bashrc as it does for commands sshd runs:
    # steps get a plain non-login shell, as on the other executors.
    lines = ["umask 077", "set -C", "unset SSH_CLIENT SSH2_CLIENT SSH_CONNECTION"]
    # A step's cost is mostly the processes it starts on the host: files are written by
    # the shell itself (test, printf, redirection), a program runs only when needed.
    for parent in sorted({name.rsplit("/", 1)[0] or "/" for name in files}):
        lines.append(f"[ -d {q(parent)} ] || mkdir -p -- {q(parent)}")
    for name, content in files.items():
        lines.append(f"if [ -e {q(name)} ] || [ -L {q(name)} ]; then rm -f -- {q(name)}; fi")
        if not content:
            lines.append(f": > {q(name)}")
        elif b"\0" not in content and _is_text(content):
            lines.append(f"printf '%s' {q(content.decode())} > {q(name)}")
        else:
            lines.append(f"base64 -d > {q(name)} <<'{token}'")
            lines.append(base64.encodebytes(content).decode() + token)
    executable = [q(name) for name in files if name in scripts]
    if executable:
        lines.append(f"chmod 700 -- {' '.join(executable)}")
    for key, value in env.items():
        if _NAME.match(key):  # a shell cannot export other names; GitHub's runner shells cannot either
            lines.append(f"export {key}={q(value)}")
    if path:
        lines.append(f"PATH={q(':'.join(path))}:\"$PATH\"; export PATH")
    words = " ".join(q(word) for word in argv)
    lines += [
        "set +C",
        f"if cd {q(cwd)} 2>/dev/null; then",
        f"  setsid {words} </dev/null 2>&1 &",
        "  baton_pid=$!",
        "  printf 'P %s\\n' \"$baton_pid\" >&2",
        "  wait \"$baton_pid\"; baton_code=$?",
        "else",
        f"  printf 'baton: cannot run %s in %s: no such folder\\n' {q(argv[0])} {q(cwd)}; baton_code=127",
        "fi",
        f"printf '%s' {q(token)}",
        "printf 'X %s\\n' \"$baton_code\" >&2",
    ]
    for index, name in enumerate(collect):  # an empty file (the usual command file) costs no program
        lines.append(f"if [ -f {q(name)} ] && [ ! -L {q(name)} ]; then printf 'F {index} ' >&2; "
                     f"if [ -s {q(name)} ]; then base64 < {q(name)} | tr -d '\\n' >&2; fi; printf '\\n' >&2; fi")
    lines += ["printf 'E\\n' >&2", "exit 0", ""]
    return StepScript(text="\n".join(lines).encode(), token=token.encode(), collect=tuple(collect))


def _is_text(content: bytes) -> bool:
    try:
        content.decode()
    except UnicodeDecodeError:
        return False
    return True


@dataclass(slots=True)
class Report:
    """What the script said on stderr, parsed as it arrives."""

    group: int | None = None
    """The step's process group on the host (set as soon as it started)."""
    exit_code: int | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    is_complete: bool = False
    _pending: bytes = b""

    def feed(self, chunk: bytes, collect: Sequence[str]) -> None:
        """Parse whole lines of ``chunk`` (a partial line waits for the rest)."""
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            kind, _, rest = line.partition(b" ")
            if kind == b"P" and rest.isdigit():
                self.group = int(rest)
            elif kind == b"X" and rest.lstrip(b"-").isdigit():
                self.exit_code = int(rest)
            elif kind == b"F":
                index, _, data = rest.partition(b" ")
                self.files[collect[int(index)]] = base64.b64decode(data)
            elif kind == b"E":
                self.is_complete = True


class OutputEnd:
    """Finds the end token in a stream of chunks, passing on what comes before it."""

    def __init__(self, token: bytes) -> None:
        self._token = token
        self._held = b""
        self.is_found = False

    def feed(self, chunk: bytes) -> bytes:
        """The part of ``chunk`` that is the step's output (a possible start of the token is held)."""
        if self.is_found:
            return b""  # an orphan of the step writing after it ended: not the step's output
        data = self._held + chunk
        at = data.find(self._token)
        if at >= 0:
            self.is_found = True
            self._held = b""
            return data[:at]
        keep = 0
        for size in range(min(len(self._token) - 1, len(data)), 0, -1):
            if data.endswith(self._token[:size]):
                keep = size
                break
        self._held = data[len(data) - keep:] if keep else b""
        return data[:len(data) - keep]


def stop_script(group: int, grace_seconds: float) -> str:
    """TERM the group, then KILL it when it outlives ``grace_seconds``."""
    ticks = max(1, int(grace_seconds / 0.05))
    return (f"kill -TERM -- -{group} 2>/dev/null || exit 0; i=0; "
            f"while kill -0 -- -{group} 2>/dev/null; do "
            f"if [ $i -ge {ticks} ]; then kill -KILL -- -{group} 2>/dev/null; exit 0; fi; "
            "sleep 0.05; i=$((i+1)); done")
