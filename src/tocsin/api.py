"""The HTTP API: the coder and the store's queries behind versioned JSON endpoints.

Errors are JSON (`{"error": ...}`) with a status that fits: 400 for a filter the store cannot
use or a Host this server does not answer to, 404 for an unknown id, 413 for a body or story
over its cap, 422 for a malformed body, 429 when the coding queue is full. Coding and writing
endpoints need the API key whenever the server listens beyond loopback. Coding runs on one
thread of its own behind a bounded queue, so reads never wait for it. Every SQL value is a
parameter (see `storage/query.py`).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import (
    Busy,
    Forbidden,
    InputError,
    NotFound,
    QueryError,
    TocsinError,
    TooLarge,
    UnknownParameter,
)
from .formats import event_record, location_record, quote_record
from .local import (
    KEY_HEADER,
    announce,
    article_from_record,
    check_key,
    filter_from_record,
    withdraw,
)
from .model import Article, CodedArticle
from .pipeline import Coder, IngestSummary, ingest_articles, recode_articles
from .storage import export, query
from .storage.alerts import Alert, count_alerts, list_alerts, raise_alerts
from .storage.store import Reader, Store
from .trace import Trace
from .watch import Live, Watcher
from .web import PAGE_POLICY, mount_dashboard

MAX_BODY_BYTES = 2 * 1024 * 1024
LOCAL_BODY_BYTES = 64 * 1024 * 1024
MAX_PAGE = 500
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the operator decides for one server; `tocsin serve` fills it from its options."""

    api_key: str | None = None
    # Set when bound beyond loopback: coding and writing then need the key.
    require_key: bool = False
    cors_origins: tuple[str, ...] = ()
    # Host header names answered ("*": any); the rest are DNS-rebinding attempts or mistakes.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    # Characters of one story coded on request: a million took 87 s of the one coding thread.
    max_text: int = 100_000
    # Coding requests that may wait behind the one being coded; more are answered 429.
    coding_queue: int = 32
    # The key of the server file beside the store: the CLI's commands hand their work over
    # with it (see `local.py`). None: no local endpoints.
    local_key: str | None = None
    # This server's own address for those commands; with the key, it is written beside the
    # store while the server runs.
    local_url: str | None = None


class StoryIn(BaseModel):
    text: str = Field(min_length=1)
    published: str | None = None
    title: str | None = None
    id: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    source: str | None = Field(default=None, max_length=200)


class IngestIn(BaseModel):
    articles: list[StoryIn] = Field(min_length=1, max_length=200)


