"""Who reports an act: the subject of a speech verb above it, 'according to ...', or a report
noun; the speaker is resolved when it can be and kept as text when not, and never the doer."""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Token

from tocsin import Coder
from tocsin.model import Event
from tocsin.stages.actors import ActorResolver
from tocsin.stages.events import SentenceContext

DAY = dt.date(2024, 3, 10)


def code_sentence(coder: Coder, text: str) -> list[Event]:
    doc = coder.nlp(text)
    resolver = ActorResolver(coder.lexicon, coder.grammar, DAY)
    resolver.start_doc(doc)
    found = coder.events.code_sentence(
        next(iter(doc.sents)), SentenceContext("attribution", 0), resolver
    )
    return [f.event for f in found]


def attack(events: list[Event]) -> Event:
    return next(e for e in events if e.root == "19")


def word(coder: Coder, text: str, of: str) -> tuple[Token, ActorResolver]:
    doc = coder.nlp(text)
    resolver = ActorResolver(coder.lexicon, coder.grammar, DAY)
    resolver.start_doc(doc)
    return next(t for t in doc if t.text == of), resolver


def test_the_subject_of_a_speech_verb_reports_the_act(coder: Coder) -> None:
    events = code_sentence(coder, "Ukrainian officials said Russia attacked Kharkiv.")
    strike = attack(events)
    assert (strike.source.code, strike.attributed_to is not None) == ("RUS", True)
    assert strike.attributed_to is not None
    assert strike.attributed_to.text == "Ukrainian officials"
    assert strike.attributed_to.code == "UKRGOV"
    # the speech act itself is nobody's report
    said = next(e for e in events if e.root == "01")
    assert said.attributed_to is None


def test_according_to_names_the_reporter(coder: Coder) -> None:
    strike = attack(
        code_sentence(coder, "According to Ukrainian officials, Russia attacked Kharkiv.")
    )
    assert strike.attributed_to is not None
    assert (strike.attributed_to.text, strike.attributed_to.country) == (
        "Ukrainian officials",
        "UKR",
    )


def test_an_unresolved_reporter_is_kept_as_text(coder: Coder) -> None:
    strike = attack(code_sentence(coder, "According to a local blog, Russia attacked Kharkiv."))
    assert strike.attributed_to is not None
    assert strike.attributed_to.text == "a local blog"
    assert strike.attributed_to.code is None and not strike.attributed_to.is_resolved


def test_an_act_nobody_reports_has_no_attribution(coder: Coder) -> None:
    assert attack(code_sentence(coder, "Russia attacked Kharkiv.")).attributed_to is None


def test_the_doer_reporting_its_own_act_is_no_attribution(coder: Coder) -> None:
    # 'he' is Lavrov again: Lavrov saying he attacked is Lavrov's own act, not a report
    events = code_sentence(coder, "Lavrov said he attacked Blinken.")
    strike = attack(events)
    assert (strike.source.text, strike.source.name) == ("he", "Sergei Lavrov")
    assert strike.attributed_to is None


def test_reporter_and_speaker_of(coder: Coder) -> None:
    attribution = coder.events.attribution
    anchor, resolver = word(coder, "Ukrainian officials said Russia attacked Kharkiv.", "attacked")
    reporter = attribution.reporter(anchor, resolver)
    assert reporter is not None and reporter.code == "UKRGOV"
    speaker = attribution.speaker_of(anchor)
    assert speaker is not None and speaker.text == "officials"
    said, _ = word(coder, "Ukrainian officials said Russia attacked Kharkiv.", "said")
    assert attribution.is_speech(said)
    assert not attribution.is_speech(anchor)
