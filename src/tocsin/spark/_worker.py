"""What runs on Spark's executors, in their Python worker processes: reading files into
articles, coding them, and applying the store's rules (`storage.rules`) to groups of rows.

Each function takes and gives Arrow record batches (`mapInArrow`, `applyInArrow`), so rows
cross from the JVM without pickling, and builds plain dicts of the store's columns.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Article, CodedArticle, Limits
from ..stages.read import InputProblem
from ..storage.export import write_gdelt_rows, write_plover_rows
from ..storage.rules import (
    EventKeys,
    content_key,
    merge_reports,
    resemblance,
    shingles,
)
from . import _tables as tables

if TYPE_CHECKING:
    import pyarrow as pa

    from ..pipeline import Coder

CODE_BATCH = 16  # articles parsed together by nlp.pipe
OUT_BATCH = 64  # articles per Arrow batch handed back to Spark: bounds a worker's memory


@dataclass(frozen=True, slots=True)
class CoderSettings:
    """What a worker needs to build the coder the driver asked for; sent with each task."""

    extra_data: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    published: dt.datetime | None = None  # for stories that give no date


# The one piece of process state tocsin keeps, by design: a Spark executor's Python worker
# codes task after task, and loading spaCy and the knowledge takes seconds and hundreds of
# megabytes, so each worker process builds its coder once, on first use, and keeps it.
_CODERS: dict[CoderSettings, Coder] = {}


def worker_coder(settings: CoderSettings) -> Coder:
    """This worker process's coder for `settings`, built on first use."""
    coder = _CODERS.get(settings)
    if coder is None:
        from ..pipeline import Coder

        coder = Coder(extra_data=map(Path, settings.extra_data), limits=settings.limits)
        _CODERS[settings] = coder
    return coder


# --- reading --------------------------------------------------------------------------------


def read_files(batches: Iterable[pa.RecordBatch], settings: CoderSettings) -> Iterator[Any]:
    """Files (`path`, `content` of Spark's binaryFile source) into article rows, with a row
    naming the input and the reason for each that cannot be read."""
    reader = worker_coder(settings).reader
    for batch in batches:
        rows: list[dict[str, Any]] = []
        for item in batch.to_pylist():
            path, content = item["path"], item["content"]
            for found in reader.read_bytes(content, path, published=settings.published):
                rows.append(_read_row(found))
        yield _batch(rows, tables.READ)


def read_records(batches: Iterable[pa.RecordBatch], settings: CoderSettings) -> Iterator[Any]:
    """Rows of a table with the JSONL fields (`id`, `text`, `title`, `published`, `url`,
    `source`) into article rows; `input` names each by its file and id."""
    reader = worker_coder(settings).reader
    for batch in batches:
        rows = []
        for item in batch.to_pylist():
            record = {k: _json_value(v) for k, v in item.items() if k != "input"}
            where = f"{item['input']}:{record.get('id') or '?'}"
            found = reader.read_record(record, where, published=settings.published)
            rows.append(_read_row(found))
        yield _batch(rows, tables.READ)


def _json_value(value: object) -> object:
    """A table cell as the JSONL reader takes it: times as ISO text."""
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def _read_row(found: Article | InputProblem) -> dict[str, Any]:
    if isinstance(found, InputProblem):
        return {"input": found.where, "error": found.message}
    return {
        "article_key": content_key(found.text),
        "article_id": found.id,
        "url": found.url,
        "title": found.title,
        "source": found.source,
        "published": _utc(found.published),
        "dateline": found.dateline,
        "agencies": ", ".join(found.agencies),
        "text": found.text,
        "published_iso": found.published.isoformat() if found.published else None,
        "updated_iso": found.updated.isoformat() if found.updated else None,
        "input": found.id,
        "error": None,
    }


def _utc(stamp: dt.datetime | None) -> dt.datetime | None:
    if stamp is None or stamp.tzinfo is None:
        return stamp
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


# --- coding ---------------------------------------------------------------------------------


def code_articles(batches: Iterable[pa.RecordBatch], settings: CoderSettings) -> Iterator[Any]:
    """Article rows into coded rows (events and quotes in the store's columns), batching
    through the coder's `nlp.pipe`; an article the coder fails on becomes an error row and
    the others are coded."""
    coder = worker_coder(settings)
    articles = (_article(row) for batch in batches for row in batch.to_pylist())
    while chunk := list(itertools.islice(articles, OUT_BATCH)):
        yield _batch([_coded_row(item) for item in _code(coder, chunk)], tables.CODED)