def create_app(
    db: Path,
    *,
    coder: Coder | None = None,
    settings: Settings = Settings(),
    live: Live | None = None,
) -> FastAPI:
    """The API over one store file; with `live`, it watches sources and raises alerts."""
    state = _State(db, coder or Coder(), settings, live or Live())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        key, url = settings.local_key, settings.local_url
        announced = announce(db, url, key) if key and url else None
        watching = state.start_watching()
        try:
            yield
        finally:
            if announced is not None and key is not None:
                withdraw(announced, key)
            state.stop.set()
            state.queue.close()
            if watching is not None:
                watching.join(timeout=1)
            # Let the file go once no write is under way (the commands may then open it).
            if state.lock.acquire(timeout=5):
                state.store.close()

    app = FastAPI(
        title="tocsin",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(reject_unknown_parameters)],
        lifespan=lifespan,
    )
    app.state.query_parameters = {}
    app.state.knowledge = state.coder.knowledge
    _errors(app)
    app.add_middleware(_CacheReads, answers=state.answers)
    app.add_middleware(_BodyCap, local_key=settings.local_key)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "x-api-key"],
        )
    app.add_middleware(_CheckHost, names=settings.allowed_hosts)
    app.add_middleware(_SecurityHeaders)
    _docs(app)
    mount_dashboard(app)

    @app.get("/api/v1/health")
    def health() -> dict[str, Any]:
        with state.reader() as store:
            events = query.count_events(store)
            alerts = count_alerts(store)
        return {
            "status": "ok",
            "version": __version__,
            "events": events,
            "alerts": alerts,
            "updated": state.updated.isoformat(),
        }

    @app.get("/api/v1/alerts")
    def alerts(
        since: str | None = None, limit: int = Query(default=100, ge=1, le=MAX_PAGE)
    ) -> Page:
        """Escalation alerts, the newest first; `since` keeps those of periods ending then or
        later."""
        day = query.parse_date(since, "since") if since else None
        with state.reader() as store:
            found = list_alerts(store, since=day, limit=limit)
        return Page({"alerts": [a.record() for a in found]})

    @app.post("/api/v1/code")
    async def code(story: StoryIn, request: Request) -> dict[str, Any]:
        state.authorise(request)
        coded = await state.code(story)
        return {
            "title": coded.article.title,
            "text": coded.article.text,
            "events": [
                {**event_record(e), "cameo_name": state.cameo_name(e.cameo)} for e in coded.events
            ],
            "places": [location_record(p) for p in coded.places],
            "quotes": [quote_record(q, coded.article.id) for q in coded.quotes],
        }

    @app.post("/api/v1/explain")
    async def explain(story: StoryIn, request: Request) -> dict[str, Any]:
        """As `tocsin explain --format json`: the events and the trace of how they were found."""
        state.authorise(request)
        coded, trace = await state.explain(story)
        return {
            "article_id": coded.article.id,
            "events": [event_record(e) for e in coded.events],
            "trace": trace.as_dict(),
        }

    @app.get("/api/v1/events")
    def list_events(
        where: Filters,
        limit: int = Query(default=50, ge=1, le=MAX_PAGE),
        cursor: int | None = Query(default=None, ge=1),
        evidence: bool = False,
    ) -> Page:
        with state.reader() as store:
            rows = query.events(
                store, replace(where, before_id=cursor), limit=limit, sort="event_id"
            )
            found = query.evidence(store, [r.event_id for r in rows]) if evidence else {}
        records = []
        for row in rows:
            record = {**flat(row), "cameo_name": state.cameo_name(row.cameo)}
            if evidence:
                record["evidence"] = _evidence(found.get(row.event_id))
            records.append(record)
        next_cursor = rows[-1].event_id if len(rows) == limit else None
        return Page({"events": records, "next_cursor": next_cursor})

    @app.get("/api/v1/events/{event_id}")
    def one_event(event_id: int) -> Page:
        with state.reader() as store:
            found = query.event_detail(store, event_id)
        if found is None:
            raise NotFound(f"no event {event_id}")
        found["cameo_name"] = state.cameo_name(found["cameo"])
        for mention in found["mentions"]:
            marks = query.mark_sentence(
                mention["sentence"],
                mention["source_text"],
                mention["trigger"],
                mention["target_text"],
            )
            mention["marks"] = [flat(m) for m in marks]
        return Page(found)

    @app.get("/api/v1/series")
    def series(where: Filters, freq: str = "month") -> Page:
        with state.reader() as store:
            rows = query.series(store, where, freq=freq)
        return Page({"freq": freq, "series": [flat(r) for r in rows]})

    @app.get("/api/v1/dyad/{first}/{second}")
    def dyad(
        first: str,
        second: str,
        freq: str = "month",
        since: str | None = None,
        until: str | None = None,
    ) -> Page:
        where = query.EventFilter.from_options(since=since, until=until)
        with state.reader() as store:
            rows = query.dyad(store, first, second, freq=freq, where=where)
        return Page(
            {
                "dyad": [first.upper(), second.upper()],
                "freq": freq,
                "series": [flat(r) for r in rows],
            }
        )

    @app.get("/api/v1/places")
    def places(
        where: Filters,
        top: int = Query(default=300, ge=1, le=2000),
    ) -> Page:
        with state.reader() as store:
            return Page({"places": [flat(r) for r in query.places(store, where, top=top)]})

    @app.get("/api/v1/network")
    def network(
        where: Filters,
        top: int = Query(default=60, ge=1, le=500),
    ) -> Page:
        with state.reader() as store:
            return Page({"edges": [flat(r) for r in query.network(store, where, top=top)]})

    @app.get("/api/v1/actors")
    def actors(top: int = Query(default=20, ge=1, le=500)) -> Page:
        with state.reader() as store:
            return Page({"actors": [flat(r) for r in query.top_actors(store, top=top)]})

    @app.get("/api/v1/articles/{article_key}")
    async def article(article_key: str) -> dict[str, Any]:
        if not article_key.isalnum() or len(article_key) > 64:
            raise NotFound(f"no article {article_key!r}")
        row = await run_in_threadpool(state.article, article_key)
        if row is None:
            raise NotFound(f"no article {article_key!r}")
        coded = await state.code(
            StoryIn(
                text=row["text"],
                title=row["title"],
                published=str(row["published"]) if row["published"] else None,
            )
        )
        return {**row, "text": coded.article.text, "spans": _spans(coded)}

    @app.post("/api/v1/ingest")
    async def ingest(body: IngestIn, request: Request) -> dict[str, Any]:
        state.authorise(request)
        summary = await state.ingest(body.articles)
        return {
            "new": summary.new,
            "known": summary.known,
            "duplicates": summary.duplicates,
            "events_new": summary.events_new,
            "events_merged": summary.events_merged,
        }

    @app.post("/api/v1/local/{action}", include_in_schema=False)
    async def local(action: str, request: Request) -> Any:
        """What this machine's tocsin commands on the store hand over (see `local.py`)."""
        state_key = state.settings.local_key
        check_key(request, state_key)
        body = await request.json()
        if not isinstance(body, dict):
            raise QueryError("the body must be a JSON object")
        return await state.local(action, body)

    return app


