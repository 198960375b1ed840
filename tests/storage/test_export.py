"""Exports of a real store: GDELT 2.0 rows that read back, PLOVER records, Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tocsin.storage.export import GDELT_COLUMNS, write_gdelt, write_parquet, write_plover
from tocsin.storage.query import EventFilter, events
from tocsin.storage.store import Store


def test_gdelt_export_round_trips(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.tsv"
    with Store(store_path, read_only=True) as store, path.open("w") as stream:
        written = write_gdelt(store, stream)
        stored = sorted(events(store, EventFilter(), limit=10_000), key=lambda r: r.event_id)
    lines = path.read_text().splitlines()
    assert len(lines) == written == len(stored)
    assert all(len(line.split("\t")) == len(GDELT_COLUMNS) == 61 for line in lines)
    frame = pd.read_csv(
        path,
        sep="\t",
        names=GDELT_COLUMNS,
        dtype={"EventCode": str, "EventBaseCode": str, "EventRootCode": str},
    )
    for event, row in zip(stored, frame.itertuples(), strict=True):
        assert (row.GLOBALEVENTID, row.EventCode) == (event.event_id, event.cameo)
        assert event.date is not None and str(row.SQLDATE) == event.date.strftime("%Y%m%d")
        assert row.GoldsteinScale == event.goldstein


def test_plover_export(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with Store(store_path, read_only=True) as store, path.open("w") as stream:
        written = write_plover(store, stream)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == written
    assert records and all({"id", "date", "actor", "event"} <= set(r) for r in records)


def test_parquet_export_is_the_events_table(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    since = EventFilter.from_options(since="2022-03-02")
    with Store(store_path, read_only=True) as store:
        written = write_parquet(store, path, since)
        expected = len(events(store, since, limit=10_000))
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0]
    assert rows == (written,) and written == expected > 0


@pytest.mark.parametrize("writer", [write_gdelt, write_plover])
def test_an_empty_selection_writes_nothing(store_path: Path, tmp_path: Path, writer) -> None:
    path = tmp_path / "none.txt"
    with Store(store_path, read_only=True) as store, path.open("w") as stream:
        assert writer(store, stream, EventFilter(actor="XYZ")) == 0
    assert path.read_text() == ""
