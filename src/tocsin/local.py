"""One writer: while `tocsin serve` holds a store, the CLI's commands on that store go through
the server.

DuckDB lets one process open a file for writing and no other process open it at all meanwhile.
So a server writes `<store>.server.json` beside the store (mode 0600: its address, its pid and
a random key) and removes it when it stops. A command given that store finds the file, checks
that the process lives and answers, and then hands its work to the server's `/api/v1/local/`
endpoints with the key: ingest (the articles as the CLI read them), recode, the store's
queries (rows as the library returns them) and exports (written by the server to the file
the command names). A file left by a server that died is ignored. Only someone who can read
the file (its owner) has the key.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Forbidden, QueryError, StoreError
from .model import Article
from .storage.query import EventFilter

if TYPE_CHECKING:
    from fastapi import Request

KEY_HEADER = "X-Tocsin-Local-Key"
BATCH = 16  # articles sent in one request: a few seconds of the server's coding
BATCH_CHARS = 4_000_000  # and at most this much text (the server takes 64 MB from its own)


def server_file(db: Path) -> Path:
    return db.with_name(db.name + ".server.json")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def announce(db: Path, url: str, key: str) -> Path:
    """Write the server file (owner-only), the server's address and key in it."""
    path = server_file(db)
    record = {"url": url, "pid": os.getpid(), "key": key, "db": str(db.resolve())}
    partial = path.with_name(path.name + ".partial")
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(record, stream)
    partial.replace(path)
    return path


def withdraw(path: Path, key: str) -> None:
    """Remove the server file, unless another server has written its own since."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("key") == key:
            path.unlink()
    except (OSError, ValueError):
        pass


@dataclass(frozen=True, slots=True)
class LocalServer:
    """A running server holding a store, as its file describes it."""

    url: str
    pid: int
    key: str

    def call(self, action: str, payload: dict[str, Any], *, timeout: float | None = None) -> Any:
        """POST to the server's local endpoint; its error becomes a StoreError naming it."""
        import httpx

        try:
            response = httpx.post(
                f"{self.url}/api/v1/local/{action}",
                json=payload,
                headers={KEY_HEADER: self.key},
                timeout=timeout,
                trust_env=False,
            )
        except httpx.HTTPError as exc:
            raise StoreError(f"the server at {self.url} (pid {self.pid}) failed: {exc}") from None
        body = response.json() if response.content else {}
        if response.status_code == 400:
            raise QueryError(str(body.get("error")))
        if response.status_code != 200:
            raise StoreError(f"the server at {self.url} (pid {self.pid}): {body.get('error')}")
        return body


def find_server(db: Path) -> LocalServer | None:
    """The live server holding `db`, or None (no file, or one left by a dead server)."""
    path = server_file(db)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        found = LocalServer(str(record["url"]), int(record["pid"]), str(record["key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(found.pid) or not _answers(found):
        return None
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(server: LocalServer) -> bool:
    import httpx

    try:
        return httpx.get(f"{server.url}/api/v1/health", timeout=3, trust_env=False).is_success
    except httpx.HTTPError:
        return False


# --- what goes over the wire -----------------------------------------------------------------


def article_record(article: Article) -> dict[str, Any]:
    record = asdict(article)
    for name in ("published", "updated"):
        if record[name] is not None:
            record[name] = record[name].isoformat()
    record["agencies"] = list(article.agencies)
    return record


def article_from_record(record: dict[str, Any]) -> Article:
    """An article as the CLI read it: not parsed again, so it is stored as a direct ingest
    would store it."""
    known = {f.name for f in fields(Article)}
    values = {k: v for k, v in record.items() if k in known}
    for name in ("published", "updated"):
        if values.get(name):
            values[name] = dt.datetime.fromisoformat(values[name])
    values["agencies"] = tuple(values.get("agencies") or ())
    return Article(**values)


def filter_record(where: EventFilter) -> dict[str, Any]:
    record = asdict(where)
    for name in ("since", "until"):
        if record[name] is not None:
            record[name] = record[name].isoformat()
    return record


def filter_from_record(record: dict[str, Any] | None) -> EventFilter:
    values = dict(record or {})
    for name in ("since", "until"):
        if values.get(name):
            values[name] = dt.date.fromisoformat(values[name])
    if values.get("dyad"):
        values["dyad"] = tuple(values["dyad"])
    return EventFilter(**values)


def batches(articles: Iterable[Article]) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for article in articles:
        if batch and size + len(article.text) > BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(article_record(article))
        size += len(article.text)
        if len(batch) >= BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def check_key(request: Request, key: str | None) -> None:
    given = request.headers.get(KEY_HEADER, "")
    if not key or not hmac.compare_digest(given.encode(), key.encode()):
        raise Forbidden("the local endpoints need the key from the store's server file")
