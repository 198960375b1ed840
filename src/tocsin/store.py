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
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import StoreError
from .model import CodedArticle, Event

if TYPE_CHECKING:
    import duckdb
    from datasketch import MinHash, MinHashLSH

SCHEMA_VERSION = 2
NUM_PERM = 64
MINHASH_SCHEME = "affine32"  # stored signatures are only comparable within one scheme
SHINGLE = 5
LSH_THRESHOLD = 0.5
DUPLICATE_JACCARD = 0.6
DUPLICATE_CONTAINMENT = 0.8
DEFAULT_MERGE_WINDOW = 1

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE articles (
            article_key VARCHAR PRIMARY KEY, article_id VARCHAR, url VARCHAR, title VARCHAR,
            source VARCHAR, published TIMESTAMP, dateline VARCHAR, agencies VARCHAR,
            text VARCHAR, duplicate_of VARCHAR, ingested_at TIMESTAMP, event_count INTEGER)""",
        "CREATE TABLE signatures (article_key VARCHAR PRIMARY KEY, minhash BLOB)",
        "CREATE SEQUENCE event_ids START 1",
        """CREATE TABLE events (
            event_id BIGINT PRIMARY KEY, date DATE, cameo VARCHAR, base_code VARCHAR,
            root VARCHAR, quad_class TINYINT, goldstein DOUBLE, plover_type VARCHAR,
            plover_mode VARCHAR, plover_context VARCHAR,
            source_code VARCHAR, source_country VARCHAR, source_sector VARCHAR,
            source_org VARCHAR, source_name VARCHAR,
            target_code VARCHAR, target_country VARCHAR, target_sector VARCHAR,
            target_org VARCHAR, target_name VARCHAR, is_symmetric BOOLEAN,
            location_name VARCHAR, location_country VARCHAR, location_region VARCHAR,
            location_kind VARCHAR, latitude DOUBLE, longitude DOUBLE, geonames_id BIGINT,
            num_mentions INTEGER, num_articles INTEGER, num_sources INTEGER,
            confidence DOUBLE, first_seen TIMESTAMP, last_seen TIMESTAMP, source_url VARCHAR)""",
        """CREATE TABLE mentions (
            event_id BIGINT, article_key VARCHAR, sentence_index INTEGER, sentence VARCHAR,
            trigger VARCHAR, trigger_start INTEGER, trigger_end INTEGER, source_text VARCHAR,
            target_text VARCHAR, confidence DOUBLE, modality VARCHAR, rule VARCHAR,
            date_basis VARCHAR, location_basis VARCHAR, attributed_to VARCHAR,
            disputed BOOLEAN, disputed_by VARCHAR)""",
        """CREATE TABLE quotes (
            article_key VARCHAR, kind VARCHAR, text VARCHAR, start_char INTEGER,
            end_char INTEGER, speaker_code VARCHAR, speaker_country VARCHAR,
            speaker_name VARCHAR, speaker_text VARCHAR, verb VARCHAR, disputed BOOLEAN)""",
        "CREATE INDEX events_merge ON events (base_code, source_code, target_code, date)",
        "CREATE INDEX events_dyad ON events (source_country, target_country, date)",
        "CREATE INDEX events_date ON events (date)",
        "CREATE INDEX mentions_event ON mentions (event_id)",
        "CREATE INDEX articles_url ON articles (url)",
    ],
    # v2: each event keeps its best evidence sentence, so pages of events need no subquery.
    2: [
        "ALTER TABLE events ADD COLUMN sentence VARCHAR",
        """UPDATE events SET sentence = (
            SELECT arg_max(m.sentence, m.confidence) FROM mentions m
            WHERE m.event_id = events.event_id)""",
    ],
}


@dataclass(slots=True)
class IngestSummary:
    new: int = 0
    known: int = 0
    duplicates: int = 0
    failed: int = 0
    events_new: int = 0
    events_merged: int = 0
    problems: list[str] = field(default_factory=list)


class Store:
    """A DuckDB event store. Use as a context manager; `read_only` never writes."""

    def __init__(
        self, path: Path | str, *, read_only: bool = False, merge_window: int = DEFAULT_MERGE_WINDOW
    ) -> None:
        import duckdb

        self.path = Path(path)
        self.merge_window = merge_window
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such database; create it with 'tocsin ingest'")
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a database file")
        try:
            self.db: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path}: not a readable tocsin database ({_first_line(exc)})"
            ) from None
        try:
            self._check_schema(read_only=read_only)
        except Exception:
            self.db.close()
            raise
        self._lsh: MinHashLSH | None = None
        self._lookup = self.db.cursor()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._lookup.close()
        self.db.close()

    # --- schema ---------------------------------------------------------------------------

    def _check_schema(self, *, read_only: bool) -> None:
        import duckdb

        tables = {
            row[0]
            for row in self.db.execute(
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
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
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
                    self.db.execute(statement)
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- ingest ---------------------------------------------------------------------------

    def is_known(self, key: str, url: str | None) -> bool:
        """Safe to call from another thread (the reader feeding worker processes)."""
        return _known(self._lookup, key, url)

    def ingest(
        self, coded_articles: Iterable[CodedArticle], summary: IngestSummary | None = None
    ) -> IngestSummary:
        """Store each article with its events, mentions and quotes; one transaction each."""
        summary = summary or IngestSummary()
        for coded in coded_articles:
            self.add(coded, summary)
        return summary

    def add(self, coded: CodedArticle, summary: IngestSummary) -> None:
        article = coded.article
        key = content_key(article.text)
        if _known(self.db, key, article.url):
            summary.known += 1
            return
        signature = minhash(article.text)
        duplicate_of = self._near_duplicate(article.text, signature)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self._transaction():
            self.db.execute(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    key,
                    article.id,
                    article.url,
                    article.title,
                    article.source,
                    _naive(article.published),
                    article.dateline,
                    ", ".join(article.agencies),
                    article.text,
                    duplicate_of,
                    now,
                    len(coded.events),
                ],
            )
            self.db.execute(
                "INSERT INTO signatures VALUES (?, ?)",
                [key, signature.hashvalues.astype("uint64").tobytes()],
            )
            for event in coded.events:
                merged = self._add_event(event, key, article.url, now)
                summary.events_merged += merged
                summary.events_new += not merged
            for quote in coded.quotes:
                speaker = quote.speaker
                self.db.execute(
                    "INSERT INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        key,
                        quote.kind.value,
                        quote.text,
                        quote.span.start,
                        quote.span.end,
                        speaker and speaker.code,
                        speaker and speaker.country,
                        speaker and speaker.name,
                        speaker and speaker.text,
                        quote.verb,
                        quote.disputed,
                    ],
                )
        self._index(key, signature)
        summary.new += 1
        summary.duplicates += duplicate_of is not None

    def _add_event(self, event: Event, key: str, url: str | None, now: dt.datetime) -> bool:
        """Add a mention to a matching event, or a new event; True when merged."""
        event_id = self._matching_event(event)
        merged = event_id is not None
        if event_id is None:
            event_id = self.db.execute("SELECT nextval('event_ids')").fetchone()[0]
            self._insert_event(event_id, event, url, now)
        self._insert_mention(event_id, event, key)
        self._refresh_counts(event_id, now)
        return merged

    def _matching_event(self, event: Event) -> int | None:
        if event.date is None:
            return None
        source, target = event.source.code, event.target.code if event.target else None
        row = self.db.execute(
            """SELECT event_id FROM events
               WHERE base_code = ? AND abs(date_diff('day', date, ?)) <= ?
                 AND ((source_code IS NOT DISTINCT FROM ? AND target_code IS NOT DISTINCT FROM ?)
                      OR (is_symmetric AND source_code IS NOT DISTINCT FROM ?
                          AND target_code IS NOT DISTINCT FROM ?))
               ORDER BY abs(date_diff('day', date, ?)), event_id LIMIT 1""",
            [
                event.cameo[:3],
                event.date,
                self.merge_window,
                source,
                target,
                target,
                source,
                event.date,
            ],
        ).fetchone()
        return row[0] if row else None

    def _insert_event(self, event_id: int, event: Event, url: str | None, now: dt.datetime) -> None:
        s, t, loc = event.source, event.target, event.location
        self.db.execute(
            "INSERT INTO events VALUES (" + ", ".join(["?"] * 36) + ")",
            [
                event_id,
                event.date,
                event.cameo,
                event.cameo[:3],
                event.root,
                int(event.quad_class),
                event.goldstein,
                event.plover.type,
                event.plover.mode,
                event.plover.context,
                s.code,
                s.country,
                s.sector,
                s.org,
                s.name,
                t and t.code,
                t and t.country,
                t and t.sector,
                t and t.org,
                t and t.name,
                event.symmetric,
                loc and loc.name,
                loc and loc.country,
                loc and loc.region,
                loc and loc.kind,
                loc and loc.latitude,
                loc and loc.longitude,
                loc and loc.geonames_id,
                0,
                0,
                0,
                event.confidence,
                now,
                now,
                url,
                event.sentence,
            ],
        )

    def _insert_mention(self, event_id: int, event: Event, key: str) -> None:
        self.db.execute(
            "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event_id,
                key,
                event.sentence_index,
                event.sentence,
                event.trigger.text,
                event.trigger.span.start,
                event.trigger.span.end,
                event.source.text,
                event.target.text if event.target else None,
                event.confidence,
                event.modality.value,
                event.rule,
                event.date_basis.value if event.date_basis else None,
                event.location_basis.value if event.location_basis else None,
                event.attributed_to.text if event.attributed_to else None,
                event.disputed,
                "; ".join(a.text for a in event.disputed_by) or None,
            ],
        )

    def _refresh_counts(self, event_id: int, now: dt.datetime) -> None:
        """Mentions, distinct articles (near-duplicates count once) and distinct sources."""
        self.db.execute(
            """UPDATE events SET
                 num_mentions = m.mentions, num_articles = m.articles,
                 num_sources = m.sources, confidence = m.confidence, last_seen = ?,
                 sentence = m.sentence
               FROM (SELECT count(*) AS mentions,
                            count(DISTINCT coalesce(a.duplicate_of, a.article_key)) AS articles,
                            count(DISTINCT coalesce(a.source, a.agencies, a.article_key))
                              AS sources,
                            max(mn.confidence) AS confidence,
                            arg_max(mn.sentence, mn.confidence) AS sentence
                     FROM mentions mn JOIN articles a USING (article_key)
                     WHERE mn.event_id = ?) AS m
               WHERE events.event_id = ?""",
            [now, event_id, event_id],
        )

    # --- near-duplicates ------------------------------------------------------------------

    def _near_duplicate(self, text: str, signature: MinHash) -> str | None:
        lsh = self._index_loaded()
        best: tuple[float, str] | None = None
        words = shingles(text)
        for candidate in lsh.query(signature):
            row = self.db.execute(
                "SELECT text, coalesce(duplicate_of, article_key) FROM articles "
                "WHERE article_key = ?",
                [candidate],
            ).fetchone()
            if row is None:
                continue
            other = shingles(row[0])
            common = len(words & other)
            jaccard = common / max(len(words | other), 1)
            containment = common / max(min(len(words), len(other)), 1)
            if jaccard >= DUPLICATE_JACCARD or containment >= DUPLICATE_CONTAINMENT:
                score = max(jaccard, containment)
                if best is None or score > best[0]:
                    best = (score, row[1])
        return best[1] if best else None

    def _index_loaded(self) -> MinHashLSH:
        if self._lsh is None:
            import numpy as np
            from datasketch import MinHash, MinHashLSH

            self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
            for key, blob in self.db.execute(
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


def content_key(text: str) -> str:
    """The article's identity: a hash of its words, so whitespace edits do not make it new."""
    normal = " ".join(re.findall(r"\w+", text.lower()))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1))}


def minhash(text: str) -> MinHash:
    from datasketch import MinHash

    signature = MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME)
    signature.update_batch([s.encode("utf-8") for s in shingles(text)])
    return signature


def _naive(stamp: dt.datetime | None) -> dt.datetime | None:
    if stamp is None or stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
