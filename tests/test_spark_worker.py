"""What Spark's executors run, called here on Arrow batches made by hand: no JVM, no Spark.

The job as a whole runs in tests/test_spark.py."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from tocsin import Coder
from tocsin.spark import _tables as tables
from tocsin.spark import _worker as worker
from tocsin.storage.rules import content_key


def test_table_rows_read_as_jsonl_records_are(coder: Coder) -> None:
    published = dt.datetime(2025, 3, 5, 4, 30, tzinfo=dt.UTC)
    batch = pa.RecordBatch.from_pylist(
        [
            {"id": 7, "text": "France praised Germany on Monday.", "published": published},
            {"id": 8, "text": "   ", "published": None},
        ],
        schema=pa.schema(
            [("id", pa.int64()), ("text", pa.string()), ("published", pa.timestamp("us", "UTC"))]
        ),
    ).append_column("input", pa.array(["s3a://news/day.parquet"] * 2))
    rows = [
        row
        for out in worker.read_records([batch], worker.CoderSettings())
        for row in out.to_pylist()
    ]
    article, empty = rows
    assert article["article_id"] == "7" and article["error"] is None
    assert article["article_key"] == content_key("France praised Germany on Monday.")
    assert article["published"] == dt.datetime(2025, 3, 5, 4, 30)
    assert article["published_iso"] == "2025-03-05T04:30:00+00:00"
    assert empty["input"] == "s3a://news/day.parquet:8" and "empty story" in empty["error"]


def test_files_are_read_as_tocsin_code_reads_them() -> None:
    batch = pa.RecordBatch.from_pylist(
        [
            {"path": "file:/corpus/a.txt", "content": b"France praised Germany on Monday.\n"},
            {"path": "file:/corpus/b.jsonl", "content": b'{"id": "x", "text": "Hi."}\n{"id"\n'},
            {"path": "file:/corpus/c.txt", "content": b"Caf\xe9\n"},
        ]
    )
    rows = [
        r for out in worker.read_files([batch], worker.CoderSettings()) for r in out.to_pylist()
    ]
    assert [(r["article_id"], r["input"]) for r in rows if r["error"] is None] == [
        ("a", "a"),
        ("x", "x"),
    ]
    assert [r["input"] for r in rows if r["error"]] == [
        "file:/corpus/b.jsonl:2",
        "file:/corpus/c.txt",
    ]


def test_a_group_of_reports_is_merged_in_article_order() -> None:
    day = dt.date(2025, 3, 3)

    def report(key: str, published: dt.datetime | None, ordinal: int = 0) -> dict[str, object]:
        return {
            "article_key": key,
            "ordinal": ordinal,
            "article_id": key,
            "published": published,
            "base_code": "040",
            "source_code": "RUS",
            "target_code": "UKR",
            "is_symmetric": False,
            "date": day,
        }

    late, early = dt.datetime(2025, 3, 3, 12), dt.datetime(2025, 3, 3, 8)
    table = pa.Table.from_pylist([report("b", late), report("a", early), report("c", None)])
    assigned = worker.assign_events(table, window=1).to_pylist()
    assert {(r["article_key"], r["first_key"]) for r in assigned} == {
        ("a", "a"),
        ("b", "a"),
        ("c", "a"),
    }


def test_coded_rows_have_the_store_columns(coder: Coder) -> None:
    article = coder.article_from_text(
        "Kenya sent food aid to Somalia on Monday.", published="2025-03-03", article_id="k"
    )
    row = worker._coded_row(coder.code_article(article))
    assert row["event_count"] == len(row["events"]) >= 1
    assert set(row["events"][0]) == {name for name, _ in tables.REPORT}
    pa.RecordBatch.from_pylist([row], schema=tables.arrow_schema(tables.CODED))
