"""Matching words against the verb and noun patterns: which words carry an act, with which code
and rule; support verbs hand the act to their noun, family verbs are refined by their
complement, and either consumes the word it took the act from."""

from __future__ import annotations

import datetime as dt

from tocsin import Coder
from tocsin.stages.actors import ActorResolver
from tocsin.stages.events.match import Candidate, Matcher
from tocsin.trace import Trace

DAY = dt.date(2024, 3, 10)


def candidates(coder: Coder, text: str, trace: Trace | None = None) -> list[Candidate]:
    """The candidate acts of a one-sentence text, against a real resolver."""
    doc = coder.nlp(text)
    resolver = ActorResolver(coder.lexicon, coder.grammar, DAY)
    resolver.start_doc(doc)
    trace = trace if trace is not None else Trace()
    trace.sentence(0, text)
    matcher: Matcher = coder.events.matcher
    return matcher.candidates(next(iter(doc.sents)), resolver, trace)


def summary(found: list[Candidate]) -> list[tuple[str, str, str]]:
    return [(c.code, c.rule, c.trigger.text) for c in found]


def test_a_verb_pattern_fires_with_its_code_and_rule(coder: Coder) -> None:
    found = candidates(coder, "Russia attacked Ukraine.")
    assert summary(found) == [("190", "v.attack", "attacked")]
    only = found[0]
    assert only.noun is None and only.inner is None and only.consumed == ()
    assert [slot.kind for slot in only.targets] == ["obj"]


def test_a_support_verb_carries_its_nouns_act_and_consumes_the_noun(coder: Coder) -> None:
    found = candidates(coder, "Iran and Oman held talks in Muscat.")
    assert summary(found) == [("046", "v.hold+n.talk", "held")]
    held = found[0]
    assert held.noun is not None and held.noun.text == "talks"
    assert held.consumed == (held.noun.i,)
    # the noun alone, with no support verb, is a candidate of its own
    alone = candidates(coder, "The talks collapsed.")
    assert summary(alone) == [("046", "n.talk", "talks")]


def test_a_family_verb_is_refined_by_its_complement_and_consumes_it(coder: Coder) -> None:
    found = candidates(coder, "The US urged Israel to negotiate with Hamas.")
    assert summary(found) == [("026", "v.urge>v.negotiate", "urged")]
    urged = found[0]
    assert urged.inner is not None and urged.inner.code == "046"
    assert urged.complement is not None and urged.complement.text == "negotiate"
    assert urged.inner.trigger.i in urged.consumed
    # without a coded complement the family's own code stands
    plain = candidates(coder, "Turkey threatened Syria.")
    assert summary(plain) == [("130", "v.threaten", "threatened")]


def test_the_consumed_word_is_noted_in_the_trace(coder: Coder) -> None:
    trace = Trace(enabled=True)
    candidates(coder, "The US urged Israel to negotiate with Hamas.", trace)
    negotiate = next(t for t in trace.sentences[0].triggers if t.text == "negotiate")
    assert negotiate.rule == "v.negotiate" and negotiate.code == "046"
    assert negotiate.outcome == "part of the act coded by v.urge>v.negotiate"


def test_a_noun_modifying_another_noun_is_not_an_act(coder: Coder) -> None:
    trace = Trace(enabled=True)
    found = candidates(coder, "The peace talks team arrived in Doha.", trace)
    assert "talks" not in [c.trigger.text for c in found]
    talks = next(t for t in trace.sentences[0].triggers if t.text == "talks")
    assert talks.kind == "noun" and talks.rule is None
    assert talks.outcome == "modifies another noun, not an act of its own"


def test_a_forecast_is_not_a_threat(coder: Coder) -> None:
    assert candidates(coder, "The IMF warned that growth would slow.") == []
    # a warning of consequences, or one with an addressee, still is
    assert summary(candidates(coder, "Iran warned that there would be consequences.")) == [
        ("130", "v.warn", "warned")
    ]
    assert summary(candidates(coder, "The IMF warned Greece that growth would slow.")) == [
        ("130", "v.warn", "warned")
    ]


def test_a_warning_about_another_actors_act_keeps_that_act(coder: Coder) -> None:
    found = candidates(coder, "Iran warned that it would attack Israel.")
    assert summary(found) == [
        ("1384", "v.warn>v.attack", "warned"),
        ("190", "v.attack", "attack"),
    ]
    assert found[0].consumed == ()


def test_has_trigger_looks_for_any_pattern_word(coder: Coder) -> None:
    def sentence(text: str):
        return next(iter(coder.nlp(text).sents))

    assert coder.events.has_trigger(sentence("Russia attacked Ukraine."))
    assert coder.events.has_trigger(sentence("The talks lasted a week."))
    assert not coder.events.has_trigger(sentence("It rained in Paris all week."))
