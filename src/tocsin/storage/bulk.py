"""Load what a Spark job wrote (`tocsin spark code`) into a store: its Parquet tables of
articles, events, mentions and quotes, already coded and merged.

As with an ingest, an article the store holds (same text or URL) is skipped, so loading twice
adds nothing. Into an empty store the events go as Spark merged them; into a store that holds
events, each Spark event merges, with all its mentions, into a stored event on the same keys
and window (`rules.merge_into`), or is new.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .rules import EventKeys, minhash
from .schema import ARTICLES, EVENTS, MENTIONS, QUOTES, Table
from .store import IngestSummary, Store, scalar

TABLES = ("articles", "events", "mentions", "quotes")


def load_tables(store: Store, folder: Path) -> IngestSummary:
    """Load a Spark output folder into `store`, in one transaction."""
    sources = _sources(folder)
    db = store._db
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    had_events = bool(scalar(db, "SELECT count(*) FROM events"))
    with store._transaction():
        db.execute(
            f"""CREATE OR REPLACE TEMP TABLE incoming AS
                SELECT * FROM {sources["articles"]} a
                WHERE NOT EXISTS (SELECT 1 FROM articles s WHERE s.article_key = a.article_key
                                  OR (a.url IS NOT NULL AND s.url = a.url))"""
        )
        new = int(scalar(db, "SELECT count(*) FROM incoming"))
        known = int(scalar(db, f"SELECT count(*) FROM {sources['articles']}")) - new
        names = ", ".join(ARTICLES.names)
        picked = ", ".join("? AS ingested_at" if n == "ingested_at" else n for n in ARTICLES.names)
        db.execute(f"INSERT INTO articles ({names}) SELECT {picked} FROM incoming", [now])
        signatures = _signatures(store)
        db.execute(
            f"""CREATE OR REPLACE TEMP TABLE arriving AS
                SELECT m.* FROM {sources["mentions"]} m JOIN incoming USING (article_key)"""
        )
        db.execute(
            f"""CREATE OR REPLACE TEMP TABLE reported AS
                SELECT * FROM {sources["events"]}
                WHERE event_id IN (SELECT event_id FROM arriving)"""
        )
        db.execute(
            "CREATE OR REPLACE TEMP TABLE ids (spark_id BIGINT, store_id BIGINT, fresh BOOLEAN)"
        )
        merged = _match(store) if had_events else 0
        _insert_events(store, now)
        columns = ", ".join(MENTIONS.names[2:])
        db.execute(
            f"""INSERT INTO mentions ({", ".join(MENTIONS.names)})
                SELECT ids.store_id, m.article_key, {columns}
                FROM arriving m JOIN ids ON m.event_id = ids.spark_id"""
        )
        store.refresh_counts("mn.event_id IN (SELECT store_id FROM ids)", [], now)
        db.execute(
            f"""INSERT INTO quotes ({", ".join(QUOTES.names)})
                SELECT {", ".join(QUOTES.names)} FROM {sources["quotes"]}
                WHERE article_key IN (SELECT article_key FROM incoming)"""
        )
        duplicates = int(scalar(db, "SELECT count(duplicate_of) FROM incoming"))
        events = int(scalar(db, "SELECT count(*) FROM reported"))
        for table in ("incoming", "arriving", "reported", "ids"):
            db.execute(f"DROP TABLE {table}")
    for key, signature in signatures:
        store._index(key, signature)
    return IngestSummary(new, known, duplicates, events - merged, merged)


def is_spark_output(path: Path) -> bool:
    """Whether `path` is a folder a Spark job wrote (it holds the job's `_tocsin` record)."""
    return path.is_dir() and (path / "_tocsin").is_dir()


def _sources(folder: Path) -> dict[str, str]:
    """Each table's Parquet files as a DuckDB table expression (events by day, Hive-style)."""
    found = {}
    for table in TABLES:
        files = folder / table
        if not files.is_dir():
            raise StoreError(f"{folder}: no {table}/ folder; is it the output of tocsin spark?")
        pattern = str(files / "**" / "*.parquet").replace("'", "''")
        hive = (
            ", hive_partitioning = true, hive_types = {'date': DATE}" if table == "events" else ""
        )
        if not any(files.rglob("*.parquet")):
            found[table] = f"(SELECT * FROM {_empty(table)})"
        else:
            found[table] = f"read_parquet('{pattern}'{hive})"
    return found


def _empty(table: str) -> str:
    """A table with no rows, for a job that wrote none (Spark writes no file then)."""
    declared: dict[str, Table[Any]] = {
        "articles": ARTICLES,
        "events": EVENTS,
        "mentions": MENTIONS,
        "quotes": QUOTES,
    }
    cells = ", ".join(f"NULL::{c.sql.split()[0]} AS {c.name}" for c in declared[table].columns)
    return f"(SELECT {cells}) WHERE false"


def _signatures(store: Store) -> list[tuple[str, object]]:
    """MinHash signatures of the new articles, stored for the near-duplicates of later
    ingests."""
    rows = store._db.execute("SELECT article_key, text FROM incoming").fetchall()
    made = [(key, minhash(text)) for key, text in rows]
    if made:
        store._db.executemany(
            "INSERT INTO signatures VALUES (?, ?)",
            [[key, signature.hashvalues.astype("uint64").tobytes()] for key, signature in made],
        )
    return made


def _match(store: Store) -> int:
    """Map each arriving Spark event to the stored event it merges into (temp table `ids`);
    the number mapped."""
    db = store._db
    arriving = db.execute(
        "SELECT event_id, base_code, source_code, target_code, is_symmetric, date "
        "FROM reported ORDER BY date NULLS LAST, event_id"
    ).fetchall()
    matched = []
    for spark_id, *keys in arriving:
        found = store.matching_event(EventKeys(*keys))
        if found is not None:
            matched.append((spark_id, found, False))
    if matched:
        db.executemany("INSERT INTO ids VALUES (?, ?, ?)", matched)
    return len(matched)


def _insert_events(store: Store, now: dt.datetime) -> None:
    """New store events for the arriving Spark events no stored event took."""
    db = store._db
    db.execute(
        """INSERT INTO ids SELECT event_id, nextval('event_ids'), true FROM (
             SELECT event_id FROM reported WHERE event_id NOT IN (SELECT spark_id FROM ids)
             ORDER BY date NULLS LAST, event_id)"""
    )
    taken = {"event_id": "ids.store_id", "first_seen": "?", "last_seen": "?"}
    cells = ", ".join(taken.get(n, f"e.{n}") for n in EVENTS.names)
    db.execute(
        f"""INSERT INTO events ({", ".join(EVENTS.names)}) SELECT {cells}
            FROM reported e JOIN ids ON e.event_id = ids.spark_id WHERE ids.fresh""",
        [now, now],
    )
