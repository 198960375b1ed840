"""Shared fixtures: one Coder per test session, since loading spaCy takes seconds; a newsroom
web server on loopback for the watcher."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tocsin import Coder


@pytest.fixture(scope="session")
def coder() -> Coder:
    return Coder()


@pytest.fixture(scope="session")
def coder_all(coder: Coder) -> Coder:
    """Same knowledge and model, but emitting negated, hypothetical and future acts too."""
    return Coder(include_all=True, nlp=coder.nlp)


# --- a newsroom on loopback: the feeds and pages the watcher tests fetch ---------------------


@dataclass
class Route:
    """What the newsroom answers at one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    etag: str | None = None
    location: str | None = None  # a redirect's target
    stall: float = 0.0  # seconds of silence before the body
    size: int = 0  # send this many bytes of filler instead of `body`


@dataclass
class Newsroom:
    """A real HTTP server on 127.0.0.1, answering from `routes`; `asked` counts requests."""

    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)


@pytest.fixture
def newsroom() -> Iterator[Newsroom]:
    with open_newsroom() as room:
        yield room


@contextmanager
def open_newsroom() -> Iterator[Newsroom]:
    room = Newsroom("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            room.asked.append(self.path)
            route = room.routes.get(self.path, Route(b"not here", status=404))
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(route.status)
            if route.location:
                self.send_header("Location", route.location)
            if route.etag:
                self.send_header("ETag", route.etag)
            self.send_header("Content-Type", route.content_type)
            length = route.size or len(route.body)
            if not route.size:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            time.sleep(route.stall)
            try:
                if route.size:
                    chunk = b"<p>" + b"filler " * 9000 + b"</p>\n"
                    for _ in range(route.size // len(chunk) + 1):
                        self.wfile.write(chunk)
                else:
                    self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    room.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield room
    finally:
        server.shutdown()
        server.server_close()
