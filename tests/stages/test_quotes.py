"""Quotes and their speakers, reported speech, disputes and attributions, on short stories;
the speech verbs come from the `quotes.speech-verbs` word list, which users can change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tocsin import Coder
from tocsin.model import Article, CodedArticle, QuoteKind

PUBLISHED = dt.datetime(2014, 3, 10, 9, 0)
STORY = (
    "Russian Foreign Minister Sergei Lavrov said on Sunday that Moscow had no "
    "plans to send more troops to Crimea.\n\n"
    '"We will not negotiate under ultimatums. Our position has not changed," Lavrov told '
    "reporters in Moscow.\n\n"
    '"The choice belongs to the people of Crimea and nobody else," he added.\n\n'
    '"Any provocation will be answered," he said, "and answered firmly by our forces."\n\n'
    "According to Ukrainian border guards, Russian troops seized two border posts overnight. "
    "Russian officials denied the report.\n"
)


def coded(coder: Coder, text: str = STORY) -> CodedArticle:
    article = Article(id="q", text=text, published=PUBLISHED, dateline="MOSCOW")
    return coder.code_article(article)


def test_direct_quotes_across_sentences_have_their_speaker(coder: Coder) -> None:
    quotes = [q for q in coded(coder).quotes if q.kind is QuoteKind.DIRECT]
    assert quotes[0].text.startswith("We will not negotiate under ultimatums. Our position")
    assert all(q.speaker is not None and q.speaker.name == "Sergei Lavrov" for q in quotes)


def test_quote_split_by_he_said_keeps_both_halves(coder: Coder) -> None:
    texts = [q.text for q in coded(coder).quotes if q.kind is QuoteKind.DIRECT]
    assert any(t.startswith("Any provocation") for t in texts)
    assert any(t.startswith("and answered firmly") for t in texts)


def test_indirect_speech_and_according_to(coder: Coder) -> None:
    indirect = [q for q in coded(coder).quotes if q.kind is QuoteKind.INDIRECT]
    said = next(q for q in indirect if q.verb == "said")
    assert said.speaker is not None and said.speaker.country == "RUS"
    assert said.text.startswith("Moscow had no plans")
    according = next(q for q in indirect if q.verb == "according to")
    assert according.speaker is not None and according.speaker.country == "UKR"


def test_denied_report_is_disputed_with_its_events(coder_all: Coder) -> None:
    article = coded(coder_all)
    according = next(q for q in article.quotes if q.verb == "according to")
    assert according.disputed and according.disputed_by[0].country == "RUS"
    seizure = next(e for e in article.events if e.root in ("17", "19"))
    assert seizure.attributed_to is not None and seizure.attributed_to.country == "UKR"
    assert seizure.disputed and seizure.disputed_by[0].text == "Russian officials"


def test_every_party_reporting_an_act_is_listed(coder: Coder) -> None:
    text = (
        "Syrian state media said Israeli jets struck an air base near Homs. "
        "A war monitor said Israeli jets struck the base."
    )
    events = coded(coder, text).events
    strikes = [e for e in events if e.root == "19"]
    assert strikes
    names = {a.text for a in strikes[0].attributions}
    assert {"Syrian state media", "A war monitor"} <= names


def test_a_user_file_removing_a_speech_verb_changes_what_is_found(
    coder: Coder, tmp_path: Path
) -> None:
    text = (
        "Kenyan Foreign Minister Amina Oduya maintained that Kenya had no plans to send "
        'troops.\n\n"We will never send our soldiers there," Amina Oduya maintained.'
    )
    quotes = coded(coder, text).quotes
    assert [(q.kind, q.verb, q.speaker and q.speaker.name) for q in quotes] == [
        (QuoteKind.INDIRECT, "maintained", "Amina Oduya"),
        (QuoteKind.DIRECT, "maintained", "Amina Oduya"),
    ]
    (tmp_path / "speech.tsv").write_text(
        "# tocsin:words v1\n~quotes.speech-verbs\tmaintain\t-\n", encoding="utf-8"
    )
    mine = Coder(extra_data=[tmp_path], nlp=coder.nlp)
    assert "maintain" not in mine.quote_rules.speech_verbs
    quotes = coded(mine, text).quotes
    # the quotation marks still make a quote, but nobody is known to have said it
    assert [(q.kind, q.verb, q.speaker) for q in quotes] == [(QuoteKind.DIRECT, None, None)]
