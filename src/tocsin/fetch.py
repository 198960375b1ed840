"""Read news from the web: RSS/Atom feeds and article pages, the only network tocsin uses, and
only for the URLs a user lists.

Every request is bounded: a timeout on each step and a deadline on the whole, a cap on the
body (read as a stream and dropped past the cap), a few redirects at most, retries with
backoff only where trying again can help (no answer, 429, 5xx), and at most one request a
host every `host_interval` seconds. Feeds are asked for conditionally (ETag, Last-Modified),
so an unchanged feed costs one short answer. Each failure is one `FetchError` naming the URL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from xml.sax import SAXException

from .errors import FetchError, InputError
from .model import Validators

if TYPE_CHECKING:
    import httpx

MEGABYTE = 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FEED_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.S)
HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<!--)", re.I)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """The bounds on every request; `tocsin watch` and `tocsin serve --watch` use the
    defaults, tests set them small."""

    user_agent: str = "tocsin"
    timeout: float = 20.0  # seconds for connecting and for each read
    deadline: float = 60.0  # seconds for a whole answer, however slowly it trickles in
    max_bytes: int = 5 * MEGABYTE  # a feed or page; the rest is not read
    max_redirects: int = 5
    retries: int = 2  # tries after the first, for answers that may come right later
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    host_interval: float = 1.0  # seconds between two requests to one host

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, user_agent: str) -> FetchSettings:
        """The defaults, each changed by its TOCSIN_FETCH_ variable when set
        (TOCSIN_FETCH_HOST_INTERVAL for `host_interval`): read by the entry points."""
        values: dict[str, Any] = {"user_agent": user_agent}
        for name, kind in (
            ("timeout", float),
            ("deadline", float),
            ("max_bytes", int),
            ("max_redirects", int),
            ("retries", int),
            ("backoff", float),
            ("host_interval", float),
        ):
            variable = f"TOCSIN_FETCH_{name.upper()}"
            raw = environ.get(variable)
            if raw is None:
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                raise InputError(f"{variable}={raw!r}: give a number") from None
            if values[name] < 0:
                raise InputError(f"{variable}={raw!r}: give a number not below 0")
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Answer:
    """A fetched body: where it ended up after redirects, what it says it is, its validators."""

    url: str
    content_type: str
    body: bytes
    validators: Validators

    @property
    def is_feed(self) -> bool:
        kind = self.content_type
        if "html" in kind and "xhtml+xml" not in kind:
            return False
        return any(k in kind for k in ("rss", "atom", "xml")) or bool(FEED_START.match(self.body))

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type or bool(HTML_START.match(self.body[:512]))


@dataclass(frozen=True, slots=True)
class Item:
    """One story found in a feed or on a page. `key` identifies it across polls: the feed's
    GUID, else its link, else a hash of its title and summary."""

    key: str
    url: str | None
    title: str | None
    summary: str | None
    published: dt.datetime | None
    site: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """An article page's text and metadata, as trafilatura finds them."""

    url: str
    text: str
    title: str | None
    published: dt.datetime | None
    site: str | None


