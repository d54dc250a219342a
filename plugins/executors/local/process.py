"""Running one command as a host process: streamed output, process-group stop on cancel.

A step ends when its main process (the shell) exits, as on GitHub, not when the last
holder of its output closes it: ``sleep 1000 &`` must not keep a step open. So output
is read from a pipe of our own; once the main process has exited, what is already in
the pipe is the step's and is read at once, and the pipe is handed to the session
(:class:`LeftoverOutput`), which keeps reading and dropping what background processes
still print (closing it would kill them with SIGPIPE at their next write) until the
job ends and its processes are stopped.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence

from plugins.executors.processes import process_tree, stopping
from plugins.executors.processes.completion import to_completion
from plugins.executors.processes.process_tree import ProcessInfo
from runner.api import OutputSink

CHUNK_BYTES = 64 * 1024
"""How much output one read takes: big reads keep a chatty step bound by the step itself."""

DRAIN_BYTES = 1 << 20
"""At most this much is read after the main process exited: what it left in the pipe
(at most the pipe's size), not what background processes keep printing."""

class OutputPipe:
    """The read end of a step's output pipe, read on the event loop as data arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, output: OutputSink) -> None:
        self._loop = loop
        self._fd = fd
        self._output: OutputSink | None = output
        self.is_closed = False
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, CHUNK_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
        elif self._output is not None:
            self._output(data)

    def drain(self) -> None:
        """Read what is in the pipe now, then drop whatever comes later (the step is over)."""
        read = 0
        while not self.is_closed and read < DRAIN_BYTES:
            try:
                data = os.read(self._fd, CHUNK_BYTES)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self.close()
                break
            read += len(data)
            if self._output is not None:
                self._output(data)
        self._output = None

    def close(self) -> None:
        """Stop reading and close the pipe (on the loop)."""
        if not self.is_closed:
            self.is_closed = True
            self._loop.remove_reader(self._fd)
            os.close(self._fd)


async def run_process(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: str, output: OutputSink, grace_seconds: float,
    leftovers: list[OutputPipe], sessions: list[ProcessInfo],
) -> int:
    """Run ``argv`` in a new session, stdout and stderr merged, and return its exit status.

    A process ended by a signal returns ``128 + signo``, as a shell reports it. A command
    that cannot start (missing program or folder) returns 127 after saying why. When the
    calling task is cancelled the whole process group gets SIGTERM, then SIGKILL after
    ``grace_seconds``, before the cancellation goes on. The output pipe, if background
    processes still hold it, goes to ``leftovers``; the main process to ``sessions``.
    """
    loop = asyncio.get_running_loop()
    read_end, write_end = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, env=dict(env), cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=write_end, stderr=write_end, start_new_session=True,
        )
    except OSError as exc:
        os.close(read_end)
        output(f"baton: cannot run {argv[0]!r} in {cwd}: {exc.strerror or exc}\n".encode())
        return 127
    finally:
        os.close(write_end)
    main = process_tree.read_info(process.pid)
    if main is not None:
        sessions.append(main)
    pipe = OutputPipe(loop, read_end, output)
    try:
        status = await process.wait()
    except asyncio.CancelledError:
        await to_completion(stopping.stop(stopping.ProcessGroup(process.pid), grace_seconds))
        pipe.drain()
        pipe.close()
        raise
    pipe.drain()
    if not pipe.is_closed:
        leftovers.append(pipe)
    return 128 - status if status < 0 else status
