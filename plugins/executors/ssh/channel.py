"""Commands on a shared connection, one channel each: steps (streamed, stoppable) and
short helper commands (folders, archives, kills). Every function here blocks."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable

import paramiko

from plugins.executors.processes.output_relay import OutputRelay
from plugins.executors.ssh.connection import Connection
from plugins.executors.ssh.remote_script import OutputEnd, Report, StepScript, q, stop_script
from runner.api import ExecutorError, InfrastructureError

CHUNK_BYTES = 64 * 1024
_WAIT_SECONDS = 1.0
"""How long a read waits before looking at the connection again."""


def shell_command(script: str, *, is_login: bool) -> str:
    """The command line sshd runs: always a fixed, secret-free text."""
    return f"exec \"${{SHELL:-/bin/sh}}\" -l -c {q(script)}" if is_login else script


JOB_SHELL = (
    "while IFS= read -r baton_line; do\n"
    "  [ \"$baton_line\" = ::baton-step:: ] || continue\n"
    "  IFS= read -r baton_end || break\n"
    "  baton_s=\n"
    "  while IFS= read -r baton_line && [ \"$baton_line\" != \"$baton_end\" ]; do baton_s=\"$baton_s$baton_line\n\"; done\n"
    "  ( eval \"$baton_s\" ) </dev/null\n"
    "done\n"
)
"""What a job's shell runs: each step's script arrives framed on stdin and runs in a
subshell (its variables and secrets stay in the shell's memory, never in a file)."""


class JobShell:
    """One ``sh`` per job on the host, on a channel of its own, that runs the job's steps
    one after another. sshd starts every command through the user's login shell, whose
    rc files (``~/.bashrc``: pyenv, nvm, conda…) often cost more than the step: here they
    run once per job, not once per step."""

    def __init__(self, connection: Connection, *, is_login: bool) -> None:
        self._connection = connection
        self._is_login = is_login
        self._channel: paramiko.Channel | None = None
        self.lock = threading.Lock()
        """Held by the step that uses the shell; a step that finds it taken gets a channel of its own."""

    def channel(self) -> paramiko.Channel:
        """The shell's channel, started on first use (or again after a step broke it)."""
        if self._channel is None or self._channel.closed:
            channel = self._connection.open_channel()
            # The loop is the command line (fixed, secret-free text), not stdin: a shell
            # reading its script from stdin reads ahead, into the steps meant for ``read``.
            channel.exec_command(shell_command(f"exec sh -c {q(JOB_SHELL)}", is_login=self._is_login))
            self._channel = channel
        return self._channel

    def drop(self) -> None:
        """Close the shell (its loop ends with its stdin); the next step starts another."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None


class StepChannel:
    """One step on a channel: the job's shell, or (when that is busy) one of its own;
    started and read on a worker thread, stopped from another."""

    def __init__(self, connection: Connection, relay: OutputRelay, shell: JobShell | None = None) -> None:
        self._connection = connection
        self._relay = relay
        self._shell = shell
        self._report = Report()
        self._channel: paramiko.Channel | None = None

    @property
    def group(self) -> int | None:
        """The step's process group on the host, once it started."""
        return self._report.group

    def run(self, script: StepScript, *, is_login: bool) -> tuple[int, dict[str, bytes]]:
        """Send ``script``, stream the output, return the exit code and collected files."""
        shell = self._shell
        if shell is not None and shell.lock.acquire(blocking=False):
            try:
                return self._run_in(shell, script)
            finally:
                shell.lock.release()
        channel = self._connection.open_channel()
        self._channel = channel
        try:
            channel.exec_command(shell_command("exec sh -s", is_login=is_login))
            channel.sendall(script.text)
            channel.shutdown_write()
            self._read(channel, OutputEnd(script.token), script)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self._failure(channel) from exc
        finally:
            channel.close()
        return self._result()

    def _run_in(self, shell: JobShell, script: StepScript) -> tuple[int, dict[str, bytes]]:
        is_done = False
        channel: paramiko.Channel | None = None
        try:
            channel = shell.channel()
            self._channel = channel
            while channel.recv_ready():  # what earlier steps' orphans wrote since: not this step's
                channel.recv(CHUNK_BYTES)
            frame = script.token + b"-frame"
            channel.sendall(b"::baton-step::\n" + frame + b"\n" + script.text + b"\n" + frame + b"\n")
            self._read(channel, OutputEnd(script.token), script)
            is_done = True
        except (OSError, EOFError, paramiko.SSHException) as exc:
            if channel is None:
                raise InfrastructureError(f"cannot start a shell on {self._connection.host.name}: {exc}") from exc
            raise self._failure(channel) from exc
        finally:
            if not is_done:
                shell.drop()
        return self._result()

    def _result(self) -> tuple[int, dict[str, bytes]]:
        code = self._report.exit_code
        assert code is not None  # a complete report has one
        return code, self._report.files

    def wait_for_group(self, seconds: float) -> int | None:
        """The process group, waiting up to ``seconds`` for the step to report it."""
        deadline = time.monotonic() + seconds
        while self._report.group is None and time.monotonic() < deadline:
            if self._channel is not None and self._channel.closed:
                break
            time.sleep(0.02)
        return self._report.group

    def _read(self, channel: paramiko.Channel, end: OutputEnd, script: StepScript) -> None:
        fileno = channel.fileno()
        while not (end.is_found and self._report.is_complete):
            is_busy = False
            while channel.recv_ready():
                self._relay.push(end.feed(channel.recv(CHUNK_BYTES)))
                is_busy = True
            while channel.recv_stderr_ready():
                self._report.feed(channel.recv_stderr(CHUNK_BYTES), script.collect)
                is_busy = True
            if is_busy:
                continue
            if channel.closed or channel.exit_status_ready() and channel.eof_received:
                if not (channel.recv_ready() or channel.recv_stderr_ready()):
                    raise self._failure(channel)
            select.select([fileno], [], [], _WAIT_SECONDS)
            if self._connection.is_lost:
                raise self._connection.lost()

    def _failure(self, channel: paramiko.Channel) -> ExecutorError:
        if self._connection.is_lost or not self._connection.transport.is_active():
            return self._connection.lost()
        status = channel.recv_exit_status() if channel.exit_status_ready() else -1
        return InfrastructureError(f"the step's shell on {self._connection.host.name} ended without a report "
                             f"(status {status}): does the host have sh, setsid and base64?")


def stop_group(connection: Connection, group: int, grace_seconds: float) -> None:
    """TERM a step's process group on the host, KILL it after the grace period."""
    run_command(connection, stop_script(group, grace_seconds), timeout=grace_seconds + 15)


def run_command(connection: Connection, command: str, *, stdin: bytes | Callable[[paramiko.Channel], None] = b"",
                timeout: float = 60.0) -> tuple[int, bytes, bytes]:
    """Run a helper command; its exit status, stdout and stderr."""
    channel = connection.open_channel()
    try:
        channel.settimeout(timeout)
        channel.exec_command(command)
        if callable(stdin):
            stdin(channel)
        elif stdin:
            channel.sendall(stdin)
        channel.shutdown_write()
        out = bytearray()
        err = bytearray()
        while True:
            fileno_ready = channel.recv_ready() or channel.recv_stderr_ready()
            if channel.recv_ready():
                out += channel.recv(CHUNK_BYTES)
            if channel.recv_stderr_ready():
                err += channel.recv_stderr(CHUNK_BYTES)
            if not fileno_ready:
                if channel.exit_status_ready() and channel.eof_received:
                    break
                if channel.closed:
                    break
                select.select([channel.fileno()], [], [], _WAIT_SECONDS)
                if connection.is_lost:
                    raise connection.lost()
        while channel.recv_ready():
            out += channel.recv(CHUNK_BYTES)
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(CHUNK_BYTES)
        if not channel.exit_status_ready():
            raise connection.lost()
        return channel.recv_exit_status(), bytes(out), bytes(err)
    except (OSError, EOFError, paramiko.SSHException) as exc:
        if connection.is_lost or not connection.transport.is_active():
            raise connection.lost() from exc
        raise InfrastructureError(f"a command on {connection.host.name} failed: {exc or type(exc).__name__}") from exc
    finally:
        channel.close()
