"""Reading stories: wire-story furniture is parsed out of the body, bad input is named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tocsin.errors import InputError
from tocsin.knowledge import load_knowledge
from tocsin.stages.read import InputProblem, StoryReader, parse_datetime

READER = StoryReader(load_knowledge())

STORY = (Path(__file__).parents[1] / "fixtures" / "wire_story.txt").read_text()


def test_wire_story_metadata_is_parsed_out_of_the_body() -> None:
    article = READER.parse(STORY, article_id="s1")
    assert article.title == "Ministers meet in Vienna as border dispute deepens"
    assert article.published == dt.datetime(2023, 10, 12, 18, 5)
    assert article.updated == dt.datetime(2023, 10, 13, 9, 10)
    assert article.agencies == ("Reuters", "Agence France-Presse")
    assert article.dateline == "VIENNA"
    assert article.text.startswith("Armenian Foreign Minister")
    for furniture in ("PUBLISHED", "Envoys of both sides", "Watch:", "Agence France-Presse"):
        assert furniture not in article.text


def test_pull_quote_repeating_a_body_sentence_is_dropped() -> None:
    text = (
        "Talks resume\n\nWe will not give up\n\n"
        '"We will not give up," the minister said after the talks in Doha.\n'
    )
    article = READER.parse(text, article_id="q")
    assert article.text.count("We will not give up") == 1


def test_plain_text_without_headline_keeps_its_first_sentence() -> None:
    article = READER.parse("Police detained four activists in Minsk.", article_id="p")
    assert article.title is None and article.text.startswith("Police detained")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-03-05", dt.datetime(2014, 3, 5)),
        ("Wednesday, 05 March, 2014, 11:40pm", dt.datetime(2014, 3, 5, 23, 40)),
        ("March 5, 2014", dt.datetime(2014, 3, 5)),
    ],
)
def test_dates_in_news_formats(value: str, expected: dt.datetime) -> None:
    assert parse_datetime(value).replace(tzinfo=None) == expected


@pytest.mark.parametrize("value", ["someday", "2014", "March 2014"])
def test_incomplete_or_unreadable_dates_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="date"):
        parse_datetime(value)


def test_empty_story_is_an_input_error() -> None:
    with pytest.raises(InputError, match="empty story"):
        READER.parse("\n\n  \n", article_id="e")


def test_missing_path_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Police detained four activists in Minsk.")
    items = list(READER.read([str(tmp_path / "nope.txt"), str(good)]))
    assert isinstance(items[0], InputProblem) and "no such file" in str(items[0])
    assert items[1].text.startswith("Police")
