"""The HTTP API: the coder and the store's queries behind versioned JSON endpoints.

Errors are JSON (`{"error": ...}`) with a status that fits: 400 for a filter the store cannot
use, 404 for an unknown id, 413 for a body over the cap, 422 for a malformed body. Writing
endpoints need the API key whenever the server listens beyond loopback. Every SQL value is a
parameter (see `storage/query.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import Forbidden, InputError, NotFound, QueryError, TocsinError, UnknownParameter
from .formats import event_record, location_record, quote_record
from .model import Article, CodedArticle
from .pipeline import Coder, ingest_articles
from .storage import query
from .storage.store import Reader, Store
from .trace import Trace
from .web import mount_dashboard

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_PAGE = 500


class StoryIn(BaseModel):
    text: str = Field(min_length=1, max_length=1_000_000)
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
    api_key: str | None = None,
    require_key: bool = False,
    cors_origins: tuple[str, ...] = (),
) -> FastAPI:
    """The API over one store file; `require_key` is set when bound beyond loopback."""
    app = FastAPI(
        title="tocsin",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(reject_unknown_parameters)],
    )
    state = _State(db, coder or Coder(), api_key, require_key)
    app.state.query_parameters = {}
    app.state.knowledge = state.coder.knowledge
    _errors(app)
    app.add_middleware(_CacheReads, answers=state.answers)
    app.add_middleware(_BodyCap)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"]
        )
    _docs(app)
    mount_dashboard(app)

    @app.get("/api/v1/health")
    def health() -> dict[str, Any]:
        with state.reader() as store:
            events = query.count_events(store)
        return {"status": "ok", "version": __version__, "events": events}

    @app.post("/api/v1/code")
    def code(story: StoryIn) -> dict[str, Any]:
        coded = state.code(story)
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
    def explain(story: StoryIn) -> dict[str, Any]:
        """As `tocsin explain --format json`: the events and the trace of how they were found."""
        coded, trace = state.explain(story)
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
    def article(article_key: str) -> dict[str, Any]:
        if not article_key.isalnum() or len(article_key) > 64:
            raise NotFound(f"no article {article_key!r}")
        with state.reader() as store:
            row = query.article(store, article_key)
        if row is None:
            raise NotFound(f"no article {article_key!r}")
        coded = state.code(
            StoryIn(
                text=row["text"],
                title=row["title"],
                published=str(row["published"]) if row["published"] else None,
            )
        )
        return {**row, "text": coded.article.text, "spans": _spans(coded)}

    @app.post("/api/v1/ingest")
    def ingest(body: IngestIn, request: Request) -> dict[str, Any]:
        state.authorise(request)
        articles = [_article(state.coder, story) for story in body.articles]
        with state.writer() as store, state.coding:
            summary = ingest_articles(state.coder, store, articles)
        return {
            "new": summary.new,
            "known": summary.known,
            "duplicates": summary.duplicates,
            "events_new": summary.events_new,
            "events_merged": summary.events_merged,
        }

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

    def __init__(self, db: Path, coder: Coder, api_key: str | None, require_key: bool) -> None:
        # Many small queries at once, each over one row group: a second thread per query
        # bought nothing when measured, and one each keeps concurrent queries from contending.
        self.store = Store(db, threads=1)
        self.coder = coder
        self.api_key = api_key
        self.require_key = require_key
        self.lock = threading.Lock()  # one writer at a time
        self.coding = threading.Lock()  # the spaCy pipeline is not shared between threads
        self.answers = ReadCache()
        self.values_lock = threading.Lock()
        self.values: query.ActorValues | None = None

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
        self.answers.clear()

    def code(self, story: StoryIn) -> CodedArticle:
        article = _article(self.coder, story)
        with self.coding:
            return self.coder.code_article(article)

    def explain(self, story: StoryIn) -> tuple[CodedArticle, Trace]:
        article = _article(self.coder, story)
        with self.coding:
            return self.coder.explain_article(article)

    def cameo_name(self, code: str) -> str | None:
        try:
            return self.coder.knowledge.code_info(code).name
        except KeyError:
            return None

    def authorise(self, request: Request) -> None:
        if not self.require_key:
            return
        given = request.headers.get("x-api-key")
        if not self.api_key or given != self.api_key:
            raise Forbidden("writing needs the X-API-Key header (set TOCSIN_API_KEY)")


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


class ReadCache:
    """Answers to read requests, kept until the store changes.

    The server holds the only write handle on its DuckDB file (DuckDB locks the file against
    other writers), so the store changes only through this server's writer, which clears the
    cache. Dashboards ask the same questions again and again; a repeat costs no query.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.generation = 0
        self.answers: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.answers.get(key)
            if found is not None:
                self.answers.move_to_end(key)
            return found

    def put(self, key: str, answer: tuple[bytes, str], generation: int) -> None:
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
        (NotFound, 404),
        (Forbidden, 403),
        (UnknownParameter, 400),
        (QueryError, 400),
        (InputError, 400),
        (TocsinError, 400),
    )
    for kind, status in statuses:
        app.add_exception_handler(kind, _handler(status))

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
        asked = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        key = f"{path}?{urlencode(sorted(asked))}"
        found = self.answers.get(key)
        if found is not None:
            hit = Response(found[0], media_type=found[1], headers={"X-Cache": "hit"})
            await hit(scope, receive, send)
            return
        generation = self.answers.generation
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-cache", b"miss")]
                start.update(message)
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    media = dict(start["headers"]).get(b"content-type", b"application/json")
                    self.answers.put(key, (b"".join(chunks), media.decode()), generation)
            await send(message)

        await self.app(scope, receive, keep)


class _BodyCap:
    """Refuses a body over MAX_BODY_BYTES, declared in Content-Length or streamed without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _too_large(scope, receive, send)
            return
        if length is None and scope["method"] == "POST":
            body = await _read_capped(receive)
            if body is None:
                await _too_large(scope, receive, send)
                return
            receive = _replay(body)
        await self.app(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"error": f"body over {MAX_BODY_BYTES} bytes"}, 413)(scope, receive, send)


async def _read_capped(receive: Receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if len(body) > MAX_BODY_BYTES:
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
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="tocsin API",
            swagger_js_url="/api/v1/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/v1/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/v1/docs-assets/favicon-32x32.png",
        )
