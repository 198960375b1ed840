"""Event records, CSV rows and tables; every field is documented in docs/schema.md."""

from __future__ import annotations

from pathlib import Path

from tocsin.formats import CSV_COLUMNS, actor_record, csv_row, event_record, rows_table
from tocsin.model import Actor, Event, Plover, QuadClass, Span, Trigger
from tocsin.storage.schema import EVENTS

SCHEMA = (Path(__file__).parents[1] / "docs" / "schema.md").read_text()


def sample_event() -> Event:
    actor = Actor("Russia", Span(0, 6), "RUS", None, None, None, "RUS")
    return Event(
        "a",
        "173",
        "17",
        QuadClass.MATERIAL_CONFLICT,
        -5.0,
        Plover("COERCE"),
        actor,
        None,
        Trigger("detained", Span(7, 15)),
        "Russia detained ...",
        0,
        None,
        None,
        "v.detain",
        0.9,
    )


def test_every_event_field_is_documented() -> None:
    for name in event_record(sample_event()):
        assert f"`{name}`" in SCHEMA, f"docs/schema.md does not document event field {name!r}"


def test_every_actor_field_is_documented() -> None:
    record = actor_record(sample_event().source)
    assert record is not None
    for name in record:
        assert f"`{name}`" in SCHEMA, f"docs/schema.md does not document actor field {name!r}"


def test_csv_columns_are_documented() -> None:
    for column in CSV_COLUMNS:
        prefix_free = column.removeprefix("source_").removeprefix("target_")
        assert column in SCHEMA or f"`{prefix_free}`" in SCHEMA, column


def test_csv_row_has_every_column_in_order() -> None:
    assert tuple(csv_row(sample_event())) == CSV_COLUMNS


def test_csv_and_store_agree_on_the_columns_they_share() -> None:
    """The CSV writes "" where the store keeps NULL; otherwise a shared column is one value."""
    event = sample_event()
    row = csv_row(event)
    shared = [c for c in EVENTS.columns if c.name in row and c.value is not None]
    assert len(shared) > 15
    for column in shared:
        stored = column.value(event)  # type: ignore[misc]
        assert row[column.name] == ("" if stored is None else stored), column.name


def test_rows_table_says_when_there_are_no_rows() -> None:
    assert [c.header for c in rows_table([]).columns] == ["(no rows)"]
    assert [c.header for c in rows_table([{"a": 1, "b": None}]).columns] == ["a", "b"]
