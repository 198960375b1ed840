"""The event store: coded articles, merged events and every mention, in one DuckDB file.

An article is known by a hash of its text (and by its URL when it has one), so ingesting the same
corpus twice adds nothing. Each article is written in one transaction: an interrupted ingest
loses no committed article and leaves no half-written one. Near-duplicate articles (the same
wire story republished with small edits) are linked by MinHash/LSH, and count once.

Events reported by several articles are merged into one row (same CAMEO base code, same source
and target actor codes, dates at most `merge_window` days apart; swapped actors also match for
symmetric events), keeping every mention, and the counts are kept current as articles arrive.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..model import Article, CodedArticle, CoderStamp, Event
from .rules import (
    DEFAULT_MERGE_WINDOW,
    LSH_THRESHOLD,
    MINHASH_SCHEME,
    NUM_PERM,
    EventKeys,
    article_order,
    content_key,
    merge_into,
    minhash,
    original,
    resemblance,
    shingles,
)
from .schema import ARTICLES, EVENTS, MENTIONS, MIGRATIONS, QUOTES, SCHEMA_VERSION

if TYPE_CHECKING:
    import duckdb
    from datasketch import MinHash, MinHashLSH

    from .query import ActorValues

LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one coded article did."""

    known: bool = False  # the store already held it: nothing was written
    duplicate: bool = False  # a near-duplicate of an article it held
    events_new: int = 0
    events_merged: int = 0


@dataclass(slots=True)
class IngestSummary:
    """What an ingest did (`tocsin ingest`, `POST /api/v1/ingest`, loading a Spark output),
    counted as it goes."""

    new: int = 0
    known: int = 0
    duplicates: int = 0
    events_new: int = 0
    events_merged: int = 0

    def count(self, stored: Stored) -> None:
        if stored.known:
            self.known += 1
            return
        self.new += 1
        self.duplicates += stored.duplicate
        self.events_new += stored.events_new
        self.events_merged += stored.events_merged


