"""The trace the coder fills as it runs, for `tocsin explain`: for each candidate trigger the
patterns tried and the rule that fired, how source and target were chosen, the modality and
why, coreference, and every candidate or event dropped with the reason."""

from __future__ import annotations

import json

from tocsin import Coder
from tocsin.trace import Trace, TriggerTrace, describe, render_text

STORY = (
    "Russian Foreign Minister Sergei Lavrov met Antony Blinken in Geneva. "
    "The minister later criticised NATO. "
    "Russia did not attack Ukraine."
)


def record(trace: Trace, sentence: int, text: str) -> TriggerTrace:
    return next(t for t in trace.sentences[sentence].triggers if t.text == text)


def test_patterns_tried_and_the_rule_that_fired(coder: Coder) -> None:
    _, trace = coder.explain(STORY, published="2024-03-10")
    assert [(s.index, s.text) for s in trace.sentences] == [
        (0, "Russian Foreign Minister Sergei Lavrov met Antony Blinken in Geneva."),
        (1, "The minister later criticised NATO."),
        (2, "Russia did not attack Ukraine."),
    ]
    met = record(trace, 0, "met")
    assert (met.sentence, met.token, met.kind) == (0, 5, "verb")
    assert (met.rule, met.code, met.outcome) == ("v.meet", "040", "coded")
    assert "v.meet.with.force: no particle 'with'" in met.patterns
    assert met.patterns[-1] == "v.meet: fired, code 040"
    assert met.events == ["RUSGOV 040 USAGOV (asserted)"]
    assert met.dropped == []


def test_source_target_modality_and_coreference_steps(coder: Coder) -> None:
    _, trace = coder.explain(STORY, published="2024-03-10")
    met = record(trace, 0, "met")
    assert met.steps == [
        "modality: asserted: nothing marks it otherwise",
        "source: the subject 'Lavrov' → RUSGOV",
        "target: pattern slot obj → USAGOV",
    ]
    criticised = record(trace, 1, "criticised")
    assert "coreference: the title 'minister' refers to Sergei Lavrov" in criticised.steps
    assert "source: the subject 'minister' → RUSGOV" in criticised.steps
    attack = record(trace, 2, "attack")
    assert "modality: negated: negation on 'attack'" in attack.steps


def test_an_event_left_out_by_default_is_dropped_with_its_reason(coder: Coder) -> None:
    coded, trace = coder.explain(STORY, published="2024-03-10")
    assert [describe(e) for e in coded.events] == [
        "RUSGOV 040 USAGOV (asserted)",
        "RUSGOV 111 IGONATO (asserted)",
    ]
    attack = record(trace, 2, "attack")
    assert attack.events == ["RUS 190 UKR (negated)"]
    assert attack.dropped == ["RUS 190 UKR (negated): left out by default: negated"]


def test_a_candidate_without_a_source_is_dropped(coder: Coder) -> None:
    _, trace = coder.explain("France disagreed with Germany over aid.", published="2024-03-10")
    aid = record(trace, 0, "aid")
    assert (aid.kind, aid.rule, aid.outcome) == ("noun", "n.aid", "coded")
    assert "source: 'aid' has no subject" in aid.steps
    assert aid.dropped == ["no source found"]
    assert aid.events == []


def test_a_conflict_noun_without_a_verb_is_dropped(coder: Coder) -> None:
    _, trace = coder.explain("France disagreed with Germany on tariffs.", published="2024-03-10")
    tariffs = record(trace, 0, "tariffs")
    assert tariffs.dropped == [
        "a noun alone names an act told before or long past: no verb asserts it"
    ]


