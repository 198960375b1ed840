"""The store's rules as pure functions: the DuckDB store and the Spark job both call them."""

from __future__ import annotations

import datetime as dt

from tocsin.storage.rules import (
    EventKeys,
    article_order,
    content_key,
    merge_into,
    merge_reports,
    original,
    resemblance,
    shingles,
)

DAY = dt.date(2025, 3, 3)


def keys(source: str, target: str | None, day: dt.date | None = DAY, *, symmetric: bool = False):
    return EventKeys("040", source, target, symmetric, day)


def test_reports_on_the_same_keys_within_the_window_merge() -> None:
    reports = [
        keys("RUS", "UKR"),
        keys("RUS", "UKR", DAY + dt.timedelta(days=1)),
        keys("RUS", "UKR", DAY + dt.timedelta(days=3)),
        keys("UKR", "RUS"),
        keys("RUS", None),
        keys("RUS", "UKR", None),
    ]
    assert merge_reports(reports, window=1) == [0, 0, 2, 3, 4, 5]
    assert merge_reports(reports, window=3) == [0, 0, 0, 3, 4, 5]


def test_a_symmetric_event_takes_reports_with_actors_swapped() -> None:
    met = keys("RUS", "UKR", symmetric=True)
    assert merge_reports([met, keys("UKR", "RUS", symmetric=True)], window=1) == [0, 0]
    assert merge_reports([keys("RUS", "UKR"), met], window=1) == [0, 0]
    assert merge_reports([keys("UKR", "RUS"), met], window=1) == [0, 1]


def test_a_report_joins_the_nearest_event_then_the_earliest() -> None:
    events = [keys("A", "B", DAY), keys("A", "B", DAY + dt.timedelta(days=2))]
    late = keys("A", "B", DAY + dt.timedelta(days=2))
    assert merge_into(late, events, window=2) == 1
    assert merge_into(keys("A", "B", DAY + dt.timedelta(days=1)), events, window=2) == 0


def test_merging_at_the_ends_of_the_calendar_does_not_overflow() -> None:
    first, last = dt.date.min, dt.date.max
    assert merge_reports([keys("A", "B", first), keys("A", "B", first)], window=3) == [0, 0]
    assert merge_reports([keys("A", "B", last), keys("A", "B", last)], window=3) == [0, 0]


def test_articles_are_ordered_by_time_in_utc_then_id_undated_last() -> None:
    utc = dt.datetime(2025, 3, 4, 4, 0)
    new_york = dt.datetime(2025, 3, 4, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    ordered = sorted(
        [
            article_order(None, "a", "k1"),
            article_order(utc, "b", "k2"),
            article_order(new_york, "c", "k3"),
            article_order(utc, "a", "k4"),
        ]
    )
    assert [o[2] for o in ordered] == ["a", "b", "c", "a"]


def test_near_duplicates_are_judged_on_shingles() -> None:
    story = "Kenya sent food aid to Somalia on Monday after weeks of drought in the north."
    edited = story + " Officials said more would follow."
    other = "Police in Caracas arrested dozens of opposition protesters on Tuesday evening."
    assert resemblance(shingles(story), shingles(edited)) == 1.0  # contained whole
    assert resemblance(shingles(story), shingles(other)) is None
    assert content_key(story) == content_key(story.replace(" ", "  ").upper())


def test_the_original_is_the_most_alike_then_the_earliest() -> None:
    early = article_order(dt.datetime(2025, 1, 1), "a", "ka")
    late = article_order(dt.datetime(2025, 1, 2), "b", "kb")
    assert original([(0.9, late, "kb"), (0.9, early, "ka")]) == "ka"
    assert original([(0.7, early, "ka"), (0.9, late, "kb")]) == "kb"
    assert original([]) is None
