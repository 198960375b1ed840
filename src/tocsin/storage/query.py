"""Questions analysts ask of a store: filtered events, a dyad over time, top actors, totals.

Every filter value is validated and passed as a SQL parameter, never pasted into SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import QueryError
from .schema import ACTOR_FIELDS, PAGE_COLUMNS
from .store import Reader, Store, scalar

Readable = Store | Reader
"""What queries read: a store, or one thread's reader of it."""

SORTABLE = (
    "date",
    "event_id",
    "cameo",
    "goldstein",
    "num_mentions",
    "num_articles",
    "confidence",
    "source_code",
    "target_code",
)
FREQUENCIES = {"day": "day", "week": "week", "month": "month", "year": "year"}
PLOVER_TYPES = frozenset(
    [
        "AGREE",
        "CONSULT",
        "SUPPORT",
        "COOPERATE",
        "AID",
        "CONCEDE",
        "RETREAT",
        "REQUEST",
        "ACCUSE",
        "REJECT",
        "THREATEN",
        "PROTEST",
        "SANCTION",
        "MOBILIZE",
        "COERCE",
        "ASSAULT",
    ]
)


@dataclass(frozen=True, slots=True)
class EventFilter:
    actor: str | None = None
    source: str | None = None
    target: str | None = None
    cameo: str | None = None
    root: str | None = None
    plover: str | None = None
    quad_class: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    location_country: str | None = None
    text: str | None = None
    before_id: int | None = None
    dyad: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.cameo is not None and not re.fullmatch(r"\d{2,4}", self.cameo):
            raise QueryError(f"cameo {self.cameo!r}: give 2 to 4 digits, e.g. 19 or 0256")
        if self.root is not None and not (
            re.fullmatch(r"\d{2}", self.root) and 1 <= int(self.root) <= 20
        ):
            raise QueryError(f"root {self.root!r}: give a CAMEO root from 01 to 20")
        if self.plover is not None and self.plover.upper() not in PLOVER_TYPES:
            raise QueryError(f"plover {self.plover!r}: one of {', '.join(sorted(PLOVER_TYPES))}")
        if self.quad_class is not None and self.quad_class not in (1, 2, 3, 4):
            raise QueryError(f"quad class {self.quad_class}: give 1, 2, 3 or 4")
        if self.dyad is not None and not all(re.fullmatch(r"[A-Za-z]{3}", c) for c in self.dyad):
            raise QueryError(f"dyad {self.dyad!r}: give two ISO-3 country codes, e.g. RUS,UKR")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"date range: since {self.since} is after until {self.until}")

    @classmethod
    def from_options(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        dyad: str | None = None,
        quad: int | None = None,
        location: str | None = None,
        names: Callable[[str], str] | None = None,
        **options: Any,
    ) -> EventFilter:
        """A filter from the options users type (CLI and HTTP): dates and dyad ("RUS,UKR" or
        "RUS-UKR") as text, `quad` for the quad class and `location` for the location's
        country. With `names` (the coder's `Knowledge.actor_value`), actors, dyad and
        location may be given by name ('Russia', 'Putin') as well as by code."""
        named = names or str

        def value(option: str | None) -> str | None:
            return named(option) if option else None

        pair = parse_dyad(dyad) if dyad else None
        return cls(
            actor=value(options.pop("actor", None)),
            source=value(options.pop("source", None)),
            target=value(options.pop("target", None)),
            since=parse_date(since, "since") if since else None,
            until=parse_date(until, "until") if until else None,
            dyad=(named(pair[0]), named(pair[1])) if pair else None,
            quad_class=quad,
            location_country=value(location),
            **options,
        )

    def where(self, known: ActorValues | None = None) -> tuple[str, list[Any]]:
        """SQL and parameters; with `known`, actor tests skip columns that cannot match."""
        clauses: list[str] = []
        params: list[Any] = []
        for role, value in (("source", self.source), ("target", self.target)):
            if value:
                clause, values = _actor_clause(role, value, known)
                clauses.append(clause)
                params += values
        if self.actor:
            as_source, source_values = _actor_clause("source", self.actor, known)
            as_target, target_values = _actor_clause("target", self.actor, known)
            clauses.append(f"({as_source} OR {as_target})")
            params += source_values + target_values
        if self.dyad:
            first, second = (code.upper() for code in self.dyad)
            pair = "(source_country = ? AND target_country = ?)"
            clauses.append(f"({pair} OR {pair})")
            params += [first, second, second, first]
        simple: tuple[tuple[str, object], ...] = (
            ("starts_with(cameo, ?)", self.cameo),
            ("root = ?", self.root),
            ("plover_type = ?", self.plover and self.plover.upper()),
            ("quad_class = ?", self.quad_class),
            ("date >= ?", self.since),
            ("date <= ?", self.until),
            ("location_country = ?", self.location_country and self.location_country.upper()),
            ("event_id < ?", self.before_id),
        )
        for test, given in simple:
            if given:
                clauses.append(test)
                params.append(given)
        if self.text:
            clauses.append(
                "event_id IN (SELECT event_id FROM mentions WHERE sentence ILIKE ? ESCAPE '\\')"
            )
            params.append("%" + re.sub(r"([%_\\])", r"\\\1", self.text) + "%")
        return (" AND ".join(clauses) or "TRUE"), params


