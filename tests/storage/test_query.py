"""Queries over a real store of the fixture corpus: filters, series, actors, evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tocsin.errors import QueryError
from tocsin.storage.query import (
    ActorValues,
    EventFilter,
    count_events,
    dyad,
    event_detail,
    events,
    mark_sentence,
    places,
    stats,
    top_actors,
)
from tocsin.storage.store import Store


def test_queries(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        series = dyad(store, "RUS", "UKR", freq="day")
        assert series and sum(r.events for r in series) >= 2
        assert all(0 <= r.conflict_share <= 1 for r in series)
        assert top_actors(store, top=3)[0].events >= 2
        assert stats(store)["articles"] == 4
        assert count_events(store) == stats(store)["events"]
        found = events(store, EventFilter(text="humanitarian aid"))
        assert [r.source_code for r in found] == ["POL"]
        assert events(store, EventFilter(plover="assault", since=dt.date(2022, 3, 2)))


def test_event_detail_has_every_mention(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        busiest = events(store, EventFilter(), sort="num_mentions", limit=1)[0]
        detail = event_detail(store, busiest.event_id)
        assert event_detail(store, 10**9) is None
    assert detail is not None and len(detail["mentions"]) == busiest.num_mentions


def test_actor_filters_skip_only_columns_that_cannot_match(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store, store.reader() as reader:
        known = ActorValues.read(store)
        names = [n for n in known.columns["source_name"] if n][:2]
        tries = [
            "RUS",
            "rus",
            "UKRGOV",
            "GOV",
            "mil",
            "NATO",
            "XYZ",
            *names,
            *(n.upper() for n in names),
        ]
        reader.actor_values = known
        for value in tries:
            for where in (EventFilter(actor=value), EventFilter(source=value, root="19")):
                plain = events(store, where, limit=500)
                pruned = events(reader, where, limit=500)
                assert [r.event_id for r in pruned] == [r.event_id for r in plain], value
        assert events(store, EventFilter(actor="RUS"), limit=5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quad": 7}, "quad class"),
        ({"root": "42"}, "CAMEO root from 01 to 20"),
        ({"cameo": "19x"}, "give 2 to 4 digits"),
        ({"plover": "HUG"}, "plover 'HUG'"),
        ({"since": "last spring"}, "give a date as YYYY-MM-DD"),
        ({"since": "2022-03-05", "until": "2022-03-01"}, "is after until"),
        ({"dyad": "RUS"}, "two ISO-3 country codes"),
    ],
)
def test_bad_filters_are_query_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        EventFilter.from_options(**options)


def test_bad_page_options_are_query_errors(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        with pytest.raises(QueryError, match="sort column 'colour'"):
            events(store, EventFilter(), sort="colour")
        with pytest.raises(QueryError, match="frequency 'fortnight'"):
            dyad(store, "RUS", "UKR", freq="fortnight")


def test_a_filter_value_is_never_sql(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        assert events(store, EventFilter(actor="RUS' OR 1=1 --")) == []


def test_marks_put_a_repeated_name_in_its_role() -> None:
    sentence = "Russia said Ukraine accused Russia of shelling."
    marks = mark_sentence(sentence, "Ukraine", "accused", "Russia")
    found = {m.kind: sentence[m.start : m.end] for m in marks}
    assert found == {"source": "Ukraine", "trigger": "accused", "target": "Russia"}
    target = next(m for m in marks if m.kind == "target")
    assert target.start == sentence.rindex("Russia")


def test_places_that_share_a_name_stay_apart(tmp_path: Path) -> None:
    columns = ("event_id", "cameo", "root", "quad_class", "goldstein", "location_name")
    columns += ("location_country", "latitude", "longitude", "geonames_id")
    rows = [
        (1, "036", "03", 1, 4.0, "Geneva", "CHE", 46.2022, 6.1457, 2660646),
        (2, "036", "03", 1, 4.0, "Geneva", "CHE", 46.2022, 6.1457, 2660646),
        (3, "190", "19", 4, -10.0, "Geneva", "USA", 41.8875, -88.3054, 4893591),
        (4, "190", "19", 4, -10.0, "Black Sea", None, 43.0, 34.0, None),
    ]
    with Store(tmp_path / "places.duckdb") as store:
        store.load_events(columns, rows)
        found = places(store, EventFilter())
    assert [(p.name, p.country, p.events) for p in found] == [
        ("Geneva", "CHE", 2),
        ("Black Sea", None, 1),
        ("Geneva", "USA", 1),
    ]
    assert (found[2].latitude, found[2].longitude, found[2].geonames_id) == (
        41.8875,
        -88.3054,
        4893591,
    )
