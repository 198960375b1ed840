"""Every field an event carries is documented in docs/schema.md (a test fails otherwise)."""

from __future__ import annotations

from pathlib import Path

from tocsin.model import Actor, Event, Plover, QuadClass, Span, Trigger
from tocsin.output import CSV_COLUMNS, actor_record, event_record

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
