"""The Spark job's tables, derived from the store's declarations (`storage.schema`), so that
its Parquet output has the store's columns, names and types, and loads back into a store.

Each table is a list of (name, type) pairs; a type is a Spark SQL type name, or a list of
pairs for an array of structs. The same pairs give Spark its schema (DDL) and the workers
their Arrow schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..model import Event, Quote
from ..storage.schema import ARTICLES, EVENTS, MENTIONS, QUOTES, Table

Pairs = Sequence[tuple[str, Any]]  # (name, a type name or the pairs of a struct's fields)

SQL_TO_SPARK = {
    "VARCHAR": "string",
    "DATE": "date",
    "TINYINT": "tinyint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp_ntz",  # the store's TIMESTAMP: UTC, without a zone
}


def spark_type(sql: str) -> str:
    return SQL_TO_SPARK[sql.split()[0]]


def columns(table: Table[Any], *, only_values: bool = False) -> list[tuple[str, str]]:
    """A table's (name, Spark type) pairs; with `only_values`, those read off the record coded
    (not the keys, counts and times the store fills in)."""
    return [
        (c.name, spark_type(c.sql)) for c in table.columns if not only_values or c.value is not None
    ]


def ddl(pairs: Pairs) -> str:
    return ", ".join(f"`{name}` {_ddl_kind(kind)}" for name, kind in pairs)


def _ddl_kind(kind: Any) -> str:
    return kind if isinstance(kind, str) else f"array<struct<{ddl(kind)}>>"


def arrow_schema(pairs: Pairs) -> Any:
    import pyarrow as pa

    return pa.schema([(name, _arrow_kind(kind)) for name, kind in pairs])


def _arrow_kind(kind: Any) -> Any:
    import pyarrow as pa

    if not isinstance(kind, str):
        return pa.list_(pa.struct([(name, _arrow_kind(k)) for name, k in kind]))
    simple = {
        "string": pa.string(),
        "date": pa.date32(),
        "tinyint": pa.int8(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "timestamp_ntz": pa.timestamp("us"),
        "array<string>": pa.list_(pa.string()),
    }
    return simple[kind]


def _report_values() -> dict[str, Callable[[Event], object]]:
    """What the store reads off an event for the events table and for the mentions table (a
    name in both holds the same value there)."""
    values: dict[str, Callable[[Event], object]] = {}
    for column in (*EVENTS.columns, *MENTIONS.columns):
        if column.value is not None:
            values.setdefault(column.name, column.value)
    return values


REPORT_VALUES = _report_values()
QUOTE_VALUES: dict[str, Callable[[Quote], object]] = {
    c.name: c.value for c in QUOTES.columns if c.value is not None
}
REPORT: Pairs = list(
    {n: t for n, t in (*columns(EVENTS), *columns(MENTIONS)) if n in REPORT_VALUES}.items()
)

ARTICLE_VALUES = ["article_key", *(name for name, _ in columns(ARTICLES, only_values=True))]
"""The article columns carried from reading to the output: the key and what the article says."""

READ: Pairs = [
    *((n, "timestamp_ntz" if n == "published" else "string") for n in ARTICLE_VALUES),
    ("published_iso", "string"),  # the time as given, zone and all: it dates the events
    ("updated_iso", "string"),
    ("input", "string"),
    ("error", "string"),
]
"""What reading gives: an article, or an input and the error that kept it from being one."""

CODED: Pairs = [
    ("article_key", "string"),
    ("event_count", "int"),
    ("coder_version", "string"),
    ("knowledge_hash", "string"),
    ("events", REPORT),
    ("quotes", columns(QUOTES, only_values=True)),
    ("input", "string"),
    ("error", "string"),
]
"""What coding gives for each article: its events and quotes, or why it could not be coded."""

ASSIGNED: Pairs = [
    ("article_key", "string"),
    ("ordinal", "int"),
    ("first_key", "string"),
    ("first_ordinal", "int"),
]
"""Each report with the report that made its event."""

PAIRS: Pairs = [("key", "string"), ("other", "string"), ("score", "double")]
SHINGLES: Pairs = [("article_key", "string"), ("shingles", "array<string>")]
LINES: Pairs = [("value", "string")]
