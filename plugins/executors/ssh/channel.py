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
from runner.api import ExecutorError

CHUNK_BYTES = 64 * 1024
_WAIT_SECONDS = 1.0
"""How long a read waits before looking at the connection again."""


def shell_command(script: str, *, is_login: bool) -> str:
    """The command line sshd runs: always a fixed, secret-free text."""
    return f"exec \"${{SHELL:-/bin/sh}}\" -l -c {q(script)}" if is_login else script


class StepChannel:
    """One step's channel: started and read on a worker thread, stopped from another."""

    def __init__(self, connection: Connection, relay: OutputRelay) -> None:
        self._connection = connection
        self._relay = relay
        self._report = Report()
        self._channel: paramiko.Channel | None = None
        self._started = threading.Event()

    @property
    def group(self) -> int | None:
        """The step's process group on the host, once it started."""
        return self._report.group

    def run(self, script: StepScript, *, is_login: bool) -> tuple[int, dict[str, bytes]]:
        """Send ``script``, stream the output, return the exit code and collected files."""
        channel = self._connection.open_channel()
        self._channel = channel
        try:
            channel.exec_command(shell_command("exec sh -s", is_login=is_login))
            channel.sendall(script.text)
            channel.shutdown_write()
            end = OutputEnd(script.token)
            self._read(channel, end, script)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise self._failure(channel) from exc
        finally:
            channel.close()
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
        return ExecutorError(f"the step's shell on {self._connection.host.name} ended without a report "
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
        raise ExecutorError(f"a command on {connection.host.name} failed: {exc or type(exc).__name__}") from exc
    finally:
        channel.close()
