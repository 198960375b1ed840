"""The store's tables, each column declared once: its name, SQL type, where its value comes from
and the schema version that added it.

The DDL, the inserts, the rows queries return, the export fields and the CLI's table are all
derived from these declarations, so a new column is one line here (plus a migration version).
The columns of each table are in their order on disk: existing stores must keep opening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..model import Actor, Article, Event, Location, Quote

SCHEMA_VERSION = 4

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """One column; `value` reads it off the record stored, None when the store fills it in
    (keys, counts, times of storing)."""

    name: str
    sql: str
    value: Callable[[T], object] | None = None
    since: int = 1


@dataclass(frozen=True, slots=True)
class Table(Generic[T]):
    name: str
    columns: tuple[Column[T], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def create(self, version: int) -> str:
        """The CREATE TABLE of this table as it stood at schema `version`."""
        cells = ", ".join(f"{c.name} {c.sql}" for c in self.columns if c.since <= version)
        return f"CREATE TABLE {self.name} ({cells})"

    def additions(self, version: int) -> list[str]:
        """The ALTER TABLEs that bring this table from `version - 1` to `version`."""
        return [
            f"ALTER TABLE {self.name} ADD COLUMN {c.name} {c.sql}"
            for c in self.columns
            if c.since == version and version > 1
        ]

    def insert(self) -> str:
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO {self.name} ({', '.join(self.names)}) VALUES ({marks})"

    def row(self, record: T, filled: Mapping[str, object]) -> list[object]:
        """The values of one row: read off `record`, or given in `filled` by name."""
        return [filled[c.name] if c.value is None else c.value(record) for c in self.columns]


def _actor(role: str, field: str) -> Callable[[Event], object]:
    def value(event: Event) -> object:
        actor: Actor | None = getattr(event, role)
        return getattr(actor, field) if actor is not None else None

    return value


def _location(field: str) -> Callable[[Event], object]:
    def value(event: Event) -> object:
        location: Location | None = event.location
        return getattr(location, field) if location is not None else None

    return value


def _naive(stamp: dt.datetime | None) -> dt.datetime | None:
    """DuckDB's TIMESTAMP has no zone: times are stored in UTC."""
    if stamp is None or stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


def _speaker(field: str) -> Callable[[Quote], object]:
    def value(quote: Quote) -> object:
        return getattr(quote.speaker, field) if quote.speaker is not None else None

    return value


ACTOR_FIELDS = ("code", "country", "sector", "org", "name")

ARTICLES: Table[Article] = Table(
    "articles",
    (
        Column("article_key", "VARCHAR PRIMARY KEY"),
        Column("article_id", "VARCHAR", lambda a: a.id),
        Column("url", "VARCHAR", lambda a: a.url),
        Column("title", "VARCHAR", lambda a: a.title),
        Column("source", "VARCHAR", lambda a: a.source),
        Column("published", "TIMESTAMP", lambda a: _naive(a.published)),
        Column("dateline", "VARCHAR", lambda a: a.dateline),
        Column("agencies", "VARCHAR", lambda a: ", ".join(a.agencies)),
        Column("text", "VARCHAR", lambda a: a.text),
        Column("duplicate_of", "VARCHAR"),
        Column("ingested_at", "TIMESTAMP"),
        Column("event_count", "INTEGER"),
        # v3: the coder that coded the article. On the article, not the event: an article is
        # what is coded (and recoded) as a whole, while a merged event gathers reports coded
        # at different times. So "which versions does the store hold" and "what is stale" are
        # one GROUP BY or WHERE over articles; an event's coders are those of its mentions'
        # articles. NULL for articles stored before v3 (and for hand-built ones).
        Column("coder_version", "VARCHAR", since=3),
        Column("knowledge_hash", "VARCHAR", since=3),
    ),
)

EVENTS: Table[Event] = Table(
    "events",
    (
        Column("event_id", "BIGINT PRIMARY KEY"),
        Column("date", "DATE", lambda e: e.date),
        Column("cameo", "VARCHAR", lambda e: e.cameo),
        Column("base_code", "VARCHAR", lambda e: e.cameo[:3]),
        Column("root", "VARCHAR", lambda e: e.root),
        Column("quad_class", "TINYINT", lambda e: int(e.quad_class)),
        Column("goldstein", "DOUBLE", lambda e: e.goldstein),
        Column("plover_type", "VARCHAR", lambda e: e.plover.type),
        Column("plover_mode", "VARCHAR", lambda e: e.plover.mode),
        Column("plover_context", "VARCHAR", lambda e: e.plover.context),
        *(
            Column(f"{role}_{field}", "VARCHAR", _actor(role, field))
            for role in ("source", "target")
            for field in ACTOR_FIELDS
        ),
        Column("is_symmetric", "BOOLEAN", lambda e: e.symmetric),
        Column("location_name", "VARCHAR", _location("name")),
        Column("location_country", "VARCHAR", _location("country")),
        Column("location_region", "VARCHAR", _location("region")),
        Column("location_kind", "VARCHAR", _location("kind")),
        Column("latitude", "DOUBLE", _location("latitude")),
        Column("longitude", "DOUBLE", _location("longitude")),
        Column("geonames_id", "BIGINT", _location("geonames_id")),
        Column("num_mentions", "INTEGER"),
        Column("num_articles", "INTEGER"),
        Column("num_sources", "INTEGER"),
        Column("confidence", "DOUBLE", lambda e: e.confidence),
        Column("first_seen", "TIMESTAMP"),
        Column("last_seen", "TIMESTAMP"),
        Column("source_url", "VARCHAR"),
        # v2: the best evidence sentence, so pages of events need no subquery
        Column("sentence", "VARCHAR", lambda e: e.sentence, since=2),
    ),
)

