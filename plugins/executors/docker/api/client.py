"""A client of the Docker Engine API: JSON requests and streamed answers over HTTP/1.1.

baton speaks the engine's documented REST API itself (``/containers/create``,
``/exec/{id}/start``, …): one keep-alive connection per thread at a time, taken from a
small pool, so many steps stream at once while short requests reuse open connections. A
request costs about a tenth of what a general HTTP library spends on it, and nothing heavy
is imported.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from plugins.executors.docker.api.address import EngineAddress, transport_words
from plugins.executors.docker.api.wire import Connection, Response, WireError

DEFAULT_TIMEOUT = 120.0
"""Seconds a request may wait for the engine's answer (a stream waits as long as it runs)."""
_IDLE_KEPT = 8
_CHUNK = 64 * 1024

Query = Mapping[str, str | int | bool | None | Mapping[str, Any] | list[str]]
"""Query parameters: booleans as ``1``/``0``, mappings and lists as JSON (``filters``), None left out."""


class EngineError(Exception):
    """The engine refused a request (``status`` is its HTTP status) or did not answer
    (``status`` is None); ``message`` is the engine's own words."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def is_engine_fault(self) -> bool:
        """Whether the engine failed (no answer, a 5xx) rather than refused what was asked
        (a 4xx: no such object, a bad reference, a conflict); a retry may mend the first."""
        return self.status is None or self.status >= 500


class NotFound(EngineError):
    """The engine has no such object (404)."""


class Unreachable(EngineError):
    """No engine answers at the address (connection refused, no socket, cut off)."""


class Engine:
    """One engine, as a pool of connections speaking API ``version`` (thread-safe)."""

    def __init__(self, address: EngineAddress, *, version: str | None = None) -> None:
        self.address = address
        self.version = version
        """The API version every path is prefixed with (``/v1.41/…``); None: the engine's own."""
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def get(self, path: str, query: Query | None = None, *, timeout: float | None = DEFAULT_TIMEOUT) -> Any:
        """GET ``path``; its JSON answer."""
        return self.call("GET", path, query, timeout=timeout)

    def post(self, path: str, query: Query | None = None, *, body: Any = None, data: bytes | None = None,
             headers: Mapping[str, str] | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> Any:
        """POST ``path`` with a JSON ``body`` (or raw ``data``); its JSON answer (None when empty)."""
        return self.call("POST", path, query, body=body, data=data, headers=headers, timeout=timeout)

    def delete(self, path: str, query: Query | None = None) -> Any:
        """DELETE ``path``; its JSON answer (None when empty)."""
        return self.call("DELETE", path, query)

    def call(self, method: str, path: str, query: Query | None = None, *, body: Any = None,
             data: bytes | None = None, headers: Mapping[str, str] | None = None,
             timeout: float | None = DEFAULT_TIMEOUT) -> Any:
        """One request, its answer read whole; JSON decoded when the engine sends JSON."""
        connection, response = self._send(method, path, query, body, data, headers, timeout)
        try:
            content = response.read()
        except (OSError, WireError) as exc:
            connection.close()
            raise Unreachable(f"the engine at {self.address.url} stopped answering: {exc}") from exc
        if response.will_close:
            connection.close()
        else:
            self._keep(connection)
        _raise_for(response.status, content)
        if not content:
            return None
        if (response.getheader("Content-Type") or "").startswith("application/json"):
            return json.loads(content)
        return content

    def stream(self, method: str, path: str, query: Query | None = None, *, body: Any = None,
               data: bytes | None = None, headers: Mapping[str, str] | None = None,
               timeout: float | None = DEFAULT_TIMEOUT) -> Stream:
        """A request whose answer is read as it comes (logs, an exec's output, archives,
        pull and build progress); its connection is its own until the stream is closed."""
        connection, response = self._send(method, path, query, body, data, headers, timeout)
        if response.status >= 400:
            content = response.read()
            connection.close()
            _raise_for(response.status, content)
        return Stream(connection, response)

    def close(self) -> None:
        """Close the idle connections (streams close their own)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _send(self, method: str, path: str, query: Query | None, body: Any, data: bytes | None,
              headers: Mapping[str, str] | None, timeout: float | None,
              ) -> tuple[Connection, Response]:
        target = self._target(path, query)
        sent_headers = {"Host": "docker", **(headers or {})}
        payload = data
        if body is not None:
            payload = json.dumps(body).encode()
            sent_headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            connection, is_reused = self._take(timeout)
            try:
                connection.request(method, target, body=payload, headers=sent_headers)
                return connection, connection.getresponse()
            except (BrokenPipeError, ConnectionResetError) as exc:
                said = _closed(connection)
                if is_reused and attempt == 1:
                    continue  # the engine closed an idle connection: a fresh one is asked once
                raise Unreachable(f"the engine at {self.address.url} closed the connection: {said or exc}") from exc
            except OSError as exc:
                said = _closed(connection)
                raise Unreachable(f"the engine at {self.address.url} does not answer: {said or exc}") from exc
            except WireError as exc:
                connection.close()
                raise EngineError(f"the engine at {self.address.url} answered garbage: {exc}") from exc
        raise AssertionError("unreachable")

    def _target(self, path: str, query: Query | None) -> str:
        prefix = f"/v{self.version}" if self.version else ""
        if not query:
            return prefix + path
        words = {key: _query_word(value) for key, value in query.items() if value is not None}
        return f"{prefix}{path}?{urlencode(words)}" if words else prefix + path

    def _take(self, timeout: float | None) -> tuple[Connection, bool]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            return Connection(self.address.open, timeout), False
        connection.settimeout(timeout)
        return connection, True

    def _keep(self, connection: Connection) -> None:
        with self._lock:
            if len(self._idle) < _IDLE_KEPT:
                self._idle.append(connection)
                return
        connection.close()


class Stream:
    """An answer read as it arrives; iterate for its chunks, close when done (any thread)."""

    def __init__(self, connection: Connection, response: Response) -> None:
        self._connection = connection
        self._response = response
        connection.settimeout(None)  # a step may be silent for an hour

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._response.read1(_CHUNK)
                if not chunk:
                    return
                yield chunk
        except (OSError, ValueError, WireError) as exc:
            if self._connection.sock is None:
                return  # closed by :meth:`close`: the reader just stops
            raise Unreachable(f"the engine's stream broke off: {exc}") from exc

    def read(self) -> bytes:
        """The rest of the answer, whole."""
        return b"".join(self)

    def close(self) -> None:
        """End the stream; a thread blocked reading it returns."""
        self._connection.close()


def _closed(connection: Connection) -> str:
    """Close a failed connection; what its transport said (``ssh``'s error), if anything."""
    connection.close()
    if connection.transport is None:
        return ""
    connection.transport.close()  # the ``ssh`` carrying it ends, so its last words are all written
    return transport_words(connection.transport)


def _query_word(value: str | int | bool | Mapping[str, Any] | list[str]) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (Mapping, list)):
        return json.dumps(value)
    return str(value)


def _raise_for(status: int, content: bytes) -> None:
    if status < 400:
        return
    try:
        message = str(json.loads(content).get("message") or "")
    except (ValueError, AttributeError):
        message = content.decode(errors="replace").strip()
    message = message or f"status {status}"
    raise (NotFound if status == 404 else EngineError)(message, status)


def quoted(name: str) -> str:
    """A name or reference made safe as one path segment (``/images/{name}/json``)."""
    return quote(name, safe="/:@")
