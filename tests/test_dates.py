"""Relative and explicit date expressions resolve against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from tocsin.dates import find_dates
from tocsin.model import DateBasis

WEDNESDAY = dt.date(2014, 3, 5)


@pytest.mark.parametrize(
    ("text", "day", "basis"),
    [
        ("Kerry yesterday urged Moscow", dt.date(2014, 3, 4), DateBasis.RELATIVE),
        ("fighting broke out last night", dt.date(2014, 3, 4), DateBasis.RELATIVE),
        ("talks were held today", WEDNESDAY, DateBasis.RELATIVE),
        ("spoke on Tuesday", dt.date(2014, 3, 4), DateBasis.RELATIVE),
        ("met on Wednesday", WEDNESDAY, DateBasis.RELATIVE),
        ("met on Thursday", dt.date(2014, 2, 27), DateBasis.RELATIVE),
        ("signed earlier this week", dt.date(2014, 3, 3), DateBasis.RELATIVE),
        ("arrested on March 3", dt.date(2014, 3, 3), DateBasis.EXPLICIT),
        ("arrested on 3 March 2013", dt.date(2013, 3, 3), DateBasis.EXPLICIT),
        ("clashes in December", None, None),
        ("two days ago", dt.date(2014, 3, 3), DateBasis.RELATIVE),
    ],
)
def test_resolution(text: str, day: dt.date | None, basis: DateBasis | None) -> None:
    found = find_dates(text, WEDNESDAY)
    if day is None:
        assert not found
    else:
        assert (found[0].date, found[0].basis) == (day, basis)


def test_month_without_year_after_publication_is_last_year() -> None:
    assert find_dates("on December 20", dt.date(2014, 1, 10))[0].date == dt.date(2013, 12, 20)


def test_relative_dates_need_a_reference() -> None:
    assert find_dates("yesterday", None) == []
