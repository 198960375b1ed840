"""The spaCy pipeline helpers: a known name parsed as a verb is parsed again."""

from __future__ import annotations

from tocsin import Coder
from tocsin.model import Limits
from tocsin.nlp import parse_pieces, repair_names


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
