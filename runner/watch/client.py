"""Talking to the watch service of a baton home over its socket (blocking; for the CLI,
the dashboard's control and git hooks).

:meth:`ServiceClient.connect` gives None when no service listens, a socket left by a
killed service included, so a caller falls back to the store and to signalling
``baton run`` processes itself.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runner.status import RunId
from runner.watch.service_api import RepoState
from runner.watch.wire import ApiError, decode, encode, raise_error, socket_address, socket_path

if TYPE_CHECKING:
    from runner.launch.dispatch_form import DispatchForm

TIMEOUT_SECONDS = 5.0
"""How long a quick request (status, cancel, a read) may take."""

START_TIMEOUT_SECONDS = 60.0
"""How long a request that starts a run (dispatch, re-run) may take: it reads the commit."""


class ServiceClient:
    """One connection to the service; use it as a context manager."""

    def __init__(self, connection: socket.socket, home: Path) -> None:
        self._socket = connection
        self._file = connection.makefile("rwb")
        self.home = home
        """The baton home whose service this is."""
        hello = self.request("hello")
        self.pid: int = int(hello["pid"])
        """The service's process id (``runs.pid`` of the runs it runs)."""

    @classmethod
    def connect(cls, home: Path, *, timeout: float = TIMEOUT_SECONDS) -> ServiceClient | None:
        """A connection to ``home``'s service, or None when none listens.

        Raises :class:`ApiError` when a socket is there but cannot be used (permissions,
        a path too long, a service that does not answer).
        """
        path = socket_path(home)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            with socket_address(path) as address:
                connection.connect(address)
        except (FileNotFoundError, ConnectionRefusedError):
            connection.close()
            return None  # no service, or the socket of one that was killed
        except OSError as exc:
            connection.close()
            raise ApiError(f"cannot reach the watch service: {exc.strerror or exc}", where=str(path)) from None
        try:
            return cls(connection, home)
        except BaseException:
            connection.close()
            raise

    def request(self, op: str, *, timeout: float = TIMEOUT_SECONDS, **arguments: Any) -> Any:
        """Send one request and return its result; raises the error the service answered."""
        self._socket.settimeout(timeout)
        try:
            self._file.write(encode({"op": op, **arguments}))
            self._file.flush()
            line = self._file.readline()
        except TimeoutError:
            raise ApiError(f"the watch service did not answer {op!r} within {timeout:g} s", where=str(socket_path(self.home))) from None
        except OSError as exc:
            raise ApiError(f"lost the watch service: {exc.strerror or exc}", where=str(socket_path(self.home))) from None
        if not line:
            raise ApiError(f"the watch service hung up on {op!r}", where=str(socket_path(self.home)))
        reply = decode(line)
        if not reply.get("ok"):
            raise_error(reply)
        return reply.get("result")

    def events(self, run_id: RunId | None = None) -> Iterator[dict[str, Any]]:
        """Every run event from now on (of ``run_id`` only, when given), as the wire
        sends them, until the service ends; this connection serves nothing else after."""
        self.request("events", run_id=run_id)
        self._socket.settimeout(None)
        while True:
            try:
                line = self._file.readline()
            except (OSError, ValueError):
                return  # hung up by close(), from another thread
            if not line:
                return
            message = decode(line)
            if "event" not in message:
                raise_error(message)
            yield message["event"]

    def status(self) -> tuple[RepoState, ...]:
        """Every watched repository's state."""
        return tuple(RepoState(**state) for state in self.request("status"))

    def poke(self, repo: str | None) -> None:
        """Have the service poll ``repo`` (every repository when None) now."""
        self.request("poke", repo=repo)

    def dispatch(self, repo: str, workflow: str, *, ref: str | None, inputs: Mapping[str, str]) -> RunId:
        """Start ``workflow`` of ``repo`` by ``workflow_dispatch``; its run id."""
        return RunId(self.request("dispatch", timeout=START_TIMEOUT_SECONDS, repo=repo, workflow=workflow, ref=ref, inputs=dict(inputs)))

    def dispatch_forms(self, repo: str | None = None) -> tuple[DispatchForm, ...]:
        """The dispatchable workflows (of ``repo``), with their inputs."""
        from runner.launch.dispatch_form import DispatchForm, FormInput  # not for a hook's poke: it pulls the planner in

        return tuple(
            DispatchForm(**{**form, "inputs": tuple(FormInput(**{**i, "options": tuple(i["options"])}) for i in form["inputs"])})
            for form in self.request("forms", timeout=START_TIMEOUT_SECONDS, repo=repo)
        )

    def cancel(self, run_id: RunId) -> str:
        """Cancel a run of the service; what was done."""
        return str(self.request("cancel", run_id=run_id))

    def rerun(self, run_id: RunId, *, is_failed_only: bool) -> RunId:
        """Run a recorded run again (only its failed jobs and dependents); the new run's id."""
        return RunId(self.request("rerun", timeout=START_TIMEOUT_SECONDS, run_id=run_id, failed=is_failed_only))

    def close(self) -> None:
        """Hang up (a thread reading :meth:`events` then ends)."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # first: it wakes a reader holding the file's lock
        self._socket.close()
        with contextlib.suppress(OSError, ValueError):
            self._file.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
