"""HTTP/1.1 as the engine speaks it: one request at a time on a kept-alive connection.

The standard library's ``http.client`` would do, but it parses headers with the e-mail
package, which costs every run about 5 ms to import; the engine's answers need only a
status line, ``Name: value`` headers and a body framed by ``Content-Length``, chunks, or
the end of the connection (a hijacked exec's output).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping

_MAX_LINE = 64 * 1024
_MAX_HEADERS = 200
_NO_BODY = frozenset({101, 204, 304})


class WireError(Exception):
    """The other end broke HTTP (a malformed answer, or the connection ended inside one)."""


class Connection:
    """One connection to the engine, opened by ``opener`` on first use (not thread-safe:
    the pool hands it to one thread at a time)."""

    def __init__(self, opener: Callable[[float | None], socket.socket], timeout: float | None) -> None:
        self._opener = opener
        self.timeout = timeout
        self.sock: socket.socket | None = None
        """The open socket, None once closed."""
        self.transport: socket.socket | None = None
        """The socket it opened last (kept after a failure, for what its carrier said)."""
        self._reader: _Reader | None = None

    def request(self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]) -> None:
        """Send one request (opening the connection when it is not open)."""
        if self.sock is None:
            self.sock = self.transport = self._opener(self.timeout)
            self._reader = _Reader(self.sock)
        lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
        if body is not None or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if body else head)

    def getresponse(self) -> Response:
        """The answer to the request just sent, its head read, its body to read."""
        assert self._reader is not None, "no request was sent"
        status_line = self._reader.line()
        if not status_line:
            raise ConnectionResetError("the engine closed the connection without an answer")
        version, _, rest = status_line.partition(" ")
        code = rest.partition(" ")[0]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise WireError(f"not an HTTP answer: {status_line[:80]!r}")
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            line = self._reader.line()
            if not line:
                break
            name, colon, value = line.partition(":")
            if not colon:
                raise WireError(f"a malformed header: {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        else:
            raise WireError("too many headers")
        return Response(int(code), headers, self._reader)

    def settimeout(self, timeout: float | None) -> None:
        """Wait at most ``timeout`` seconds for each read (None: as long as it takes)."""
        self.timeout = timeout
        if self.sock is not None:
            self.sock.settimeout(timeout)

    def close(self) -> None:
        """Close the socket (a reader blocked on it in another thread returns)."""
        sock, self.sock, self._reader = self.sock, None, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class Response:
    """One answer: ``status``, lower-case ``headers``, and its body through :meth:`read`
    (all of it) or :meth:`read1` (what has arrived, for streams)."""

    def __init__(self, status: int, headers: dict[str, str], reader: _Reader) -> None:
        self.status = status
        self.headers = headers
        self._reader = reader
        self._is_chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        self._left: int | None = None  # bytes left in the body (or the current chunk); None: until the end
        self._chunks_done = False
        if status in _NO_BODY or self._is_chunked:
            self._left = 0
            self._chunks_done = not self._is_chunked
        elif length is not None:
            if not length.isdigit():
                raise WireError(f"a malformed Content-Length: {length!r}")
            self._left = int(length)
        self.will_close = self._left is None or headers.get("connection", "").lower() == "close"
        """Whether the connection ends with this answer (it cannot carry another request)."""

    def getheader(self, name: str) -> str | None:
        """A header's value, None when absent."""
        return self.headers.get(name.lower())

    def read(self) -> bytes:
        """The rest of the body."""
        parts: list[bytes] = []
        while chunk := self.read1(1 << 20):
            parts.append(chunk)
        return b"".join(parts)

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes of the body as they arrive; ``b""`` at its end."""
        if self._is_chunked:
            if self._left == 0 and (self._chunks_done or not self._next_chunk()):
                return b""
            data = self._reader.some(min(size, self._left or 0))
            if not data:
                raise WireError("the connection ended inside a chunk")
            self._left = (self._left or 0) - len(data)
            if self._left == 0:
                self._reader.line()  # the CRLF after the chunk
            return data
        if self._left is None:
            return self._reader.some(size)
        if self._left == 0:
            return b""
        data = self._reader.some(min(size, self._left))
        if not data:
            raise WireError("the connection ended inside an answer")
        self._left -= len(data)
        return data

    def _next_chunk(self) -> bool:
        """Read the next chunk's size; False when it is the last (empty) one."""
        line = self._reader.line()
        size = line.partition(";")[0].strip()
        try:
            self._left = int(size, 16)
        except ValueError:
            raise WireError(f"a malformed chunk size: {line[:40]!r}") from None
        if self._left:
            return True
        while self._reader.line():  # trailers, up to the empty line
            pass
        self._chunks_done = True
        return False


class _Reader:
    """Buffered reads from a socket: lines for the head, what has arrived for the body."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def line(self) -> str:
        """The next line without its CRLF; ``""`` at the end of the connection."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end]).rstrip(b"\r")
                del self._buffer[:end + 1]
                return line.decode("latin-1")
            if len(self._buffer) > _MAX_LINE:
                raise WireError("a line of the answer is too long")
            data = self._sock.recv(65536)
            if not data:
                line = bytes(self._buffer)
                self._buffer.clear()
                return line.decode("latin-1")
            self._buffer += data

    def some(self, size: int) -> bytes:
        """Up to ``size`` bytes: what is buffered, else one read of the socket."""
        if self._buffer:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
        return self._sock.recv(size)
