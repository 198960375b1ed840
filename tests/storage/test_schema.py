"""The columns declared in `storage/schema.py` are the ones on disk, documented and exported."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from tocsin.storage.export import write_parquet
from tocsin.storage.query import EventRow
from tocsin.storage.schema import (
    ARTICLES,
    EVENTS,
    EXPORT_COLUMNS,
    MENTIONS,
    PAGE_COLUMNS,
    QUOTES,
    SCHEMA_VERSION,
    TABLE_COLUMNS,
)
from tocsin.storage.store import Store

DOCS = (Path(__file__).parents[2] / "docs" / "schema.md").read_text()


def test_every_declared_column_is_on_disk_in_order(tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    Store(db).close()
    with duckdb.connect(str(db), read_only=True) as connection:
        for table in (ARTICLES, EVENTS, MENTIONS, QUOTES):
            found = connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [table.name],
            ).fetchall()
            assert tuple(name for (name,) in found) == table.names


def test_every_event_and_mention_column_is_documented() -> None:
    for table in (EVENTS, MENTIONS):
        for name in table.names:
            assert f"`{name}`" in DOCS, f"docs/schema.md does not document {table.name}.{name}"


def test_every_event_column_is_exported(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "all.parquet"
    with Store(store_path, read_only=True) as store:
        write_parquet(store, path)
    exported = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    assert tuple(row[0] for row in exported) == EVENTS.names


def test_views_are_named_subsets_of_the_columns() -> None:
    assert tuple(f.name for f in dataclasses.fields(EventRow)) == PAGE_COLUMNS
    assert set(TABLE_COLUMNS) <= set(PAGE_COLUMNS) <= set(EVENTS.names)
    assert set(EXPORT_COLUMNS) <= set(EVENTS.names)


def test_columns_added_after_v1_are_added_by_a_migration() -> None:
    for table in (ARTICLES, EVENTS, MENTIONS, QUOTES):
        for column in table.columns:
            assert 1 <= column.since <= SCHEMA_VERSION
            if column.since > 1:
                assert column.name not in table.create(column.since - 1)
                assert any(column.name in s for s in table.additions(column.since))
