"""Watching sources: feeds, article pages and folders, polled, coded and stored as news arrives,
with escalation alerts raised after each pass.

The watcher fetches on its own thread and hands everything that touches the store (state
look-ups, coding and storing, alerts) to `write`, which runs a job with the store: directly for
`tocsin watch`, on the server's one coding thread under its writer lock for `tocsin serve
--watch`. What it has seen lives in the store (`storage/state.py`), and it records a feed's
validators only after the feed's items are stored, so a watcher killed at any point and started
again stores the same rows an uninterrupted one would.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from .errors import FetchError, InputError
from .fetch import Fetcher, FetchSettings, Item, Page, feed_items, read_page
from .model import Article
from .pipeline import Coder, IngestSummary, ingest_articles
from .storage import state
from .storage.alerts import Alert, AlertSettings, raise_alerts
from .storage.rules import content_key
from .storage.store import Store

T = TypeVar("T")
Write = Callable[[Callable[[Store], Any]], Any]

STORY_SUFFIXES = (".txt", ".jsonl", ".ndjson")
SETTLE_SECONDS = 2.0  # a file changed more recently may still be being written
BATCH = 16  # articles of a folder's file coded and stored in one job
MIN_SUMMARY_CHARS = 200  # a feed's own text stands in for a page only when it says this much
EVERY = re.compile(r"(\d+)\s*([smhd]?)")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourceKind(StrEnum):
    URL = "url"  # a feed or an article page: which, the answer tells
    FOLDER = "folder"


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind
    where: str


def read_sources(path: Path) -> list[Source]:
    """The sources a file lists, one a line ('#' starts a comment): http(s) URLs of feeds or
    article pages, and folders (relative to the file) watched for new .txt and .jsonl files."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the sources ({exc})") from None
    sources = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"https?://\S+$", line):
            sources.append(Source(SourceKind.URL, line))
            continue
        folder = (path.parent / line).resolve()
        if not folder.is_dir():
            raise InputError(f"{path}:{number}: {line!r} is neither an http(s) URL nor a folder")
        sources.append(Source(SourceKind.FOLDER, str(folder)))
    if not sources:
        raise InputError(f"{path}: lists no feed, page or folder to watch")
    return sources


def parse_every(text: str) -> float:
    """Seconds in '90', '30s', '15m', '1h' or '1d'."""
    found = EVERY.fullmatch(text.strip().lower())
    if found is None or int(found.group(1)) < 1:
        raise InputError(f"--every {text!r}: give a time such as 30s, 15m, 1h or 1d")
    return float(int(found.group(1)) * UNITS[found.group(2)])


@dataclass(slots=True)
class PassSummary:
    """What one pass over the sources did."""

    sources: int = 0
    unchanged: int = 0  # feeds the server said had not changed
    items: int = 0  # new items found (stored, or failed this time)
    stored: IngestSummary = field(default_factory=IngestSummary)
    problems: int = 0
    alerts: list[Alert] = field(default_factory=list)