def _code(coder: Coder, articles: list[Article]) -> Iterator[CodedArticle | tuple[str, str]]:
    for start in range(0, len(articles), CODE_BATCH):
        part = articles[start : start + CODE_BATCH]
        try:
            yield from list(coder.code_many(part, batch_size=CODE_BATCH))
        except Exception:  # find the one article at fault and code the rest
            for article in part:
                try:
                    yield coder.code_article(article)
                except Exception as exc:
                    yield (article.id, f"cannot be coded ({type(exc).__name__}: {exc})")


def _article(row: dict[str, Any]) -> Article:
    """The article as read, its times with the zones given (a zone moves the day that
    'yesterday' is counted from)."""
    return Article(
        id=row["article_id"],
        text=row["text"],
        title=row["title"],
        published=dt.datetime.fromisoformat(row["published_iso"]) if row["published_iso"] else None,
        updated=dt.datetime.fromisoformat(row["updated_iso"]) if row["updated_iso"] else None,
        agencies=tuple(row["agencies"].split(", ")) if row["agencies"] else (),
        dateline=row["dateline"],
        url=row["url"],
        source=row["source"],
    )


def _coded_row(item: CodedArticle | tuple[str, str]) -> dict[str, Any]:
    if isinstance(item, tuple):
        return {"input": item[0], "error": item[1], "events": [], "quotes": []}
    stamp = item.coded_by
    return {
        "article_key": content_key(item.article.text),
        "event_count": len(item.events),
        "coder_version": stamp.version if stamp else None,
        "knowledge_hash": stamp.knowledge if stamp else None,
        "events": [{n: v(e) for n, v in tables.REPORT_VALUES.items()} for e in item.events],
        "quotes": [{n: v(q) for n, v in tables.QUOTE_VALUES.items()} for q in item.quotes],
        "input": item.article.id,
        "error": None,
    }


# --- the store's rules, a group at a time ---------------------------------------------------


def assign_events(table: pa.Table, window: int) -> pa.Table:
    """The reports of one merge group (one CAMEO base code and pair of actors), taken in
    article order, each given the report that made its event (`rules.merge_reports`)."""
    import pyarrow as pa

    rows = sorted(table.to_pylist(), key=_report_order)
    keys = [
        EventKeys(r["base_code"], r["source_code"], r["target_code"], r["is_symmetric"], r["date"])
        for r in rows
    ]
    firsts = merge_reports(keys, window)
    assigned = [
        {
            "article_key": row["article_key"],
            "ordinal": row["ordinal"],
            "first_key": rows[first]["article_key"],
            "first_ordinal": rows[first]["ordinal"],
        }
        for row, first in zip(rows, firsts, strict=True)
    ]
    return pa.Table.from_pylist(assigned, schema=tables.arrow_schema(tables.ASSIGNED))


def _report_order(row: dict[str, Any]) -> tuple[Any, ...]:
    published = row["published"]
    return (
        published is None,
        published or dt.datetime.max,
        row["article_id"],
        row["article_key"],
        row["ordinal"],
    )


def confirm_pairs(batches: Iterable[pa.RecordBatch]) -> Iterator[Any]:
    """Pairs of articles (their shingles) MinHash LSH proposed, kept when the store's exact
    check (`rules.resemblance`) says they are near-duplicates, with its score."""
    for batch in batches:
        rows = []
        for pair in batch.to_pylist():
            score = resemblance(set(pair["words"]), set(pair["other_words"]))
            if score is not None:
                rows.append({"key": pair["key"], "other": pair["other"], "score": score})
        yield _batch(rows, tables.PAIRS)


def shingle_rows(batches: Iterable[pa.RecordBatch]) -> Iterator[Any]:
    """Each article's word shingles, for MinHash."""
    for batch in batches:
        rows = [
            {"article_key": r["article_key"], "shingles": sorted(shingles(r["text"]))}
            for r in batch.to_pylist()
        ]
        yield _batch(rows, tables.SHINGLES)


# --- exports --------------------------------------------------------------------------------


def export_lines(batches: Iterable[pa.RecordBatch], export_format: str) -> Iterator[Any]:
    """Event rows as the lines `tocsin export` writes (GDELT or PLOVER), by the same code."""
    write = write_gdelt_rows if export_format == "gdelt" else write_plover_rows
    for batch in batches:
        stream = io.StringIO()
        write(batch.to_pylist(), stream)
        yield _batch([{"value": line} for line in stream.getvalue().splitlines()], tables.LINES)


# --- Arrow ----------------------------------------------------------------------------------


def _batch(rows: list[dict[str, Any]], pairs: tables.Pairs) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pylist(rows, schema=tables.arrow_schema(pairs))