def test_a_candidate_consumed_by_a_family_verb(coder: Coder) -> None:
    coded, trace = coder.explain(
        "The US urged Israel to negotiate with Hamas.", published="2024-03-10"
    )
    assert [e.cameo for e in coded.events] == ["026"]
    urged = record(trace, 0, "urged")
    assert (urged.rule, urged.code, urged.outcome) == ("v.urge>v.negotiate", "026", "coded")
    negotiate = record(trace, 0, "negotiate")
    assert negotiate.outcome == "part of the act coded by v.urge>v.negotiate"
    assert (negotiate.rule, negotiate.code) == ("v.negotiate", "046")
    assert negotiate.steps == [] and negotiate.events == []


def test_a_disabled_trace_records_nothing(coder: Coder) -> None:
    doc = coder.nlp("Russia attacked Ukraine.")
    trace = Trace()
    trace.sentence(0, doc.text)
    trace.trigger(doc[1], "verb")
    trace.pattern("v.attack", "fired")
    trace.matched("190", "v.attack")
    trace.step("source", "Russia")
    trace.event("RUS 190 UKR (asserted)")
    trace.drop("no source found")
    trace.outcome("coded")
    trace.focus(doc[1])
    assert trace.sentences == []
    assert trace.as_dict() == {"sentences": []}
    # and an enabled one records each call on the trigger in focus
    live = Trace(enabled=True)
    live.sentence(0, doc.text)
    live.trigger(doc[1], "verb")
    live.trigger(doc[2], "noun")
    live.focus(doc[1])
    live.pattern("v.attack", "fired")
    live.matched("190", "v.attack")
    live.step("source", "Russia")
    first, second = live.sentences[0].triggers
    assert (first.text, first.rule, first.patterns, first.steps) == (
        "attacked",
        "v.attack",
        ["v.attack: fired"],
        ["source: Russia"],
    )
    assert (second.text, second.rule, second.patterns) == ("Ukraine", None, [])


def test_render_text_shape(coder: Coder) -> None:
    coded, trace = coder.explain(STORY, published="2024-03-10")
    text = render_text(trace, [describe(e) for e in coded.events])
    lines = text.splitlines()
    assert lines[:9] == [
        "sentence 0: Russian Foreign Minister Sergei Lavrov met Antony Blinken in Geneva.",
        "  verb 'met': coded 040 by v.meet",
        "    tried v.meet.with.force: no particle 'with'",
        "    tried v.meet.demand: object 'blinken' does not fit",
        "    tried v.meet: fired, code 040",
        "    modality: asserted: nothing marks it otherwise",
        "    source: the subject 'Lavrov' → RUSGOV",
        "    target: pattern slot obj → USAGOV",
        "    event RUSGOV 040 USAGOV (asserted)",
    ]
    assert "    dropped RUS 190 UKR (negated): left out by default: negated" in lines
    assert lines[-3:] == [
        "2 events reported by default",
        "  RUSGOV 040 USAGOV (asserted)",
        "  RUSGOV 111 IGONATO (asserted)",
    ]
    consumed, urged_trace = coder.explain("The US urged Israel to negotiate with Hamas.")
    urged = render_text(urged_trace, [describe(e) for e in consumed.events])
    assert (
        "  verb 'negotiate': part of the act coded by v.urge>v.negotiate "
        "(matched 046 by v.negotiate)"
    ) in urged.splitlines()
    assert urged.splitlines()[-2:] == ["1 event reported by default", "  USA 026 ISR (asserted)"]


def test_as_dict_shape(coder: Coder) -> None:
    _, trace = coder.explain(STORY, published="2024-03-10")
    data = trace.as_dict()
    json.dumps(data)  # JSON-ready
    sentences = data["sentences"]
    assert isinstance(sentences, list) and len(sentences) == 3
    first = sentences[0]
    assert set(first) == {"index", "text", "triggers"}
    met = first["triggers"][0]
    assert set(met) == {
        "sentence",
        "token",
        "text",
        "kind",
        "patterns",
        "rule",
        "code",
        "outcome",
        "steps",
        "events",
        "dropped",
    }
    assert (met["text"], met["rule"], met["code"], met["outcome"]) == (
        "met",
        "v.meet",
        "040",
        "coded",
    )
