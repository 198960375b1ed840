"""The spaCy pipeline helpers: a known name parsed as a verb is parsed again."""

from __future__ import annotations

from tocsin import Coder
from tocsin.nlp import repair_names


def test_a_name_read_as_a_verb_is_parsed_again(coder: Coder) -> None:
    doc = coder.nlp("ECOWAS imposed sanctions on Mali on Sunday.")
    assert doc[0].pos_ == "VERB"  # the small English model's reading, which loses the event
    repaired = repair_names(coder.nlp, doc, coder.lexicon.starts_name)
    assert [t.text for t in repaired] == [t.text for t in doc]
    assert repaired.text == doc.text
    assert repaired[0].pos_ == "PROPN" and repaired[0].dep_ == "nsubj"
    assert repaired[1].dep_ == "ROOT" and repaired[0].lemma_ == "ECOWAS"


def test_a_good_parse_is_kept_as_it_is(coder: Coder) -> None:
    doc = coder.nlp("The ECOWAS bloc imposed sanctions on Mali.")
    assert repair_names(coder.nlp, doc, coder.lexicon.starts_name) is doc