MENTIONS: Table[Event] = Table(
    "mentions",
    (
        Column("event_id", "BIGINT"),
        Column("article_key", "VARCHAR"),
        Column("sentence_index", "INTEGER", lambda e: e.sentence_index),
        Column("sentence", "VARCHAR", lambda e: e.sentence),
        Column("trigger", "VARCHAR", lambda e: e.trigger.text),
        Column("trigger_start", "INTEGER", lambda e: e.trigger.span.start),
        Column("trigger_end", "INTEGER", lambda e: e.trigger.span.end),
        Column("source_text", "VARCHAR", lambda e: e.source.text),
        Column("target_text", "VARCHAR", lambda e: e.target.text if e.target else None),
        Column("confidence", "DOUBLE", lambda e: e.confidence),
        Column("modality", "VARCHAR", lambda e: e.modality.value),
        Column("rule", "VARCHAR", lambda e: e.rule),
        Column("date_basis", "VARCHAR", lambda e: e.date_basis.value if e.date_basis else None),
        Column(
            "location_basis",
            "VARCHAR",
            lambda e: e.location_basis.value if e.location_basis else None,
        ),
        Column(
            "attributed_to",
            "VARCHAR",
            lambda e: e.attributed_to.text if e.attributed_to else None,
        ),
        Column("disputed", "BOOLEAN", lambda e: e.disputed),
        Column(
            "disputed_by", "VARCHAR", lambda e: "; ".join(a.text for a in e.disputed_by) or None
        ),
    ),
)

QUOTES: Table[Quote] = Table(
    "quotes",
    (
        Column("article_key", "VARCHAR"),
        Column("kind", "VARCHAR", lambda q: q.kind.value),
        Column("text", "VARCHAR", lambda q: q.text),
        Column("start_char", "INTEGER", lambda q: q.span.start),
        Column("end_char", "INTEGER", lambda q: q.span.end),
        Column("speaker_code", "VARCHAR", _speaker("code")),
        Column("speaker_country", "VARCHAR", _speaker("country")),
        Column("speaker_name", "VARCHAR", _speaker("name")),
        Column("speaker_text", "VARCHAR", _speaker("text")),
        Column("verb", "VARCHAR", lambda q: q.verb),
        Column("disputed", "BOOLEAN", lambda q: q.disputed),
    ),
)

# What each view of events shows, by column name (checked against EVENTS by the tests).
PAGE_COLUMNS = (
    "event_id",
    "date",
    "cameo",
    "root",
    "quad_class",
    "goldstein",
    "plover_type",
    "source_code",
    "source_name",
    "target_code",
    "target_name",
    "location_name",
    "location_country",
    "num_mentions",
    "num_articles",
    "num_sources",
    "confidence",
    "sentence",
)
"""A page of events (`tocsin events`, `GET /api/v1/events`): one `query.EventRow` each."""

TABLE_COLUMNS = (
    "event_id",
    "date",
    "source_code",
    "cameo",
    "plover_type",
    "target_code",
    "location_name",
    "num_mentions",
    "sentence",
)
"""The narrower page `tocsin events --format table` prints in a terminal."""

EXPORT_COLUMNS = tuple(n for n in EVENTS.names if n not in ("last_seen", "sentence"))
"""The fields the GDELT and PLOVER exports are built from."""

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        ARTICLES.create(1),
        "CREATE TABLE signatures (article_key VARCHAR PRIMARY KEY, minhash BLOB)",
        "CREATE SEQUENCE event_ids START 1",
        EVENTS.create(1),
        MENTIONS.create(1),
        QUOTES.create(1),
        "CREATE INDEX events_merge ON events (base_code, source_code, target_code, date)",
        "CREATE INDEX events_dyad ON events (source_country, target_country, date)",
        "CREATE INDEX events_date ON events (date)",
        "CREATE INDEX mentions_event ON mentions (event_id)",
        "CREATE INDEX articles_url ON articles (url)",
    ],
    2: [
        *EVENTS.additions(2),
        """UPDATE events SET sentence = (
            SELECT arg_max(m.sentence, m.confidence) FROM mentions m
            WHERE m.event_id = events.event_id)""",
    ],
    3: ARTICLES.additions(3),
    # v4: what the watcher has seen (feeds' validators, items, folder files) and the alerts
    # raised, so that a restarted watcher neither codes nor raises anything twice.
    4: [
        """CREATE TABLE watch_feeds (url VARCHAR PRIMARY KEY, etag VARCHAR,
             last_modified VARCHAR, checked_at TIMESTAMP)""",
        """CREATE TABLE watch_items (item_key VARCHAR PRIMARY KEY, source VARCHAR, url VARCHAR,
             article_key VARCHAR, status VARCHAR, attempts INTEGER, seen_at TIMESTAMP)""",
        """CREATE TABLE watch_files (path VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT,
             seen_at TIMESTAMP)""",
        "CREATE SEQUENCE alert_ids START 1",
        """CREATE TABLE alerts (alert_id BIGINT PRIMARY KEY, raised_at TIMESTAMP,
             kind VARCHAR, unit VARCHAR, freq VARCHAR, period_start DATE, period_end DATE,
             measure VARCHAR, baseline_mean DOUBLE, baseline_spread DOUBLE, value DOUBLE,
             events INTEGER, event_ids BIGINT[], UNIQUE (kind, unit, freq, period_start))""",
    ],
}
"""The statements that bring a store from the version before to each version."""