def _actor_clause(role: str, value: str, known: ActorValues | None) -> tuple[str, list[str]]:
    """Code, country, sector, organisation or name (case-insensitive)."""
    tests: list[str] = []
    for field in ACTOR_FIELDS:
        column = f"{role}_{field}"
        if known is not None and not known.may_hold(column, value):
            continue
        tests.append(f"lower({column}) = lower(?)" if field == "name" else f"{column} = upper(?)")
    return ("(" + " OR ".join(tests) + ")" if tests else "FALSE"), [value] * len(tests)


@dataclass(frozen=True, slots=True)
class ActorValues:
    """The distinct values of each actor column, names lower-cased.

    Testing an actor against ten columns is most of the cost of an actor query on a large store;
    a column that never holds the value cannot match, so leaving it out finds the same rows.
    A long-running reader (the HTTP server) reads these once per version of the store.
    """

    columns: dict[str, frozenset[str]]

    @classmethod
    def read(cls, store: Readable) -> ActorValues:
        columns = {}
        for role in ("source", "target"):
            for field in ACTOR_FIELDS:
                column = f"{role}_{field}"
                shown = f"lower({column})" if field == "name" else column
                rows = store._db.execute(
                    f"SELECT DISTINCT {shown} FROM events WHERE {column} IS NOT NULL"
                ).fetchall()
                columns[column] = frozenset(row[0] for row in rows)
        return cls(columns)

    def may_hold(self, column: str, value: str) -> bool:
        wanted = value.lower() if column.endswith("_name") else value.upper()
        return wanted in self.columns[column]


@dataclass(frozen=True, slots=True)
class EventRow:
    event_id: int
    date: dt.date | None
    cameo: str
    root: str
    quad_class: int
    goldstein: float
    plover_type: str | None
    source_code: str | None
    source_name: str | None
    target_code: str | None
    target_name: str | None
    location_name: str | None
    location_country: str | None
    num_mentions: int
    num_articles: int
    num_sources: int
    confidence: float
    sentence: str | None


def parse_dyad(value: str) -> tuple[str, str]:
    """Two countries as 'RUS,UKR', 'RUS-UKR' or 'RUS UKR'; names with spaces need the comma."""
    separator = next((s for s in (",", "-") if s in value), None)
    codes = [c.strip() for c in value.split(separator) if c.strip()]
    if len(codes) != 2:
        raise QueryError(f"dyad {value!r}: give two ISO-3 country codes, e.g. RUS,UKR")
    return codes[0], codes[1]