@dataclass(slots=True)
class Fetcher:
    """One HTTP client for a watcher, thread-safe, with the per-host pacing kept across calls."""

    settings: FetchSettings = field(default_factory=FetchSettings)
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, url: str, validators: Validators | None = None) -> Answer | None:
        """The body at `url`; None when the server says it has not changed (304)."""
        validators = validators or Validators()
        attempt = 0
        while True:
            try:
                return self._get_once(url, validators)
            except _Retryable as exc:
                if attempt >= self.settings.retries:
                    raise FetchError(f"{url}: {exc} (gave up after {attempt + 1} tries)") from None
                self.sleep(self.settings.backoff * 2**attempt)
                attempt += 1

    def _get_once(self, url: str, validators: Validators) -> Answer | None:
        import httpx

        self._pace(url)
        headers = {"Accept-Encoding": "gzip, deflate"}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                return self._answer(url, response)
        except httpx.TooManyRedirects:
            raise FetchError(
                f"{url}: more than {self.settings.max_redirects} redirects (a redirect loop?)"
            ) from None
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(_why(exc)) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {_why(exc)}") from None

    def _answer(self, url: str, response: httpx.Response) -> Answer | None:
        status = response.status_code
        if status == 304:
            return None
        if status in RETRY_STATUSES:
            raise _Retryable(f"HTTP {status}")
        if status >= 400:
            raise FetchError(f"{url}: HTTP {status} {response.reason_phrase}".rstrip())
        declared = response.headers.get("content-length", "")
        cap = self.settings.max_bytes
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url}: {int(declared) / MEGABYTE:.1f} MB, over the {_mb(cap)} cap")
        body = self._body(url, response.iter_bytes())
        found = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
        kind = response.headers.get("content-type", "").lower()
        return Answer(str(response.url), kind, body, found)

    def _body(self, url: str, chunks: Iterator[bytes]) -> bytes:
        """The body, read until the cap or the deadline, whichever comes first."""
        cap, deadline = self.settings.max_bytes, time.monotonic() + self.settings.deadline
        parts: list[bytes] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > cap:
                raise FetchError(f"{url}: over the {_mb(cap)} cap; the rest was not read")
            if time.monotonic() > deadline:
                raise _Retryable(f"no whole answer within {self.settings.deadline:g} s")
            parts.append(chunk)
        return b"".join(parts)

    @property
    def client(self) -> httpx.Client:
        import httpx

        if self._client is None:
            settings = self.settings
            self._client = httpx.Client(
                follow_redirects=True,
                max_redirects=settings.max_redirects,
                timeout=httpx.Timeout(settings.timeout),
                headers={"User-Agent": settings.user_agent},
                trust_env=False,
            )
        return self._client

    def _pace(self, url: str) -> None:
        """Wait until this host was last asked `host_interval` seconds ago."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            ready = max(now, self._last.get(host, -1e9) + self.settings.host_interval)
            self._last[host] = ready
        if ready > now:
            self.sleep(ready - now)


class _Retryable(Exception):
    """A failure that may pass if asked again later."""


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _mb(size: int) -> str:
    return f"{size / MEGABYTE:g} MB"


def feed_items(answer: Answer) -> tuple[list[Item], list[str]]:
    """The feed's items, and what was wrong with it (items skipped as duplicates or empty).
    A body that holds no feed at all is a `FetchError`."""
    import feedparser

    headers = {"content-location": answer.url, "content-type": answer.content_type}
    parsed = feedparser.parse(answer.body, response_headers=headers)
    # feedparser also flags a declared encoding it overrode: only broken XML is worth a line
    broken = isinstance(parsed.get("bozo_exception"), SAXException)
    site = parsed.feed.get("title") or urlsplit(answer.url).netloc
    items: list[Item] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(parsed.entries, start=1):
        item = _item(entry, site)
        if item is None:
            problems.append(f"{answer.url}: item {number} has no link, title or text; skipped")
        elif item.key in seen:
            problems.append(f"{answer.url}: item {number} repeats the id {item.key!r}; skipped")
        else:
            seen.add(item.key)
            items.append(item)
    if not items and (broken or not parsed.version):
        reason = _why(parsed.bozo_exception) if broken else "no RSS or Atom items"
        raise FetchError(f"{answer.url}: not a readable feed ({reason})")
    if broken:
        problems.insert(
            0, f"{answer.url}: malformed feed ({_why(parsed.bozo_exception)}); read what it holds"
        )
    return items, problems


def _item(entry: Any, site: str) -> Item | None:
    link = entry.get("link") or None
    title = entry.get("title") or None
    summary = _entry_text(entry)
    if not (link or title or summary):
        return None
    identity = entry.get("id") or link or _hash(f"{title}\n{summary}")
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    published = dt.datetime.fromtimestamp(calendar.timegm(when), dt.UTC) if when else None
    return Item(str(identity), link, title, summary, published, site)


def _entry_text(entry: Any) -> str | None:
    """The fullest text a feed gives for an item (content:encoded, else the summary), as text."""
    contents = [c.get("value", "") for c in entry.get("content", [])]
    raw = max([*contents, entry.get("summary", "")], key=len)
    return html_text(raw) or None


def html_text(fragment: str) -> str:
    """Text of an HTML fragment, one paragraph a line."""
    if "<" not in fragment:
        return fragment.strip()
    import lxml.html

    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return ""
    for block in tree.iter("p", "br", "div", "li", "h1", "h2", "h3"):
        block.tail = "\n" + (block.tail or "")
    text: str = tree.text_content()
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def read_page(answer: Answer) -> Page:
    """An article page's main text, title, date and site; a `FetchError` for a body that is
    not an HTML page or has no article text."""
    if not answer.is_html:
        shown = answer.content_type or "no content type"
        raise FetchError(f"{answer.url}: not an HTML page ({shown})")
    import trafilatura

    found = trafilatura.bare_extraction(
        answer.body,
        url=answer.url,
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(found, "text", None)
    if not text or not text.strip():
        raise FetchError(f"{answer.url}: no article text found on the page")
    return Page(
        url=answer.url,
        text=text,
        title=getattr(found, "title", None) or None,
        published=_day(getattr(found, "date", None)),
        site=getattr(found, "sitename", None) or urlsplit(answer.url).netloc,
    )


def _day(value: str | None) -> dt.datetime | None:
    """trafilatura's date (YYYY-MM-DD) as a datetime."""
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC) if value else None
    except ValueError:
        return None


def _hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