def event_filter(
    request: Request,
    actor: str | None = Query(default=None, max_length=100),
    source: str | None = Query(default=None, max_length=100),
    target: str | None = Query(default=None, max_length=100),
    dyad: str | None = Query(default=None, max_length=100),
    cameo: str | None = None,
    root: str | None = None,
    plover: str | None = None,
    quad: int | None = None,
    since: str | None = None,
    until: str | None = None,
    location: str | None = Query(default=None, max_length=100),
    text: str | None = Query(default=None, max_length=200),
) -> query.EventFilter:
    """The filters of `tocsin events`, shared by every endpoint that reads events; actors,
    dyad and location may be named as the coder names them ('Russia', 'Putin')."""
    options = {name: value for name, value in locals().items() if name != "request"}
    names = request.app.state.knowledge.actor_value
    return query.EventFilter.from_options(**options, names=names)


def reject_unknown_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not request.url.path.startswith("/api/") or not hasattr(route, "dependant"):
        return
    known = _route_parameters(request.app, route)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "no parameters"
        raise UnknownParameter(f"unknown parameter {unknown[0]!r}; this endpoint takes {takes}")


def _route_parameters(app: FastAPI, route: Any) -> frozenset[str]:
    """A route's query parameters, its dependencies' included: fixed once the app is built, so
    worked out on the route's first request and kept with the app."""
    known: dict[str, frozenset[str]] = app.state.query_parameters
    if route.path not in known:
        known[route.path] = frozenset(_query_names(route.dependant))
    return known[route.path]


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names


Filters = Annotated[query.EventFilter, Depends(event_filter)]


def _evidence(found: query.Evidence | None) -> dict[str, Any] | None:
    return asdict(found) if found else None


class Page(JSONResponse):
    """JSON written by the standard library, dates as ISO text. Endpoints that return many rows
    answer with it directly: FastAPI's field-by-field encoder cost more than the query."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_iso, ensure_ascii=False, separators=(",", ":")).encode()


def _iso(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def flat(row: Any) -> dict[str, Any]:
    """A flat dataclass row as a dict, without `asdict`'s deep copy."""
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