def parse_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name} {value!r}: give a date as YYYY-MM-DD") from None


def events(
    store: Readable,
    where: EventFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str = "date",
    descending: bool = True,
) -> list[EventRow]:
    sql, params = _events_sql(
        where,
        limit=limit,
        offset=offset,
        sort=sort,
        descending=descending,
        known=store.actor_values,
    )
    return [EventRow(*row) for row in store._db.execute(sql, params).fetchall()]


def _events_sql(
    where: EventFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str = "date",
    descending: bool = True,
    known: ActorValues | None = None,
) -> tuple[str, list[Any]]:
    if sort not in SORTABLE:
        raise QueryError(f"sort column {sort!r} is unknown; use one of {', '.join(SORTABLE)}")
    if limit < 1 or offset < 0:
        raise QueryError("limit must be at least 1 and offset at least 0")
    clause, params = where.where(known)
    columns = ", ".join(PAGE_COLUMNS)
    order = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {columns} FROM events WHERE {clause} "
        f"ORDER BY {sort} {order} NULLS LAST, event_id LIMIT ? OFFSET ?"
    )
    return sql, [*params, limit, offset]


@dataclass(frozen=True, slots=True)
class DyadRow:
    period: dt.date
    events: int
    verbal_cooperation: int
    material_cooperation: int
    verbal_conflict: int
    material_conflict: int
    goldstein_mean: float
    goldstein_sum: float
    conflict_share: float


def series(store: Readable, where: EventFilter, *, freq: str = "month") -> list[DyadRow]:
    """Counts by quad class, Goldstein mean and sum, share of conflict, per period."""
    if freq not in FREQUENCIES:
        raise QueryError(f"frequency {freq!r}: use day, week, month or year")
    clause, params = where.where(store.actor_values)
    sql = f"""
        SELECT CAST(date_trunc('{FREQUENCIES[freq]}', date) AS DATE) AS period, count(*),
               count(*) FILTER (WHERE quad_class = 1), count(*) FILTER (WHERE quad_class = 2),
               count(*) FILTER (WHERE quad_class = 3), count(*) FILTER (WHERE quad_class = 4),
               round(avg(goldstein), 3), round(sum(goldstein), 3),
               round(count(*) FILTER (WHERE quad_class >= 3) / count(*), 3)
        FROM events WHERE date IS NOT NULL AND {clause}
        GROUP BY period ORDER BY period"""
    return [DyadRow(row[0], *row[1:]) for row in store._db.execute(sql, params).fetchall()]


def dyad(
    store: Readable,
    first: str,
    second: str,
    *,
    freq: str = "month",
    where: EventFilter | None = None,
) -> list[DyadRow]:
    """The series of events between two countries, either way round."""
    return series(store, replace(where or EventFilter(), dyad=(first, second)), freq=freq)


@dataclass(frozen=True, slots=True)
class ActorRow:
    code: str
    events: int
    as_source: int
    as_target: int
    goldstein_mean: float


def top_actors(
    store: Readable, *, top: int = 20, where: EventFilter | None = None
) -> list[ActorRow]:
    if top < 1:
        raise QueryError("top must be at least 1")
    clause, params = (where or EventFilter()).where(store.actor_values)
    sql = f"""
        WITH sides AS (
            SELECT source_code AS code, 1 AS src, 0 AS tgt, goldstein FROM events
            WHERE source_code IS NOT NULL AND {clause}
            UNION ALL
            SELECT target_code, 0, 1, goldstein FROM events
            WHERE target_code IS NOT NULL AND {clause})
        SELECT code, count(*), sum(src), sum(tgt), round(avg(goldstein), 3)
        FROM sides GROUP BY code ORDER BY count(*) DESC, code LIMIT ?"""
    rows = store._db.execute(sql, params + params + [top]).fetchall()
    return [ActorRow(*row) for row in rows]