class Store:
    """A DuckDB event store. Use as a context manager; `read_only` never writes."""

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        merge_window: int = DEFAULT_MERGE_WINDOW,
        threads: int | None = None,
    ) -> None:
        import duckdb

        self.path = Path(path)
        self.merge_window = merge_window
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such database; create it with 'tocsin ingest'")
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a database file")
        if not read_only:
            _check_writable(self.path)
        try:
            self._db: duckdb.DuckDBPyConnection = duckdb.connect(
                str(self.path), read_only=read_only
            )
        except duckdb.Error as exc:
            raise StoreError(_open_problem(self.path, exc)) from None
        try:
            self._check_schema(read_only=read_only)
        except Exception:
            self._db.close()
            raise
        if threads is not None:
            self._db.execute(f"SET threads = {int(threads)}")
        self._lsh: MinHashLSH | None = None
        self._lookup = self._db.cursor()
        self.actor_values: ActorValues | None = None

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """A view on a DuckDB cursor of its own, so that concurrent readers do not share one."""
        cursor = self._db.cursor()
        try:
            yield Reader(cursor, self.actor_values)
        finally:
            cursor.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._lookup.close()
        self._db.close()

    # --- schema ---------------------------------------------------------------------------

    def _check_schema(self, *, read_only: bool) -> None:
        import duckdb

        tables = {
            row[0]
            for row in self._db.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{self.path}: a DuckDB file, but not a tocsin database")
            if read_only:
                raise StoreError(f"{self.path}: empty database; create it with 'tocsin ingest'")
            self._migrate(0)
            return
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: unreadable metadata ({_first_line(exc)})") from None
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer tocsin (schema v{version}, this one reads up to "
                f"v{SCHEMA_VERSION}); upgrade tocsin"
            )
        if version < SCHEMA_VERSION and not read_only:
            self._migrate(version)

    def _migrate(self, current: int) -> None:
        with self._transaction():
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version]:
                    self._db.execute(statement)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing, for the storage modules that write beside `add` (watch state,
        alerts)."""
        with self._transaction():
            yield

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- storing --------------------------------------------------------------------------

    def is_known(self, article: Article) -> bool:
        """Safe to call from another thread (the reader feeding worker processes)."""
        return _known(self._lookup, content_key(article.text), article.url)

    def add(self, coded: CodedArticle) -> Stored:
        """Store an article with its events, mentions and quotes, in one transaction."""
        article = coded.article
        key = content_key(article.text)
        if _known(self._db, key, article.url):
            return Stored(known=True)
        signature = minhash(article.text)
        duplicate_of = self._near_duplicate(article.text, signature)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        merged = 0
        with self._transaction():
            filled = {
                "article_key": key,
                "duplicate_of": duplicate_of,
                "ingested_at": now,
                "event_count": len(coded.events),
                **_stamp_columns(coded.coded_by),
            }
            self._db.execute(ARTICLES.insert(), ARTICLES.row(article, filled))
            self._db.execute(
                "INSERT INTO signatures VALUES (?, ?)",
                [key, signature.hashvalues.astype("uint64").tobytes()],
            )
            for event in coded.events:
                merged += self._add_event(event, key, article.url, now)
            for quote in coded.quotes:
                self._db.execute(QUOTES.insert(), QUOTES.row(quote, {"article_key": key}))
        self._index(key, signature)
        return Stored(
            duplicate=duplicate_of is not None,
            events_new=len(coded.events) - merged,
            events_merged=merged,
        )

    # --- recoding -------------------------------------------------------------------------

    def count_articles(self, *, coded_by: CoderStamp | None = None, stale: bool = False) -> int:
        """Articles in the store; with `coded_by`, those coded by that coder (or, with `stale`,
        by any other)."""
        if coded_by is None:
            return int(scalar(self._db, "SELECT count(*) FROM articles"))
        where = _STALE if stale else f"NOT ({_STALE})"
        return int(
            scalar(
                self._db,
                f"SELECT count(*) FROM articles WHERE {where}",
                [coded_by.version, coded_by.knowledge],
            )
        )

    def count_events(self) -> int:
        return int(scalar(self._db, "SELECT count(*) FROM events"))

    def stale_articles(self, coded_by: CoderStamp) -> Iterator[Article]:
        """The articles another coder coded, in the order they were stored (so that reports
        merge as they did), read one at a time: safe to consume from another thread."""
        keys = self._db.execute(
            f"SELECT article_key FROM articles WHERE {_STALE} ORDER BY ingested_at, article_key",
            [coded_by.version, coded_by.knowledge],
        ).fetchall()
        columns = ", ".join(_ARTICLE_FIELDS)
        for (key,) in keys:
            row = self._lookup.execute(
                f"SELECT {columns} FROM articles WHERE article_key = ?", [key]
            ).fetchone()
            if row is not None:
                yield _article(row)

    def replace(self, coded: CodedArticle) -> Stored:
        """Replace a stored article's events, mentions and quotes by a new coding of it, in one
        transaction: events only it reported go, events other articles also reported keep
        their other mentions, and the new events merge as an ingest would merge them."""
        key = content_key(coded.article.text)
        row = self._db.execute("SELECT url FROM articles WHERE article_key = ?", [key]).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no stored article {coded.article.id!r} to recode")
        url = row[0]
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        merged = 0
        with self._transaction():
            touched = [
                event_id
                for (event_id,) in self._db.execute(
                    "SELECT DISTINCT event_id FROM mentions WHERE article_key = ?", [key]
                ).fetchall()
            ]
            self._db.execute("DELETE FROM mentions WHERE article_key = ?", [key])
            self._db.execute("DELETE FROM quotes WHERE article_key = ?", [key])
            for event_id in touched:
                if scalar(self._db, "SELECT 1 FROM mentions WHERE event_id = ?", [event_id]):
                    self._refresh_counts(event_id, now)
                else:
                    self._db.execute("DELETE FROM events WHERE event_id = ?", [event_id])
            for event in coded.events:
                merged += self._add_event(event, key, url, now)
            for quote in coded.quotes:
                self._db.execute(QUOTES.insert(), QUOTES.row(quote, {"article_key": key}))
            stamp = _stamp_columns(coded.coded_by)
            self._db.execute(
                "UPDATE articles SET event_count = ?, coder_version = ?, knowledge_hash = ? "
                "WHERE article_key = ?",
                [len(coded.events), stamp["coder_version"], stamp["knowledge_hash"], key],
            )
        return Stored(events_new=len(coded.events) - merged, events_merged=merged)

    def load_events(self, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Bulk-load event rows as they are, unmerged and without articles: for benchmarks over
        synthetic stores. Columns left out stay NULL."""
        unknown = set(columns) - set(EVENTS.names)
        if unknown:
            raise StoreError(f"no event column {sorted(unknown)[0]!r}")
        marks = ", ".join("?" * len(columns))
        with self._transaction():
            self._db.executemany(
                f"INSERT INTO events ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def _add_event(self, event: Event, key: str, url: str | None, now: dt.datetime) -> bool:
        """Add a mention to a matching event, or a new event; True when merged."""
        event_id = self.matching_event(event_keys(event))
        merged = event_id is not None
        if event_id is None:
            event_id = scalar(self._db, "SELECT nextval('event_ids')")
            self._insert_event(event_id, event, url, now)
        self._insert_mention(event_id, event, key)
        self._refresh_counts(event_id, now)
        return merged

    def matching_event(self, report: EventKeys) -> int | None:
        """The stored event a report merges into, by the shared rule (`rules.merge_into`);
        SQL only narrows the candidates to those on the code, actors and days that could."""
        if report.date is None:
            return None
        rows = self._db.execute(
            """SELECT event_id, base_code, source_code, target_code, is_symmetric, date
               FROM events
               WHERE base_code = ? AND abs(date_diff('day', date, ?)) <= ?
                 AND ((source_code IS NOT DISTINCT FROM ? AND target_code IS NOT DISTINCT FROM ?)
                   OR (source_code IS NOT DISTINCT FROM ? AND target_code IS NOT DISTINCT FROM ?))
               ORDER BY event_id""",
            [
                report.base_code,
                report.date,
                self.merge_window,
                report.source,
                report.target,
                report.target,
                report.source,
            ],
        ).fetchall()
        candidates = [EventKeys(*row[1:]) for row in rows]
        found = merge_into(report, candidates, self.merge_window)
        return None if found is None else int(rows[found][0])

    def _insert_event(self, event_id: int, event: Event, url: str | None, now: dt.datetime) -> None:
        filled: dict[str, object] = {
            "event_id": event_id,
            "num_mentions": 0,
            "num_articles": 0,
            "num_sources": 0,
            "first_seen": now,
            "last_seen": now,
            "source_url": url,
        }
        self._db.execute(EVENTS.insert(), EVENTS.row(event, filled))

    def _insert_mention(self, event_id: int, event: Event, key: str) -> None:
        filled = {"event_id": event_id, "article_key": key}
        self._db.execute(MENTIONS.insert(), MENTIONS.row(event, filled))

    def _refresh_counts(self, event_id: int, now: dt.datetime) -> None:
        self.refresh_counts("mn.event_id = ?", [event_id], now)

    def refresh_counts(self, which: str, params: Sequence[object], now: dt.datetime) -> None:
        """Mentions, distinct articles (near-duplicates count once) and distinct sources of the
        events whose mentions `which` (SQL over mentions `mn`) selects; the evidence sentence is
        the surest mention's (the first in text order on a tie, so that it does not depend on
        the order reports arrived in)."""
        self._db.execute(
            f"""UPDATE events SET
                 num_mentions = m.mentions, num_articles = m.articles,
                 num_sources = m.sources, confidence = m.confidence, last_seen = ?,
                 sentence = m.sentence
               FROM (SELECT mn.event_id,
                            count(*) AS mentions,
                            count(DISTINCT coalesce(a.duplicate_of, a.article_key)) AS articles,
                            count(DISTINCT coalesce(a.source, a.agencies, a.article_key))
                              AS sources,
                            max(mn.confidence) AS confidence,
                            first(mn.sentence ORDER BY mn.confidence DESC, mn.sentence)
                              AS sentence
                     FROM mentions mn JOIN articles a USING (article_key)
                     WHERE {which} GROUP BY mn.event_id) AS m
               WHERE events.event_id = m.event_id""",
            [now, *params],
        )

    # --- near-duplicates ------------------------------------------------------------------

    def _near_duplicate(self, text: str, signature: MinHash) -> str | None:
        """The article this one repeats (as `rules.original` picks it among those LSH
        proposes), or None."""
        lsh = self._index_loaded()
        words = shingles(text)
        candidates = []
        for candidate in lsh.query(signature):
            row = self._db.execute(
                "SELECT text, coalesce(duplicate_of, article_key), published, article_id "
                "FROM articles WHERE article_key = ?",
                [candidate],
            ).fetchone()
            if row is None:
                continue
            score = resemblance(words, shingles(row[0]))
            if score is not None:
                candidates.append((score, article_order(row[2], row[3], candidate), row[1]))
        return original(candidates)

    def _index_loaded(self) -> MinHashLSH:
        if self._lsh is None:
            import numpy as np
            from datasketch import MinHash, MinHashLSH

            self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
            for key, blob in self._db.execute(
                "SELECT article_key, minhash FROM signatures"
            ).fetchall():
                values = np.frombuffer(blob, dtype=np.uint64)
                self._lsh.insert(
                    key, MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=MINHASH_SCHEME)
                )
        return self._lsh

    def _index(self, key: str, signature: MinHash) -> None:
        lsh = self._index_loaded()
        if key not in lsh:
            lsh.insert(key, signature)


