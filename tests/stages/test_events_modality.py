"""How firmly an act is reported, and why: negation, modal auxiliaries, conditions, governing
verbs, reported 'would'; and the CAMEO rewrites that depend on it (a future cooperative act is
an asserted intent) or on the sentence (tanks sent to a border are a mobilisation)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tocsin import Coder
from tocsin.model import Event, Modality

SentenceCoder = Callable[[str], tuple[list[Event], list[str]]]


def modality(coder: Coder, text: str, word: str) -> tuple[Modality, str]:
    doc = coder.nlp(text)
    token = next(t for t in doc if t.text == word)
    return coder.events.modality.modality(token)


@pytest.mark.parametrize(
    ("text", "word", "expected", "why"),
    [
        ("Russia attacked Ukraine.", "attacked", Modality.ASSERTED, "nothing marks it otherwise"),
        ("Russia did not attack Ukraine.", "attack", Modality.NEGATED, "negation on 'attack'"),
        ("No country attacked Ukraine.", "attacked", Modality.NEGATED, "negated subject"),
        ("Russia refused to attack Ukraine.", "attack", Modality.NEGATED, "governed by 'refused'"),
        ("Russia could attack Ukraine.", "attack", Modality.HYPOTHETICAL, "auxiliary 'could'"),
        (
            "If Russia attacks Ukraine, NATO will respond.",
            "attacks",
            Modality.HYPOTHETICAL,
            "a condition on 'attacks'",
        ),
        ("Iran hopes to sign a deal.", "sign", Modality.HYPOTHETICAL, "governed by 'hopes'"),
        ("Russia will attack Ukraine.", "attack", Modality.FUTURE, "auxiliary 'will'"),
        ("Russia plans to attack Ukraine.", "attack", Modality.FUTURE, "governed by 'plans'"),
        (
            "Officials said Russia would attack Ukraine.",
            "attack",
            Modality.FUTURE,
            "'would' in reported speech",
        ),
        (
            "Macron suggested that Putin and Zelensky meet in Paris.",
            "meet",
            Modality.PROPOSED,
            "proposed by 'suggested'",
        ),
        (
            "Officials said Russia attacked Ukraine.",
            "attacked",
            Modality.ASSERTED,
            "reported by 'said'",
        ),
    ],
)
def test_modality_and_its_reason(
    coder: Coder, text: str, word: str, expected: Modality, why: str
) -> None:
    found, reason = modality(coder, text, word)
    assert found is expected
    assert why in reason


def test_events_carry_the_modality_and_the_trace_its_reason(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Russia did not attack Ukraine.")
    assert [(e.cameo, e.modality) for e in events] == [("190", Modality.NEGATED)]
    assert "modality: negated: negation on 'attack'" in steps
    events, _ = code_sentence("Russia could attack Ukraine.")
    assert [e.modality for e in events] == [Modality.HYPOTHETICAL]


def test_a_future_cooperative_act_is_an_asserted_intent(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Putin will meet Xi in Beijing.")
    assert [(e.cameo, e.rule, e.modality) for e in events] == [("036", "v.meet", Modality.ASSERTED)]
    assert "modality: future: auxiliary 'will'" in steps
    assert "rewrite: announced-cooperation: 040 → 036, asserted" in steps
    # an announced attack is a threat of force, asserted
    events, steps = code_sentence("Russia will attack Ukraine.")
    assert [(e.cameo, e.modality) for e in events] == [("1384", Modality.ASSERTED)]
    assert "rewrite: announced-coercion: 190 → 1384, asserted" in steps
    # a question announces nothing
    events, steps = code_sentence("Will Russia attack Ukraine?")
    assert [(e.cameo, e.modality) for e in events] == [("190", Modality.HYPOTHETICAL)]
    assert "modality: hypothetical: a question" in steps


def test_tanks_sent_to_a_border_are_a_mobilisation(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Russia sent tanks to the border.")
    assert [(e.cameo, e.rule) for e in events] == [("154", "v.send.weapon")]
    assert "rewrite: border-deployment: 072 → 154" in steps
    events, steps = code_sentence("Russia sent tanks to Belarus.")
    assert [(e.cameo, e.target and e.target.code) for e in events] == [("072", "BLR")]
    assert not any(s.startswith("rewrite") for s in steps)