# Events, cooperation (quad 1-2), conflict (quad 3-4), mean Goldstein: the balance of a group.
_BALANCE = (
    "count(*), count(*) FILTER (WHERE quad_class <= 2), "
    "count(*) FILTER (WHERE quad_class >= 3), round(avg(goldstein), 3)"
)


@dataclass(frozen=True, slots=True)
class PlaceRow:
    name: str
    country: str | None
    latitude: float
    longitude: float
    events: int
    cooperation: int
    conflict: int
    goldstein_mean: float
    geonames_id: int | None


def places(store: Readable, where: EventFilter, *, top: int = 300) -> list[PlaceRow]:
    """Where the filtered events happened, one row per place, busiest first.

    A place is its gazetteer id (our own regions, seas and sites have none: name and country),
    never its name alone: Geneva in Switzerland and Geneva in Illinois are two points."""
    clause, params = where.where(store.actor_values)
    sql = f"""
        SELECT location_name, location_country, round(any_value(latitude), 4),
               round(any_value(longitude), 4), {_BALANCE}, geonames_id
        FROM events WHERE latitude IS NOT NULL AND {clause}
        GROUP BY geonames_id, location_name, location_country
        ORDER BY count(*) DESC, location_name, location_country LIMIT ?"""
    return [PlaceRow(*row) for row in store._db.execute(sql, [*params, top]).fetchall()]


@dataclass(frozen=True, slots=True)
class EdgeRow:
    source: str
    target: str
    events: int
    cooperation: int
    conflict: int
    goldstein_mean: float


def network(store: Readable, where: EventFilter, *, top: int = 60) -> list[EdgeRow]:
    """Who acts on whom, by country (or actor code for actors with none), heaviest first."""
    clause, params = where.where(store.actor_values)
    sql = f"""
        SELECT coalesce(source_country, source_code) AS s,
               coalesce(target_country, target_code) AS t, {_BALANCE}
        FROM events WHERE s IS NOT NULL AND t IS NOT NULL AND s <> t AND {clause}
        GROUP BY s, t ORDER BY count(*) DESC, s, t LIMIT ?"""
    return [EdgeRow(*row) for row in store._db.execute(sql, [*params, top]).fetchall()]


@dataclass(frozen=True, slots=True)
class Mark:
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    trigger: str
    source_text: str | None
    target_text: str | None
    rule: str | None
    attributed_to: str | None
    modality: str | None
    disputed: bool
    marks: list[Mark]


def evidence(store: Readable, event_ids: list[int]) -> dict[int, Evidence]:
    """The most confident mention of each event, with its words marked in the sentence."""
    if not event_ids:
        return {}
    sql = """
        SELECT event_id, sentence, trigger, source_text, target_text, rule, attributed_to,
               modality, coalesce(disputed, false)
        FROM mentions WHERE event_id IN (SELECT unnest(?))
        QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY confidence DESC) = 1"""
    found = {}
    for event_id, *cells in store._db.execute(sql, [list(event_ids)]).fetchall():
        sentence, trigger, source_text, target_text, rule, attributed_to, modality, disputed = cells
        found[event_id] = Evidence(
            sentence,
            trigger,
            source_text,
            target_text,
            rule,
            attributed_to,
            modality,
            disputed,
            marks=mark_sentence(sentence, source_text, trigger, target_text),
        )
    return found


def mark_sentence(
    sentence: str, source_text: str | None, trigger: str, target_text: str | None
) -> list[Mark]:
    """Where the trigger, source and target stand in the sentence (the store keeps their words).

    The trigger is found first; the source is looked for before it and the target after it,
    so that a repeated name ("Russia ... accused Russia") is marked in its role.
    """
    marks: list[Mark] = []
    at = sentence.find(trigger) if trigger else -1
    if at >= 0:
        marks.append(Mark("trigger", at, at + len(trigger)))
    for kind, words in (("source", source_text), ("target", target_text)):
        if not words:
            continue
        spot = _place_words(sentence, words, at, before=kind == "source", taken=marks)
        if spot is not None:
            marks.append(Mark(kind, spot, spot + len(words)))
    return sorted(marks, key=lambda m: m.start)


