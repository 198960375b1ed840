"""Serving the API with uvicorn so that idle and slow connections cannot starve it.

uvicorn closes a kept-alive connection `timeout_keep_alive` seconds after its last answer, but a
connection that never completes a request head is kept for ever, and once `limit_concurrency`
connections are open it answers every new request with 503, however idle the others are.
`Limits` adds a deadline for each request head and, when the server is full, closes the
connection that has waited longest for a request instead of turning the newcomer away.
"""

from __future__ import annotations

import asyncio
import errno
import resource
import socket
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ServeError

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# File descriptors kept for the store, the model's files and the listening socket.
SPARE_FILES = 256


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a connection may wait and how many may be open; `tocsin serve` options."""

    keep_alive: int = 5  # seconds a connection may stay open after its last answer
    header_timeout: float = 10.0  # seconds from a connection's first wait to a complete head
    max_connections: int = 1000  # beyond it the connection idle longest is closed


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed so a busy port is one error."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: not an address here ({exc.strerror})") from None
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is in use by another program; choose one with --port"
            ) from None
        raise ServeError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    return sock


def serve(app: FastAPI, sock: socket.socket, limits: Limits) -> None:
    """Run until Ctrl+C."""
    server(app, limits).run(sockets=[sock])


def server(app: FastAPI, limits: Limits) -> uvicorn.Server:
    """uvicorn over `app`, each connection guarded by `guarded_protocol`."""
    import uvicorn

    limits = _within_file_limit(limits)
    config = uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        timeout_keep_alive=limits.keep_alive,
        limit_concurrency=limits.max_connections,
        log_level="warning",
        backlog=2048,
    )
    return uvicorn.Server(config)


def _within_file_limit(limits: Limits) -> Limits:
    """Raise the open-file limit as far as the system allows, and hold connections under it:
    a server out of descriptors cannot accept the connection it would shed another for."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return limits
    return Limits(limits.keep_alive, limits.header_timeout, max(1, soft - SPARE_FILES))


def guarded_protocol(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with a deadline per request head and idle connections shed.

    A connection waits (for its first request, or its next) in `waiting`, oldest first; it leaves
    when a request head is complete and returns when the answer has been sent."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    waiting: OrderedDict[GuardedHttp, None] = OrderedDict()

    class GuardedHttp(HttpToolsProtocol):
        head_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._wait()
            if len(self.connections) >= limits.max_connections:
                self._shed_oldest()

        def on_headers_complete(self) -> None:
            self._stop_waiting()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            pipelined = bool(self.pipeline)
            super().on_response_complete()
            if not pipelined and not self.transport.is_closing():
                self._wait()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def _wait(self) -> None:
            waiting[self] = None
            self.head_deadline = self.loop.call_later(limits.header_timeout, self._too_slow)

        def _stop_waiting(self) -> None:
            waiting.pop(self, None)
            if self.head_deadline is not None:
                self.head_deadline.cancel()
                self.head_deadline = None

        def _shed_oldest(self) -> None:
            """Close the connection that has waited longest for a request (never this one)."""
            oldest = next(iter(waiting), self)
            if oldest is not self:
                del waiting[oldest]
                oldest.transport.close()
                # Counted out now, not when the loop reports it lost: the newcomer's request,
                # maybe already read, is checked against `limit_concurrency`.
                self.connections.discard(oldest)

        def _too_slow(self) -> None:
            self.head_deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return GuardedHttp