@dataclass(slots=True)
class Watcher:
    """Polls the sources; each problem is one line to `log`, and the pass goes on."""

    coder: Coder
    sources: list[Source]
    write: Write
    fetcher: Fetcher
    log: Callable[[str], None]
    alerts: AlertSettings | None = None
    on_alert: Callable[[Alert], None] | None = None
    on_article: Callable[[PassSummary], None] | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def run(self, every: float, stop: threading.Event) -> None:
        """Pass after pass, `every` seconds apart, until `stop` is set. A server's watcher
        outlives a pass that failed: the failure is one line, and the next pass is tried."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.run_once()
            except Exception as exc:
                if stop.is_set():
                    return
                self.log(f"a pass failed: {type(exc).__name__}: {exc}; trying again next pass")
            stop.wait(max(0.0, every - (time.monotonic() - started)))

    def run_once(self) -> PassSummary:
        summary = PassSummary()
        for source in self.sources:
            summary.sources += 1
            if source.kind is SourceKind.FOLDER:
                self._folder(Path(source.where), summary)
            else:
                self._url(source.where, summary)
        if self.alerts is not None and summary.stored.new:
            settings = self.alerts
            summary.alerts = self._write(lambda store: raise_alerts(store, settings))
            for alert in summary.alerts:
                if self.on_alert is not None:
                    self.on_alert(alert)
        return summary

    def _write(self, job: Callable[[Store], T]) -> T:
        done: T = self.write(job)
        return done

    def _problem(self, summary: PassSummary, message: str) -> None:
        summary.problems += 1
        self.log(message)

    # --- feeds and pages -----------------------------------------------------------------

    def _url(self, url: str, summary: PassSummary) -> None:
        page_key = f"page:{url}"
        if self._write(lambda store: state.item_done(store, page_key)):
            return
        known = self._write(lambda store: state.validators(store, url))
        try:
            answer = self.fetcher.get(url, known)
        except FetchError as exc:
            self._problem(summary, str(exc))
            return
        if answer is None:
            summary.unchanged += 1
            return
        try:
            if not answer.is_feed:
                page = read_page(answer)
                item = Item(page_key, url, page.title, None, page.published, page.site)
                self._item(item, url, summary, fetched=page)
                return
            items, problems = feed_items(answer)
        except FetchError as exc:
            self._problem(summary, str(exc))
            return
        for problem in problems:
            self._problem(summary, problem)
        for item in items:
            if not self._write(partial(state.item_done, item_key=item.key)):
                self._item(item, url, summary)
        self._write(lambda store: state.keep_validators(store, url, answer.validators))

    def _item(
        self, item: Item, source: str, summary: PassSummary, fetched: Page | None = None
    ) -> None:
        summary.items += 1
        if item.url and fetched is None:
            link = item.url
            held = self._write(lambda store: state.url_stored(store, link))
            if held is not None:
                self._write(
                    partial(
                        state.mark_stored,
                        item_key=item.key,
                        source=source,
                        url=link,
                        article_key=held,
                    )
                )
                summary.stored.known += 1
                return
        try:
            article = self._article(item, fetched, summary)
        except (FetchError, InputError) as exc:
            attempts = self._write(
                lambda store: state.mark_failed(store, item.key, source=source, url=item.url)
            )
            again = "gave up" if attempts >= state.GIVE_UP else "will try again next pass"
            self._problem(summary, f"{exc} ({again})")
            return

        def store_it(store: Store) -> IngestSummary:
            done = ingest_articles(self.coder, store, [article])
            state.mark_stored(
                store, item.key, source=source, url=item.url, article_key=content_key(article.text)
            )
            return done

        self._counted(summary, self._write(store_it))

    def _article(self, item: Item, fetched: Page | None, summary: PassSummary) -> Article:
        """The item's story: its page's text, else (the page failing) the feed's own text
        when it says enough; dated by the feed, else the page, else the day it was seen."""
        text, title, published, site = item.summary, item.title, item.published, item.site
        page = fetched
        if page is None and item.url:
            try:
                answer = self.fetcher.get(item.url)
                page = read_page(answer) if answer is not None else None
            except FetchError as exc:
                if not text or len(text) < MIN_SUMMARY_CHARS:
                    raise
                self._problem(summary, f"{exc}; coded the feed's own text instead")
        if page is not None:
            text, title = page.text, title or page.title
            published, site = published or page.published, site or page.site
        if not text:
            raise FetchError(f"{item.url or item.key}: no text to code")
        if published is None:
            published = self.clock().replace(hour=0, minute=0, second=0, microsecond=0)
            self._problem(
                summary, f"{item.url or item.key}: no date; dated {published:%Y-%m-%d}, when seen"
            )
        return self.coder.article_from_text(
            text,
            published=published,
            article_id=item.key[:200],
            title=title,
            url=item.url,
            source=site,
        )

    def _counted(self, summary: PassSummary, done: IngestSummary) -> None:
        stored = summary.stored
        stored.new += done.new
        stored.known += done.known
        stored.duplicates += done.duplicates
        stored.events_new += done.events_new
        stored.events_merged += done.events_merged
        if done.new and self.on_article is not None:
            self.on_article(summary)

    # --- folders --------------------------------------------------------------------------

    def _folder(self, folder: Path, summary: PassSummary) -> None:
        for path, size, mtime in _story_files(folder, self.clock().timestamp()):
            name = str(path)
            if self._write(partial(state.file_seen, path=name, size=size, mtime_ns=mtime)):
                continue
            summary.items += 1

            def problem(found: object) -> None:
                self._problem(summary, str(found))

            articles = self.coder.read_articles([name], on_problem=problem)
            for batch in _batches(articles, BATCH):
                done = self._write(partial(ingest_articles, self.coder, articles=batch))
                self._counted(summary, done)
            self._write(partial(state.mark_file, path=name, size=size, mtime_ns=mtime))


def _story_files(folder: Path, now: float) -> list[tuple[Path, int, int]]:
    """Story and JSONL files under the folder that have settled, with size and mtime."""
    found = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            path = Path(root) / name
            if path.suffix.lower() not in STORY_SUFFIXES:
                continue
            try:
                info = path.stat()
            except OSError:
                continue
            if now - info.st_mtime >= SETTLE_SECONDS:
                found.append((path, info.st_size, info.st_mtime_ns))
    return sorted(found)


def _batches(articles: Iterator[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def hook(command: str, log: Callable[[str], None]) -> Callable[[Alert], None]:
    """Runs `command` (through the shell) with each alert's JSON on its stdin."""
    import json
    import subprocess

    def run(alert: Alert) -> None:
        try:
            done = subprocess.run(
                command,
                shell=True,
                input=json.dumps(alert.record()) + "\n",
                text=True,
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log(f"--on-alert {command!r}: {exc}")
            return
        if done.returncode != 0:
            said = (done.stderr or "").strip().splitlines()
            log(f"--on-alert {command!r} exited {done.returncode}: {said[-1] if said else ''}")

    return run


def _quiet(_: str) -> None:
    """Where a server's watcher logs when no one listens."""


@dataclass(frozen=True, slots=True)
class Live:
    """What a server does beyond answering: the sources it watches and how often, the alerts
    it raises after each ingest, and where it logs."""

    sources: tuple[Source, ...] = ()
    every: float = 900.0
    alerts: AlertSettings = field(default_factory=AlertSettings)
    on_alert: Callable[[Alert], None] | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)
    log: Callable[[str], None] = _quiet
