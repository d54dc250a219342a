"""The local API: the watch service's Unix socket, serving a :class:`ServiceApi`.

:func:`serve_api` takes the baton home for the service (one ``flock``-held lock file: a
second service on the same home is refused, naming the first's pid), binds
``<home>/baton.sock`` owner-only (a socket left by a killed service is replaced), and
answers requests on the service's event loop until the block ends. Requests are the
:mod:`runner.watch.wire` lines: the service's own (status, poke, dispatch and its
forms, cancel, rerun), reads of the store (runs, one run with its jobs and steps, a step's log), and
``events``, a live stream of the runtime's :class:`~runner.events.EventBus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from runner.errors import BatonError, UsageError
from runner.events import Event, EventBus
from runner.status import RunId
from runner.store import Store, get_run, jobs_of, list_runs, steps_of
from runner.store.paths import PRIVATE_FILE, ensure_home, private_opener
from runner.watch.service_api import ServiceApi
from runner.watch.wire import LOCK_NAME, MAX_LINE, VERSION, ApiError, decode, encode, error_reply, socket_address, socket_path

EVENT_BACKLOG = 10_000
"""Events queued for one client before it counts as stuck and is disconnected."""

LOG_CHUNK = 1 << 20
"""The most bytes of a step log one ``log`` request returns."""

_log = logging.getLogger("baton.api")

Handler = Callable[["_Connection", dict[str, Any]], Awaitable[Any]]


@contextlib.asynccontextmanager
async def serve_api(service: ServiceApi, *, home: Path, bus: EventBus) -> AsyncIterator[Path]:
    """Serve ``service`` on ``home``'s socket while the block runs; yields the socket's path.

    Raises :class:`~runner.errors.UsageError` when another service holds this home, and
    :class:`ApiError` when the socket cannot be made.
    """
    home = ensure_home(home)
    path = socket_path(home)
    lock = _take_lock(home)
    server: asyncio.AbstractServer | None = None
    try:
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        staging.unlink(missing_ok=True)
        connections: set[asyncio.Task[None]] = set()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            try:
                await _Connection(service=service, home=home, bus=bus, reader=reader, writer=writer).serve()
            finally:
                connections.discard(task)

        try:
            with socket_address(staging) as address:
                server = await asyncio.start_unix_server(accept, path=address, limit=MAX_LINE)
            os.chmod(staging, PRIVATE_FILE)
            os.replace(staging, path)  # atomically over a stale socket of a killed service
        except OSError as exc:
            raise ApiError(f"cannot open the service's socket: {exc.strerror or exc}", where=str(path)) from exc
        try:
            yield path
        finally:
            server.close()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)
            await server.wait_closed()
            path.unlink(missing_ok=True)  # ours: no other service binds while the lock is held
    finally:
        os.close(lock)


def _take_lock(home: Path) -> int:
    """Hold ``home``'s service lock for this process, or say whose it is."""
    path = home / LOCK_NAME
    try:
        fd = private_opener(str(path), os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        raise ApiError(f"cannot open the service's lock: {exc.strerror or exc}", where=str(path)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise UsageError(f"baton watch is already running for {home} (pid {other}); stop it, or set another BATON_HOME") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


@dataclasses.dataclass(slots=True, kw_only=True)
class _Connection:
    """One client: its requests answered in order, or its event stream."""

    service: ServiceApi
    home: Path
    bus: EventBus
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def serve(self) -> None:
        try:
            while line := await self.reader.readline():
                reply = await self._answer(line)
                if reply is None:
                    return  # the connection became an event stream, and it ended
                self.writer.write(encode(reply))
                await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except ValueError:  # a line longer than MAX_LINE
            with contextlib.suppress(ConnectionError):
                self.writer.write(encode({"ok": False, "error": f"request longer than {MAX_LINE} bytes", "kind": "usage"}))
                await self.writer.drain()
        finally:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, Any] | None:
        try:
            request = decode(line)
            if request.get("v") != VERSION:
                raise UsageError(f"this service speaks API version {VERSION}; the request is version {request.get('v')!r}")
            op = request.get("op")
            handler = _HANDLERS.get(op) if isinstance(op, str) else None
            if handler is None:
                raise UsageError(f"unknown request {op!r} (known: {', '.join(sorted(_HANDLERS))})")
            if op == "events":
                await self._stream(request)
                return None
            return {"ok": True, "result": await handler(self, request)}
        except BatonError as exc:
            return error_reply(exc)
        except Exception as exc:  # a bug in baton: the client hears of it, the service goes on
            _log.exception("baton: the local API failed on a request")
            return {"ok": False, "error": f"the service failed on this request ({type(exc).__name__}: {exc})", "kind": "error"}

    async def _stream(self, request: dict[str, Any]) -> None:
        """Send every event (of one run, with ``run_id``) until the client hangs up."""
        only = _optional_text(request, "run_id")
        queue: asyncio.Queue[Event | None] = asyncio.Queue(EVENT_BACKLOG)

        def put(event: Event) -> None:
            if only is not None and event.run_id != only:
                return
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                unsubscribe()
                queue.get_nowait()
                queue.put_nowait(None)

        unsubscribe = self.bus.subscribe(put)
        hangup = asyncio.ensure_future(self.reader.read())  # the client says nothing more; EOF is its leaving
        try:
            self.writer.write(encode({"ok": True, "result": "subscribed"}))
            await self.writer.drain()
            while True:
                got = asyncio.ensure_future(queue.get())
                await asyncio.wait({got, hangup}, return_when=asyncio.FIRST_COMPLETED)
                if not got.done():
                    got.cancel()
                    return
                event = got.result()
                if event is None:
                    self.writer.write(encode({"ok": False, "error": f"more than {EVENT_BACKLOG} events were not read in time", "kind": "error"}))
                    await self.writer.drain()
                    return
                self.writer.write(encode({"event": event_message(event)}))
                await self.writer.drain()
        finally:
            unsubscribe()
            hangup.cancel()


def event_message(event: Event) -> dict[str, Any]:
    """A run event as the stream sends it: its type's name and its fields."""
    return {"type": type(event).__name__, **{f.name: getattr(event, f.name) for f in dataclasses.fields(event)}}


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise UsageError(f"request {request.get('op')!r} needs {key!r} (a non-empty string)")
    return value


def _optional_text(request: dict[str, Any], key: str) -> str | None:
    return None if request.get(key) is None else _text(request, key)


def _number(request: dict[str, Any], key: str, default: int) -> int:
    value = request.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise UsageError(f"request {request.get('op')!r} needs {key!r} as a whole number ≥ 0")
    return value


async def _hello(connection: _Connection, request: dict[str, Any]) -> Any:
    return {"version": VERSION, "pid": os.getpid(), "home": str(connection.home)}


async def _status(connection: _Connection, request: dict[str, Any]) -> Any:
    return [dataclasses.asdict(state) for state in connection.service.status()]


async def _poke(connection: _Connection, request: dict[str, Any]) -> Any:
    connection.service.poke(_optional_text(request, "repo"))
    return "poked"


async def _dispatch(connection: _Connection, request: dict[str, Any]) -> Any:
    inputs = request.get("inputs") or {}
    if not isinstance(inputs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in inputs.items()):
        raise UsageError("request 'dispatch' needs 'inputs' as an object of strings")
    return await connection.service.dispatch(
        _text(request, "repo"), _text(request, "workflow"), ref=_optional_text(request, "ref"), inputs=inputs
    )


async def _forms(connection: _Connection, request: dict[str, Any]) -> Any:
    return [dataclasses.asdict(form) for form in await connection.service.dispatch_forms(_optional_text(request, "repo"))]


async def _cancel(connection: _Connection, request: dict[str, Any]) -> Any:
    return await connection.service.cancel(RunId(_text(request, "run_id")))


async def _rerun(connection: _Connection, request: dict[str, Any]) -> Any:
    return await connection.service.rerun(RunId(_text(request, "run_id")), is_failed_only=bool(request.get("failed")))


async def _runs(connection: _Connection, request: dict[str, Any]) -> Any:
    limit, repository = _number(request, "limit", 20), _optional_text(request, "repository")

    def read() -> Any:
        with Store.open(connection.home) as store:
            return [dataclasses.asdict(run) for run in list_runs(store, limit, repository)]

    return await asyncio.to_thread(read)


async def _run(connection: _Connection, request: dict[str, Any]) -> Any:
    ref = _text(request, "run")

    def read() -> Any:
        with Store.open(connection.home) as store:
            run = get_run(store, ref)
            jobs = [
                {**dataclasses.asdict(job), "steps": [dataclasses.asdict(s) for s in steps_of(store, run.id, job.job_key)]}
                for job in jobs_of(store, run.id)
            ]
            return {"run": dataclasses.asdict(run), "jobs": jobs}

    return await asyncio.to_thread(read)


async def _step_log(connection: _Connection, request: dict[str, Any]) -> Any:
    """Up to :data:`LOG_CHUNK` bytes of one step's log from ``offset`` (``next`` says where to go on)."""
    run_id, job_key, index = RunId(_text(request, "run_id")), _text(request, "job_key"), _number(request, "index", 0)
    offset = _number(request, "offset", 0)

    def read() -> Any:
        with Store.open(connection.home) as store:
            step = next((s for s in steps_of(store, run_id, job_key) if s.index == index), None)
            if step is None:
                raise UsageError(f"run {run_id} has no step {index} in job {job_key!r}")
            data = b""
            if step.log_path is not None:
                with contextlib.suppress(FileNotFoundError), store.log_file(step.log_path).open("rb") as file:
                    file.seek(offset)
                    data = file.read(LOG_CHUNK)
            return {"text": data.decode("utf-8", "replace"), "next": offset + len(data), "is_completed": step.is_completed}

    return await asyncio.to_thread(read)


async def _events(connection: _Connection, request: dict[str, Any]) -> Any:
    raise AssertionError("answered by _Connection._stream")


_HANDLERS: dict[str, Handler] = {
    "hello": _hello,
    "status": _status,
    "poke": _poke,
    "dispatch": _dispatch,
    "forms": _forms,
    "cancel": _cancel,
    "rerun": _rerun,
    "runs": _runs,
    "run": _run,
    "log": _step_log,
    "events": _events,
}
"""Every request the service answers, by its ``op``."""
