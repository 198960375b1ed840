"""Who did it and to whom: the source from the subject, the target from a pattern slot, the
object, a 'between A and B' pair, an addressee, the place struck, or the doer's own government;
each choice is the one the trace names."""

from __future__ import annotations

from collections.abc import Callable

from tocsin import Coder
from tocsin.model import Event

SentenceCoder = Callable[[str], tuple[list[Event], list[str]]]


def parties(event: Event) -> tuple[str | None, str | None]:
    return event.source.code, event.target.code if event.target is not None else None


def test_source_is_the_subject_and_target_the_object(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Russia attacked Ukraine.")
    assert [(e.cameo, *parties(e)) for e in events] == [("190", "RUS", "UKR")]
    assert events[0].source.text == "Russia" and events[0].target is not None
    assert events[0].target.text == "Ukraine"
    assert "source: the subject 'Russia' → RUS" in steps
    assert "target: pattern slot obj → UKR" in steps


def test_passive_agent_is_the_source(code_sentence: SentenceCoder) -> None:
    events, _ = code_sentence("Ukraine was attacked by Russia.")
    assert [(e.cameo, *parties(e)) for e in events] == [("190", "RUS", "UKR")]


def test_target_from_a_prepositional_pattern_slot(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("France disagreed with Germany on tariffs.")
    assert [(e.cameo, *parties(e)) for e in events] == [("110", "FRA", "DEU")]
    assert "target: pattern slot prep:with → DEU" in steps


def test_between_a_and_b_is_a_symmetric_pair(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Talks between Iran and Oman began on Monday.")
    assert [(e.cameo, *parties(e), e.symmetric) for e in events] == [("046", "IRN", "OMN", True)]
    assert "source: the event noun's own phrase → IRN" in steps


def test_addressee_of_a_demand_is_the_clause_subject(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Russia demanded that Tbilisi sign the accord.")
    demand = next(e for e in events if e.root == "10")
    assert (demand.cameo, *parties(demand)) == ("107", "RUS", "GEOGOV")
    assert demand.target is not None and demand.target.text == "Tbilisi"
    assert "target: the addressee 'Tbilisi' → GEOGOV" in steps


def test_force_used_in_a_place_targets_its_country(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Israel struck targets in southern Lebanon.")
    assert [(e.cameo, *parties(e)) for e in events] == [("190", "ISR", "LBN")]
    assert "target: the place where force was used or aid sent → LBN" in steps


def test_a_grievance_about_a_state_act_targets_the_own_government(
    code_sentence: SentenceCoder,
) -> None:
    events, steps = code_sentence("Kenyan protesters demanded the repeal of the finance bill.")
    assert [(e.cameo, *parties(e)) for e in events] == [("100", "KENPRO", "KENGOV")]
    assert "target: its own government, over 'repeal' → KENGOV" in steps
    # a demand with no state act in it has no target of its own
    events, _ = code_sentence("Kenyan protesters demanded better wages.")
    assert [parties(e) for e in events] == [("KENPRO", None)]


def test_parties_of_a_reciprocal_act_act_on_each_other(code_sentence: SentenceCoder) -> None:
    events, steps = code_sentence("Armenia and Azerbaijan exchanged prisoners.")
    assert [(e.cameo, *parties(e), e.symmetric) for e in events] == [("0841", "ARM", "AZE", True)]
    assert "target: the sources act on each other" in steps


def test_both_sides_are_the_storys_two_main_countries(coder_all: Coder) -> None:
    events = coder_all.code(
        "Israel and Lebanon exchanged fire. Egypt urged both sides to show restraint.",
        published="2024-03-10",
    )
    urged = [parties(e) for e in events if e.cameo == "020"]
    assert urged == [("EGY", "ISR"), ("EGY", "LBN")]


def test_an_act_noun_refers_back_to_an_earlier_doer(coder: Coder) -> None:
    events = coder.code(
        "Russian forces killed ten civilians in Kharkiv. The UN condemned the killings.",
        published="2024-03-10",
    )
    condemned = next(e for e in events if e.cameo == "111")
    assert parties(condemned) == ("UNO", "RUSMIL")