def _place_words(
    sentence: str, words: str, trigger_at: int, *, before: bool, taken: list[Mark]
) -> int | None:
    starts = [m.start() for m in re.finditer(re.escape(words), sentence)]
    free = [s for s in starts if all(s + len(words) <= m.start or s >= m.end for m in taken)]
    if not free:
        return None
    if trigger_at < 0:
        return free[0]
    side = [s for s in free if (s < trigger_at) == before]
    if side:
        return side[-1] if before else side[0]
    return free[0]


def stats(store: Readable) -> dict[str, Any]:
    """What the store holds, for `tocsin stats`."""

    def one(sql: str) -> Any:
        return scalar(store._db, sql)

    def groups(sql: str) -> dict[Any, int]:
        return dict(store._db.execute(sql).fetchall())

    return {
        "articles": one("SELECT count(*) FROM articles"),
        "near-duplicate articles": one(
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
        ),
        "events": one("SELECT count(*) FROM events"),
        "mentions": one("SELECT count(*) FROM mentions"),
        "quotes": one("SELECT count(*) FROM quotes"),
        "first event": one("SELECT min(date) FROM events"),
        "last event": one("SELECT max(date) FROM events"),
        "events by quad class": groups(
            "SELECT quad_class, count(*) FROM events GROUP BY 1 ORDER BY 1"
        ),
        "events by PLOVER type": groups(
            "SELECT coalesce(plover_type, '-'), count(*) FROM events GROUP BY 1 ORDER BY 2 DESC"
        ),
        # 'version knowledge-hash'; articles stored before schema v3 show as 'unknown'
        "articles by coder": groups(
            f"SELECT {_CODER}, count(*) FROM articles GROUP BY 1 ORDER BY 1"
        ),
        "events by coder": groups(
            f"""SELECT {_CODER}, count(DISTINCT m.event_id)
                FROM mentions m JOIN articles a USING (article_key) GROUP BY 1 ORDER BY 1"""
        ),
    }


_CODER = "coalesce(coder_version, 'unknown') || ' ' || coalesce(knowledge_hash, 'unknown')"


def count_events(store: Readable, where: EventFilter | None = None) -> int:
    """How many events the store holds (the health check's one cheap number), or how many
    a filter finds (what a page is a page of)."""
    if where is None:
        return int(scalar(store._db, "SELECT count(*) FROM events"))
    clause, params = where.where(store.actor_values)
    row = store._db.execute(f"SELECT count(*) FROM events WHERE {clause}", params).fetchone()
    return int(row[0]) if row else 0


def event_detail(store: Readable, event_id: int) -> dict[str, Any] | None:
    """One event with every mention: the evidence sentence, article, offsets, rule."""
    cursor = store._db.execute("SELECT * FROM events WHERE event_id = ?", [event_id])
    row = cursor.fetchone()
    if row is None:
        return None
    event = dict(zip([d[0] for d in cursor.description], row, strict=True))
    cursor = store._db.execute(
        "SELECT m.*, a.title, a.url, a.published FROM mentions m JOIN articles a "
        "USING (article_key) WHERE event_id = ? ORDER BY a.published, m.sentence_index",
        [event_id],
    )
    names = [d[0] for d in cursor.description]
    event["mentions"] = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    return event


def article(store: Readable, article_key: str) -> dict[str, Any] | None:
    cursor = store._db.execute(
        "SELECT article_key, article_id, url, title, source, published, dateline, text, "
        "duplicate_of FROM articles WHERE article_key = ?",
        [article_key],
    )
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None
