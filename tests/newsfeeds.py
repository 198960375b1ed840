"""A newsroom on loopback for the watcher tests, and the feeds and article pages it serves,
composed here: short invented stories about real countries, each coding to one event."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORIES = {
    "airspace": (
        "Greece accuses Turkey over airspace",
        "Greece accused Turkey on Monday of violating its airspace, Greek officials said.",
        "The ministry in Athens said it would raise the matter with its allies.",
    ),
    "ambassador": (
        "Serbia recalls envoy",
        "Serbia recalled its ambassador to Croatia on Wednesday after a dispute over a border "
        "crossing.",
        "Belgrade said the envoy would return for consultations this week.",
    ),
    "trade": (
        "Chile and Peru sign trade pact",
        "Chile and Peru signed a trade agreement in Lima on Thursday.",
        "The accord lowers tariffs on copper, fruit and fish over five years.",
    ),
    "islands": (
        "Japan condemns China over islands",
        "Japan condemned China on Friday for sending coast guard ships near disputed islands.",
        "Tokyo said four vessels had entered the waters for several hours.",
    ),
    "floods": (
        "Norway pledges flood aid",
        "Norway pledged aid to Kenya on Monday after floods destroyed homes.",
        "Thousands of families in the river valleys have lost their crops.",
    ),
}


def page(name: str, *, date: str | None = "2026-11-30") -> bytes:
    """An article page: site navigation, headline, date, the story's two sentences."""
    title, lead, more = STORIES[name]
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    return (
        f"<!doctype html><html><head><title>{escape(title)}</title>{meta}"
        '<meta property="og:site_name" content="Loopback News"></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{escape(title)}</h1>"
        f"<p>{escape(lead)}</p><p>{escape(more)}</p></article>"
        "<footer>Loopback News</footer></body></html>"
    ).encode()


def rss(base: str, items: list[dict[str, str | None]], *, title: str = "Loopback News") -> bytes:
    """An RSS 2.0 feed; each item may give guid, link (a path on `base`), title, date, text."""
    parts = []
    for item in items:
        fields = []
        if item.get("guid"):
            fields.append(f"<guid isPermaLink='false'>{escape(str(item['guid']))}</guid>")
        if item.get("link"):
            fields.append(f"<link>{base}{item['link']}</link>")
        if item.get("title"):
            fields.append(f"<title>{escape(str(item['title']))}</title>")
        if item.get("date"):
            fields.append(f"<pubDate>{item['date']}</pubDate>")
        if item.get("text"):
            fields.append(f"<description>{escape(str(item['text']))}</description>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>{base}/</link><description>News</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def item(name: str, *, guid: str | None = None, date: str | None = None) -> dict[str, str | None]:
    return {
        "guid": guid if guid is not None else f"urn:loopback:{name}",
        "link": f"/news/{name}",
        "title": STORIES[name][0],
        "date": date or "Mon, 30 Nov 2026 08:00:00 GMT",
    }


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