def _known(connection: duckdb.DuckDBPyConnection, key: str, url: str | None) -> bool:
    row = connection.execute(
        "SELECT 1 FROM articles WHERE article_key = ? OR (? IS NOT NULL AND url = ?) LIMIT 1",
        [key, url, url],
    ).fetchone()
    return row is not None


_STALE = "coder_version IS DISTINCT FROM ? OR knowledge_hash IS DISTINCT FROM ?"
_ARTICLE_FIELDS = (
    "article_id",
    "text",
    "title",
    "published",
    "agencies",
    "dateline",
    "url",
    "source",
)


def _stamp_columns(stamp: CoderStamp | None) -> dict[str, object]:
    return {
        "coder_version": stamp.version if stamp else None,
        "knowledge_hash": stamp.knowledge if stamp else None,
    }


def _article(row: Sequence[Any]) -> Article:
    """An article as stored: published times are kept in UTC."""
    article_id, text, title, published, agencies, dateline, url, source = row
    return Article(
        id=article_id,
        text=text,
        title=title,
        published=published.replace(tzinfo=dt.UTC) if published is not None else None,
        agencies=tuple(agencies.split(", ")) if agencies else (),
        dateline=dateline,
        url=url,
        source=source,
    )


def scalar(db: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> Any:
    """The one value a query gives: a count, an aggregate, a sequence's next number."""
    row = db.execute(sql, params).fetchone()
    return row[0] if row else None


def event_keys(event: Event) -> EventKeys:
    return EventKeys(
        base_code=event.cameo[:3],
        source=event.source.code,
        target=event.target.code if event.target else None,
        symmetric=event.symmetric,
        date=event.date,
    )


def _check_writable(path: Path) -> None:
    """Refuse a store tocsin could not write before any story is coded: DuckDB writes a
    journal beside the file, so its folder must be writable too."""
    folder = path.parent
    if not folder.is_dir():
        raise StoreError(f"{path}: no folder {folder}; create it first")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(f"{path}: not writable (DuckDB writes its journal in {folder})")


def _open_problem(path: Path, exc: Exception) -> str:
    """Why DuckDB would not open a store; a lock held elsewhere is named with its process."""
    message = _first_line(exc)
    held = LOCK_HOLDER.search(message)
    if held:
        program, pid = held.group(1), held.group(2)
        return (
            f"{path}: in use by another process ({Path(program).name}, pid {pid}); wait or stop it"
        )
    return f"{path}: not a readable tocsin database ({message})"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class Reader:
    """What queries run on besides a store: one thread's cursor, and the actor values known."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, actor_values: ActorValues | None) -> None:
        self._db = cursor
        self.actor_values = actor_values
