"""Relative and explicit date expressions resolve against the publication date, and every
word they are made of comes from the `dates.*` word lists, which users can extend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tocsin.errors import DataFileError
from tocsin.knowledge import load_knowledge
from tocsin.model import DateBasis
from tocsin.stages.dates import DateFinder

WEDNESDAY = dt.date(2014, 3, 5)
MONDAY = dt.date(2014, 3, 3)


@pytest.fixture(scope="module")
def finder() -> DateFinder:
    return DateFinder(load_knowledge())


def user_finder(tmp_path: Path, *lines: str) -> DateFinder:
    (tmp_path / "my-dates.tsv").write_text("# tocsin:words v1\n" + "\n".join(lines) + "\n")
    return DateFinder(load_knowledge([tmp_path]))


def first(finder: DateFinder, text: str, reference: dt.date = WEDNESDAY) -> tuple[str, dt.date]:
    found = finder.find(text, reference)
    assert found, text
    return found[0].text, found[0].date


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
        ("on Sept. 11th, 2001", dt.date(2001, 9, 11), DateBasis.EXPLICIT),
        ("on the 4th of JULY", dt.date(2013, 7, 4), DateBasis.EXPLICIT),
        ("published 2014-02-28", dt.date(2014, 2, 28), DateBasis.EXPLICIT),
        ("a few days ago", dt.date(2014, 3, 2), DateBasis.RELATIVE),
        ("12 days earlier", dt.date(2014, 2, 21), DateBasis.RELATIVE),
        ("last Wednesday", dt.date(2014, 2, 26), DateBasis.RELATIVE),
        ("next Wednesday", dt.date(2014, 3, 12), DateBasis.RELATIVE),
        ("next Friday", dt.date(2014, 3, 7), DateBasis.RELATIVE),
        ("last   week", dt.date(2014, 2, 26), DateBasis.RELATIVE),
    ],
)
def test_resolution(
    finder: DateFinder, text: str, day: dt.date | None, basis: DateBasis | None
) -> None:
    found = finder.find(text, WEDNESDAY)
    if day is None:
        assert not found
    else:
        assert (found[0].date, found[0].basis) == (day, basis)


def test_month_without_year_after_publication_is_last_year(finder: DateFinder) -> None:
    assert first(finder, "on December 20", dt.date(2014, 1, 10))[1] == dt.date(2013, 12, 20)


def test_relative_dates_need_a_reference(finder: DateFinder) -> None:
    assert finder.find("yesterday", None) == []


def test_longest_entry_and_earlier_kind_win(finder: DateFinder) -> None:
    assert first(finder, "signed earlier this week") == ("earlier this week", MONDAY)
    assert first(finder, "on Tuesday night") == ("Tuesday night", dt.date(2014, 3, 4))
    found = finder.find("on Tuesday, March 4, 2014", WEDNESDAY)
    assert [m.text for m in found] == ["Tuesday", "March 4, 2014"]


def test_this_week_on_a_monday_is_the_day_itself(finder: DateFinder) -> None:
    assert first(finder, "this week", MONDAY)[1] == MONDAY


def test_user_month_spelling_is_read(finder: DateFinder, tmp_path: Path) -> None:
    assert finder.find("signé le 5 janvier 2014", WEDNESDAY) == []
    mine = user_finder(tmp_path, "dates.month-numbers\tjanvier\t1")
    assert first(mine, "signé le 5 janvier 2014") == ("5 janvier 2014", dt.date(2014, 1, 5))


def test_user_number_word_counts_back(finder: DateFinder, tmp_path: Path) -> None:
    assert finder.find("ten days ago", WEDNESDAY) == []
    mine = user_finder(tmp_path, "dates.number-words\tten\t10")
    assert first(mine, "ten days ago")[1] == dt.date(2014, 2, 23)


def test_user_unit_counts_weeks(tmp_path: Path) -> None:
    mine = user_finder(tmp_path, "dates.units-ago\tweeks ago\t7")
    assert first(mine, "two weeks ago")[1] == dt.date(2014, 2, 19)


def test_user_relative_expression_beats_a_shorter_one(finder: DateFinder, tmp_path: Path) -> None:
    assert first(finder, "the day before yesterday") == ("yesterday", dt.date(2014, 3, 4))
    mine = user_finder(tmp_path, "dates.days-from-publication\tthe day before yesterday\t-2")
    assert first(mine, "on the day before  yesterday") == (
        "the day before  yesterday",
        dt.date(2014, 3, 3),
    )


def test_user_file_removes_words(finder: DateFinder, tmp_path: Path) -> None:
    assert first(finder, "shelling overnight")[1] == dt.date(2014, 3, 4)
    assert first(finder, "next Friday")[1] == dt.date(2014, 3, 7)
    mine = user_finder(
        tmp_path,
        "~dates.days-from-publication\tovernight\t-",
        "~dates.weekday-modifiers\t*\t-",
    )
    assert mine.find("shelling overnight", WEDNESDAY) == []
    assert first(mine, "next Friday") == ("Friday", dt.date(2014, 2, 28))


def test_every_date_word_comes_from_the_lists(tmp_path: Path) -> None:
    names = sorted(n for n in load_knowledge().word_lists if n.startswith("dates."))
    mine = user_finder(tmp_path, *(f"~{name}\t*\t-" for name in names))
    text = "yesterday, on Monday March 3rd, 2014 (3 of March), two days ago, 2014-03-03"
    assert [m.text for m in mine.find(text, WEDNESDAY)] == ["2014-03-03"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("dates.month-numbers\tmonth13\t13", "'month13' has value '13'; expected a whole number"),
        ("dates.weekday-modifiers\tcoming\tsoon", "expected one of on-or-before, before, after"),
        ("dates.number-words\tdozen\t-", "'dozen' needs a value"),
    ],
)
def test_bad_user_values_are_named(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        user_finder(tmp_path, line)


def test_periods_resolve_to_their_last_day() -> None:
    from tocsin.knowledge import load_knowledge
    from tocsin.stages.dates import DateFinder

    finder = DateFinder(load_knowledge())
    reference = dt.date(2025, 3, 14)

    def ends(text: str) -> list[tuple[str, dt.date]]:
        return [(m.text, m.date) for m in finder.periods(text, reference)]

    assert ends("In 2019 the two signed a treaty.") == [("In 2019", dt.date(2019, 12, 31))]
    assert ends("The offensive in December killed 40.") == [("in December", dt.date(2024, 12, 31))]
    assert ends("Russia invaded in February 2022.") == [("in February 2022", dt.date(2022, 2, 28))]
    assert ends("Talks held last year failed.") == [("last year", dt.date(2024, 12, 31))]
    assert ends("They met last month.") == [("last month", dt.date(2025, 2, 28))]
    assert ends("He spoke in March 5 remarks.") == []
    assert finder.periods("In 2019 they met.", None) == []


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("99999999 days ago", WEDNESDAY),
        ("9999999999 days ago", WEDNESDAY),
        ("yesterday", dt.date(1, 1, 1)),
        ("on Tuesday", dt.date(1, 1, 1)),
        ("tomorrow", dt.date(9999, 12, 31)),
        ("next Tuesday", dt.date(9999, 12, 31)),
    ],
)
def test_a_day_beyond_the_calendar_is_left_unresolved(
    finder: DateFinder, text: str, reference: dt.date
) -> None:
    assert finder.find(text, reference) == []


def test_a_day_without_year_near_the_calendars_end_keeps_its_year(finder: DateFinder) -> None:
    assert first(finder, "on March 3", dt.date(9999, 12, 20))[1] == dt.date(9999, 3, 3)


def test_periods_before_year_one_are_not_resolved(finder: DateFinder) -> None:
    assert finder.periods("last year", dt.date(1, 3, 1)) == []
    assert finder.periods("in December", dt.date(1, 1, 1)) == []
