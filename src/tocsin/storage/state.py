"""What the watcher has seen, kept in the store it feeds: a restarted watcher resumes where it
stopped, and neither fetches nor codes anything twice.

A feed keeps the validators its server sent (ETag, Last-Modified) for the next conditional GET.
A feed item or listed page is known by its key (the feed's GUID, else its link, else a hash of
its words) once it is stored, or once it has failed `GIVE_UP` times. A folder's file is known
by its path, size and modification time: a file that grows is read again, and the articles it
already gave are skipped as any ingest skips them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from ..model import Validators
from .store import Reader, Store

GIVE_UP = 3  # failed attempts after which an item is no longer tried


class ItemStatus(StrEnum):
    STORED = "stored"
    FAILED = "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def validators(store: Store | Reader, url: str) -> Validators:
    row = store._db.execute(
        "SELECT etag, last_modified FROM watch_feeds WHERE url = ?", [url]
    ).fetchone()
    return Validators(row[0], row[1]) if row else Validators()


def keep_validators(store: Store, url: str, found: Validators) -> None:
    store._db.execute(
        "INSERT OR REPLACE INTO watch_feeds VALUES (?, ?, ?, ?)",
        [url, found.etag, found.last_modified, _now()],
    )


def item_done(store: Store | Reader, item_key: str) -> bool:
    """Stored, or tried and failed too often to try again."""
    row = store._db.execute(
        "SELECT status, attempts FROM watch_items WHERE item_key = ?", [item_key]
    ).fetchone()
    return row is not None and (row[0] == ItemStatus.STORED or row[1] >= GIVE_UP)


def url_stored(store: Store | Reader, url: str) -> str | None:
    """The key of the stored article with this URL: an item whose link the store already
    holds (ingested from a file, or listed in another feed) need not be fetched."""
    row = store._db.execute("SELECT article_key FROM articles WHERE url = ? LIMIT 1", [url])
    found = row.fetchone()
    return str(found[0]) if found else None


def mark_stored(
    store: Store, item_key: str, *, source: str, url: str | None, article_key: str | None
) -> None:
    store._db.execute(
        "INSERT OR REPLACE INTO watch_items VALUES (?, ?, ?, ?, ?, "
        "coalesce((SELECT attempts FROM watch_items WHERE item_key = ?), 0) + 1, ?)",
        [item_key, source, url, article_key, ItemStatus.STORED.value, item_key, _now()],
    )


def mark_failed(store: Store, item_key: str, *, source: str, url: str | None) -> int:
    """Count a failed attempt; the attempts so far."""
    store._db.execute(
        "INSERT OR REPLACE INTO watch_items VALUES (?, ?, ?, NULL, ?, "
        "coalesce((SELECT attempts FROM watch_items WHERE item_key = ?), 0) + 1, ?)",
        [item_key, source, url, ItemStatus.FAILED.value, item_key, _now()],
    )
    row = store._db.execute(
        "SELECT attempts FROM watch_items WHERE item_key = ?", [item_key]
    ).fetchone()
    return int(row[0]) if row else 0


def file_seen(store: Store | Reader, path: str, size: int, mtime_ns: int) -> bool:
    row = store._db.execute(
        "SELECT 1 FROM watch_files WHERE path = ? AND size = ? AND mtime_ns = ?",
        [path, size, mtime_ns],
    ).fetchone()
    return row is not None


def mark_file(store: Store, path: str, size: int, mtime_ns: int) -> None:
    store._db.execute(
        "INSERT OR REPLACE INTO watch_files VALUES (?, ?, ?, ?)", [path, size, mtime_ns, _now()]
    )
