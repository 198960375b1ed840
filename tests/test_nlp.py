"""The spaCy pipeline helpers: a known name parsed as a verb is parsed again; a sub-heading
glued to the next sentence is split off."""

from __future__ import annotations

from tocsin import Coder
from tocsin.model import Limits
from tocsin.nlp import (
    parse_pieces,
    repair_names,
    repair_subjunctive,
    repair_timed_complements,
    repair_verbless,
    split_headings,
)


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


def test_a_sentence_read_as_one_name_is_parsed_again(coder: Coder) -> None:
    text = "Egyptian President Abdel Fattah al-Sisi hosted Qatar's Emir Tamim bin Hamad Al Thani."
    doc = coder.nlp(text)
    assert doc[7].text == "hosted" and doc[7].dep_ != "ROOT"  # the small model's reading
    repaired = repair_verbless(coder.nlp, doc, lambda t: t.lemma_ == "host")
    assert [t.text for t in repaired] == [t.text for t in doc]
    assert repaired[7].dep_ == "ROOT" and repaired[7].pos_ == "VERB"
    assert any(t.dep_ == "nsubj" and t.head.i == 7 for t in repaired)
    assert repaired[2].ent_type_ == "PERSON"  # the masked name keeps its entity


def test_a_sentence_with_a_verb_at_its_root_is_kept(coder: Coder) -> None:
    doc = coder.nlp("Egypt hosted Qatar's emir in Cairo on Sunday.")
    assert repair_verbless(coder.nlp, doc, lambda t: t.lemma_ == "host") is doc


DEMANDS = frozenset({"demand"})


def test_a_bare_verb_after_demanded_that_is_parsed_as_a_verb(coder: Coder) -> None:
    doc = coder.nlp("Kyiv again demanded that Germany supply Taurus cruise missiles.")
    assert doc[5].text == "supply" and doc[5].pos_ != "VERB"  # the small model's reading
    repaired = repair_subjunctive(coder.nlp, doc, DEMANDS, lambda w: w == "supply")
    assert [t.text for t in repaired] == [t.text for t in doc]
    assert (repaired[5].pos_, repaired[5].lemma_, repaired[5].dep_) == ("VERB", "supply", "ccomp")
    assert any(t.dep_ == "nsubj" and t.text == "Germany" for t in repaired[5].children)


def test_a_demand_whose_clause_has_its_verb_is_kept(coder: Coder) -> None:
    doc = coder.nlp("Ukraine demanded that Turkey closes the straits.")
    assert repair_subjunctive(coder.nlp, doc, DEMANDS, lambda w: w == "close") is doc


def test_an_infinitive_after_a_day_is_the_complement_of_a_verb_taking_one(coder: Coder) -> None:
    doc = coder.nlp("Chile offered on Tuesday to work with Argentina.")
    assert doc[5].text == "work" and doc[5].dep_ == "advcl"  # the small model's reading
    repaired = repair_timed_complements(doc, lambda t: t.lemma_ == "offer")
    assert repaired[5].dep_ == "xcomp"


def test_an_infinitive_of_purpose_stays_one(coder: Coder) -> None:
    doc = coder.nlp("The leaders met on Monday to discuss trade.")
    assert doc[6].dep_ == "advcl"
    assert repair_timed_complements(doc, lambda t: t.lemma_ == "offer")[6].dep_ == "advcl"


def test_a_sub_heading_glued_to_the_next_sentence_becomes_a_sentence(coder: Coder) -> None:
    text = (
        "The deal is yet to be signed. Trade approval During a visit to Nairobi last month, "
        "the Kenyan president said he backed the deal."
    )
    doc = split_headings(coder.nlp, coder.nlp(text), coder.lexicon.starts_name)
    assert [s.text.strip() for s in doc.sents][1:3] == [
        "Trade approval",
        "During a visit to Nairobi last month, the Kenyan president said he backed the deal.",
    ]
    assert doc.text == text


def test_a_capitalised_word_inside_a_known_name_is_no_heading_end(coder: Coder) -> None:
    doc = coder.nlp("Police held him for a week. Media watchdog Reporters Without Borders said so.")
    assert split_headings(coder.nlp, doc, coder.lexicon.starts_name) is doc


def test_a_long_text_is_cut_on_paragraphs_and_joins_back_whole() -> None:
    text = "\n\n".join(f"Paragraph {i} says Kenya met Uganda." for i in range(400))
    pieces = parse_pieces(text, chunk_chars=2_000, sentence_words=150)
    assert "".join(pieces) == text
    assert len(pieces) > 1 and all(len(p) <= 2_000 for p in pieces)
    assert all(p.startswith("Paragraph") for p in pieces)


def test_a_wall_of_words_is_cut_into_runs_the_parser_can_afford() -> None:
    text = " ".join(["word"] * 1_000) + ". Then a short one."
    pieces = parse_pieces(text, chunk_chars=100_000, sentence_words=150)
    assert "".join(pieces) == text
    assert max(len(p.split()) for p in pieces) <= 150


def test_a_story_parsed_in_pieces_codes_every_piece(coder: Coder) -> None:
    small = Coder(nlp=coder.nlp, limits=Limits(chunk_chars=300))
    cities = ("Nairobi", "Mombasa", "Kisumu")
    text = "\n\n".join(f"Police in {c} arrested three opposition leaders." for c in cities)
    doc = small.parse(text)
    assert doc.text == text
    assert len(small.code(text, published="2024-01-10")) == 3
