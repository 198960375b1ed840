"""The use cases the CLI and the API share: text to article, reading inputs, ingesting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tocsin import Coder
from tocsin.errors import InputError
from tocsin.model import Article, CodedArticle
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store

STORY = "Russian forces shelled Kharkiv on Monday, Ukrainian officials said."


def test_article_from_text_reads_it_like_a_story_file(coder: Coder) -> None:
    text = "Talks resume\n\nPUBLISHED: 2022-03-01\n\n" + STORY
    article = coder.article_from_text(text, article_id="t1", url="https://example.org/1")
    assert article == coder.reader.parse(text, article_id="t1", url="https://example.org/1")
    assert article.title == "Talks resume" and article.published == dt.datetime(2022, 3, 1)


def test_article_from_text_takes_the_date_as_text_or_datetime(coder: Coder) -> None:
    as_text = coder.article_from_text(STORY, published="2022-03-01")
    as_datetime = coder.article_from_text(STORY, published=dt.datetime(2022, 3, 1))
    assert as_text == as_datetime and as_text.id == "text"
    with pytest.raises(InputError, match="cannot read the date"):
        coder.article_from_text(STORY, published="someday")


def test_read_articles_reports_problems_and_goes_on(coder: Coder, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(STORY)
    problems: list[object] = []
    read = list(
        coder.read_articles([str(tmp_path / "nope.txt"), str(good)], on_problem=problems.append)
    )
    assert [a.id for a in read] == ["good"]
    assert len(problems) == 1 and "no such file" in str(problems[0])


def test_read_articles_refuses_a_bad_date_before_reading(coder: Coder) -> None:
    with pytest.raises(InputError, match="cannot read the date"):
        coder.read_articles(["-"], published="the other day", on_problem=print)


class CountingCoder:
    """A coder that counts what it is asked to code, and codes it with the real one."""

    def __init__(self, coder: Coder) -> None:
        self.coder = coder
        self.coded: list[str] = []

    def code_many(
        self, articles: Iterable[Article], *, n_process: int = 1
    ) -> Iterator[CodedArticle]:
        for article in articles:
            self.coded.append(article.id)
            yield self.coder.code_article(article)


def test_ingest_skips_known_articles_before_coding(tmp_path: Path, coder: Coder) -> None:
    first = coder.article_from_text(STORY, published="2022-03-01", article_id="a")
    second = coder.article_from_text(
        "Poland sent humanitarian aid to Ukraine on Tuesday.",
        published="2022-03-02",
        article_id="b",
    )
    counting = CountingCoder(coder)
    with Store(tmp_path / "events.duckdb") as store:
        once = ingest_articles(counting, store, [first])
        twice = ingest_articles(counting, store, [first, second])
    assert counting.coded == ["a", "b"], "a known article must not be coded again"
    assert (once.new, once.known, once.events_new) == (1, 0, len(coder.code_article(first).events))
    assert (twice.new, twice.known) == (1, 1)


def test_ingest_reports_progress_after_each_stored_article(tmp_path: Path, coder: Coder) -> None:
    articles = [
        coder.article_from_text(STORY, published="2022-03-01", article_id="a"),
        coder.article_from_text(
            "Kerry met Lavrov in Geneva.", published="2014-03-05", article_id="b"
        ),
    ]
    seen: list[int] = []
    with Store(tmp_path / "events.duckdb") as store:
        summary = ingest_articles(coder, store, articles, on_progress=lambda s: seen.append(s.new))
    assert seen == [1, 2] and summary.new == 2


def test_an_article_reads_its_date_given_as_text() -> None:
    article = Article(id="a", text="Kenya met Uganda.", published="2024-03-05")
    assert article.published == dt.datetime(2024, 3, 5)


def test_an_article_refuses_an_unreadable_date_when_built() -> None:
    with pytest.raises(InputError, match="published='March-ish'"):
        Article(id="a", text="Kenya met Uganda.", published="March-ish")