class _State:
    """The store and coder one app serves; DuckDB cursors per request, one writer at a time."""

    def __init__(self, db: Path, coder: Coder, settings: Settings, live: Live) -> None:
        # Many small queries at once, each over one row group: a second thread per query
        # bought nothing when measured, and one each keeps concurrent queries from contending.
        self.store = Store(db, threads=1)
        self.coder = coder
        self.settings = settings
        self.lock = threading.Lock()  # one writer at a time
        self.queue = CodingQueue(settings.coding_queue)
        self.answers = ReadCache()
        self.values_lock = threading.Lock()
        self.values: query.ActorValues | None = None
        self.live = live
        self.stop = threading.Event()
        self.updated = dt.datetime.now(dt.UTC).replace(microsecond=0)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """A cursor of the request's own, so concurrent requests do not share one."""
        with self.store.reader() as view:
            view.actor_values = self.actor_values(view)
            yield view

    def writer(self) -> _Writer:
        return _Writer(self.store, self.lock, self.changed)

    def actor_values(self, view: Reader) -> query.ActorValues:
        """Read once per version of the store; a write throws them away (see `changed`)."""
        with self.values_lock:
            if self.values is None:
                self.values = query.ActorValues.read(view)
            return self.values

    def changed(self) -> None:
        with self.values_lock:
            self.values = None
            self.updated = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.answers.clear()

    def written(self, job: Callable[[Store], T]) -> T:
        """Run a job with the store on the coding thread, under the writer lock, from another
        thread (the watcher's): background work waits its turn but is never refused."""
        done: Future[T] = self.queue.thread.submit(self._with_store, job)
        return done.result()

    def _with_store(self, job: Callable[[Store], T]) -> T:
        with self.writer() as store:
            return job(store)

    def start_watching(self) -> threading.Thread | None:
        live = self.live
        if not live.sources:
            return None
        from .fetch import Fetcher

        watcher = Watcher(
            self.coder,
            list(live.sources),
            write=self.written,
            fetcher=Fetcher(live.fetch),
            log=live.log,
            alerts=live.alerts,
            on_alert=live.on_alert,
        )

        def watch() -> None:
            try:
                watcher.run(live.every, self.stop)
            finally:
                watcher.fetcher.close()

        thread = threading.Thread(target=watch, name="tocsin-watch", daemon=True)
        thread.start()
        return thread

    def raise_alerts(self, store: Store) -> list[Alert]:
        found = raise_alerts(store, self.live.alerts)
        for alert in found:
            if self.live.on_alert is not None:
                self.live.on_alert(alert)
        return found

    async def local(self, action: str, body: dict[str, Any]) -> Any:
        if action == "ingest":
            articles = [article_from_record(r) for r in body.get("articles", [])]
            summary, raised = await self.queue.run_always(lambda: self._ingest_local(articles))
            return Page({**asdict(summary), "alerts": len(raised)})
        if action == "recode":
            done = await self.queue.run_always(
                lambda: self._with_store(lambda store: recode_articles(self.coder, store))
            )
            return Page(asdict(done))
        if action == "export":
            return Page({"count": await run_in_threadpool(self._export, body)})
        return Page(await run_in_threadpool(self._query, action, body))

    def _ingest_local(self, articles: list[Article]) -> tuple[IngestSummary, list[Alert]]:
        with self.writer() as store:
            summary = ingest_articles(self.coder, store, articles)
            return summary, self.raise_alerts(store) if summary.new else []

    def _export(self, body: dict[str, Any]) -> int:
        where = filter_from_record(body.get("filter"))
        path = Path(str(body["path"]))
        kind = body.get("format")
        with self.writer() as store:
            if kind == "parquet":
                return export.write_parquet(store, path, where)
            writer = export.write_gdelt if kind == "gdelt" else export.write_plover
            with path.open("w", encoding="utf-8", newline="") as stream:
                return writer(store, stream, where)

    def _query(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        where = filter_from_record(body.get("filter"))
        with self.reader() as view:
            if action == "events":
                rows = query.events(
                    view,
                    where,
                    limit=int(body["limit"]),
                    offset=int(body["offset"]),
                    sort=str(body["sort"]),
                )
                return {"rows": [flat(r) for r in rows], "total": query.count_events(view, where)}
            if action == "series":
                return {"rows": [flat(r) for r in query.series(view, where, freq=body["freq"])]}
            if action == "actors":
                return {"rows": [flat(r) for r in query.top_actors(view, top=int(body["top"]))]}
            if action == "stats":
                return {"stats": query.stats(view)}
            if action == "alerts":
                since = query.parse_date(body["since"], "since") if body.get("since") else None
                return {"rows": [a.record() for a in list_alerts(view, since=since)]}
        raise NotFound(f"no local action {action!r}")

    def article(self, article_key: str) -> dict[str, Any] | None:
        with self.reader() as store:
            return query.article(store, article_key)

    async def code(self, story: StoryIn) -> CodedArticle:
        self.check_length(story)
        return await self.queue.run(lambda: self.coder.code_article(_article(self.coder, story)))

    async def explain(self, story: StoryIn) -> tuple[CodedArticle, Trace]:
        self.check_length(story)
        return await self.queue.run(lambda: self.coder.explain_article(_article(self.coder, story)))

    async def ingest(self, stories: list[StoryIn]) -> IngestSummary:
        for story in stories:
            self.check_length(story)
        return await self.queue.run(lambda: self._ingest(stories))

    def _ingest(self, stories: list[StoryIn]) -> IngestSummary:
        articles = [_article(self.coder, story) for story in stories]
        return self._ingest_local(articles)[0]

    def check_length(self, story: StoryIn) -> None:
        limit = self.settings.max_text
        if len(story.text) > limit:
            raise TooLarge(
                f"a story of {len(story.text):,} characters is over this server's {limit:,}; "
                "code long stories with 'tocsin code' or 'tocsin ingest'"
            )

    def cameo_name(self, code: str) -> str | None:
        try:
            return self.coder.knowledge.code_info(code).name
        except KeyError:
            return None

    def authorise(self, request: Request) -> None:
        """Coding costs as much as writing, so beyond loopback both need the key."""
        if not self.settings.require_key:
            return
        key = self.settings.api_key
        given = request.headers.get("x-api-key", "")
        if not key or not hmac.compare_digest(given.encode(), key.encode()):
            raise Forbidden("coding and writing need the X-API-Key header (set TOCSIN_API_KEY)")


class CodingQueue:
    """Runs the coder on one thread of its own (spaCy's pipeline is not shared between threads)
    behind a queue of bounded length, so neither the event loop nor the threads answering
    reads ever wait for coding. Beyond `waiting` stories queued, a request is told when to come
    back rather than held open."""

    def __init__(self, waiting: int) -> None:
        self.room = waiting + 1  # the story being coded and those waiting
        self.pending = 0
        self.seconds = 1.0  # running mean of one job, for Retry-After
        self.lock = threading.Lock()
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tocsin-coding")

    async def run_always(self, job: Callable[[], T]) -> T:
        """Queue a job however many wait: work handed over by this machine's own commands."""
        return await asyncio.wrap_future(self.thread.submit(job))

    async def run(self, job: Callable[[], T]) -> T:
        with self.lock:
            if self.pending >= self.room:
                wait = max(1, math.ceil(self.pending * self.seconds))
                raise Busy(
                    f"{self.pending} stories are being coded or waiting; try again in {wait} s",
                    retry_after=wait,
                )
            self.pending += 1
        done: Future[T] = self.thread.submit(self._timed, job)
        done.add_done_callback(self._finished)
        return await asyncio.wrap_future(done)

    def _timed(self, job: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return job()
        finally:
            self.seconds = 0.8 * self.seconds + 0.2 * (time.perf_counter() - started)

    def _finished(self, _: Future[Any]) -> None:
        with self.lock:
            self.pending -= 1

    def close(self) -> None:
        self.thread.shutdown(wait=False, cancel_futures=True)


class _Writer:
    """The one writer; what it changes makes cached answers and actor values stale."""

    def __init__(self, store: Store, lock: threading.Lock, changed: Any) -> None:
        self.store, self.lock, self.changed = store, lock, changed

    def __enter__(self) -> Store:
        self.lock.acquire()
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.changed()
        self.lock.release()


# A cached answer: its body and its headers (the docs page's own policy among them).
Answer = tuple[bytes, list[tuple[bytes, bytes]]]


class ReadCache:
    """Answers to read requests, kept until the store changes.

    The server holds the only write handle on its DuckDB file (DuckDB locks the file against
    other writers), so the store changes only through this server's writer, which clears the
    cache. Dashboards ask the same questions again and again; a repeat costs no query.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.generation = 0
        self.answers: OrderedDict[str, Answer] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Answer | None:
        with self.lock:
            found = self.answers.get(key)
            if found is not None:
                self.answers.move_to_end(key)
            return found

    def put(self, key: str, answer: Answer, generation: int) -> None:
        with self.lock:
            if generation != self.generation:
                return  # the store changed while this answer was being computed
            self.answers[key] = answer
            self.answers.move_to_end(key)
            while len(self.answers) > self.size:
                self.answers.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.answers.clear()


def _article(coder: Coder, story: StoryIn) -> Article:
    return coder.article_from_text(
        story.text,
        published=story.published or None,
        article_id=story.id or "posted",
        title=story.title,
        url=story.url,
        source=story.source,
    )


def _spans(coded: CodedArticle) -> list[dict[str, Any]]:
    spans = []
    for event in coded.events:
        spans.append(
            {
                "kind": "trigger",
                "start": event.trigger.span.start,
                "end": event.trigger.span.end,
                "cameo": event.cameo,
            }
        )
        for role, actor in (("source", event.source), ("target", event.target)):
            if actor is not None:
                spans.append(
                    {
                        "kind": role,
                        "start": actor.span.start,
                        "end": actor.span.end,
                        "code": actor.code,
                    }
                )
    for place in coded.places:
        if place.span is not None:
            spans.append(
                {
                    "kind": "place",
                    "start": place.span.start,
                    "end": place.span.end,
                    "country": place.country,
                }
            )
    return sorted(spans, key=lambda s: (s["start"], s["kind"]))


def _errors(app: FastAPI) -> None:
    statuses = (
        (TooLarge, 413),
        (NotFound, 404),
        (Forbidden, 403),
        (UnknownParameter, 400),
        (QueryError, 400),
        (InputError, 400),
        (TocsinError, 400),
    )
    for kind, status in statuses:
        app.add_exception_handler(kind, _handler(status))

    async def busy(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Busy)
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"error": str(exc)}, 429, headers=headers)

    app.add_exception_handler(Busy, busy)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, 422)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, 500)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse({"error": str(exc.detail)}, exc.status_code)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)


def _handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status)

    return handle


class _CacheReads:
    """Answers GET requests under /api/v1 from the ReadCache, and fills it.

    Plain ASGI rather than `@app.middleware`, which costs a task and a stream per request."""

    def __init__(self, app: ASGIApp, answers: ReadCache) -> None:
        self.app, self.answers = app, answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith("/api/v1/")
            or path.endswith("/health")
        ):
            await self.app(scope, receive, send)
            return
        key = f"{path}?{_meaning(scope['query_string'])}"
        found = self.answers.get(key)
        if found is not None:
            body, headers = found
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*headers, (b"x-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        generation = self.answers.generation
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message, headers=list(message.get("headers", [])))
                message["headers"] = [*start["headers"], (b"x-cache", b"miss")]
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self.answers.put(key, (b"".join(chunks), start["headers"]), generation)
            await send(message)

        await self.app(scope, receive, keep)


def _meaning(query_string: bytes) -> str:
    """The query as a cache key: the order of different names means nothing, but the order of
    one name's values does (`actor=UKR&actor=USA` asks about USA: the last value wins)."""
    asked = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(asked, key=lambda pair: pair[0]))


class _HttpMiddleware:
    """Plain ASGI middleware that sees HTTP requests only; lifespan events pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class _CheckHost(_HttpMiddleware):
    """Answers only requests that name this server. A page elsewhere can point its own name at
    127.0.0.1 (DNS rebinding) and so reach a loopback server from the browser, but the Host
    header still carries its name."""

    def __init__(self, app: ASGIApp, names: tuple[str, ...]) -> None:
        super().__init__(app)
        self.names = frozenset(_host_name(name) for name in names)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "*" in self.names:
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if _host_name(given) in self.names:
            await self.app(scope, receive, send)
            return
        shown = given[:100] or "(none)"
        refused = f"this server does not answer to Host {shown!r}; serve it with --allow-host"
        await JSONResponse({"error": refused}, 400)(scope, receive, send)


def _host_name(host: str) -> str:
    """A Host header or a bound address without its port, lower case, IPv6 in brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    if host.count(":") > 1:
        return f"[{host}]"  # a bare IPv6 address, as given to --host
    return host.partition(":")[0].rstrip(".")


class _SecurityHeaders(_HttpMiddleware):
    """`nosniff` on every answer; on every HTML page (the dashboard under any path, the docs) a
    Content-Security-Policy that lets it talk only to this server and be framed by no one, unless
    the page brought its own."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, guarded)


class _BodyCap(_HttpMiddleware):
    """Refuses a body over MAX_BODY_BYTES, declared in Content-Length or streamed without one;
    this machine's own commands, with the local key, may send up to LOCAL_BODY_BYTES (a batch
    of long stories handed over by `tocsin ingest`)."""

    def __init__(self, app: ASGIApp, local_key: str | None) -> None:
        super().__init__(app)
        self.local_key = local_key

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        cap = MAX_BODY_BYTES
        given = headers.get(KEY_HEADER.lower().encode(), b"")
        if self.local_key and hmac.compare_digest(given, self.local_key.encode()):
            cap = LOCAL_BODY_BYTES
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            await _too_large(scope, receive, send, cap)
            return
        if length is None and scope["method"] == "POST":
            body = await _read_capped(receive, cap)
            if body is None:
                await _too_large(scope, receive, send, cap)
                return
            receive = _replay(body)
        await self.app(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, cap: int) -> None:
    await JSONResponse({"error": f"body over {cap} bytes"}, 413)(scope, receive, send)


async def _read_capped(receive: Receive, cap: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if len(body) > cap:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _docs(app: FastAPI) -> None:
    """API docs that work offline: Swagger UI's files come from the swagger-ui-bundle package."""
    import swagger_ui_bundle

    app.mount(
        "/api/v1/docs-assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="tocsin API",
            swagger_js_url="/api/v1/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/v1/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/v1/docs-assets/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = _docs_policy(bytes(page.body).decode())
        return page


def _docs_policy(page: str) -> str:
    """The dashboard's policy, plus the one inline script that starts Swagger UI, by its hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return PAGE_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")
