"""The shared parse helpers: subjects, objects, noun phrases, conjuncts and clauses, read from
spaCy's dependency labels on sentences the real model parses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.tokens import Doc, Token

from tocsin import Coder
from tocsin.syntax import (
    Grammar,
    clause_family,
    clause_mark,
    clause_subject,
    conjuncts,
    country_conjuncts,
    gerund_object,
    has_particle,
    own_clause,
    token_at,
)

Parse = Callable[[str], Doc]


@pytest.fixture(scope="module")
def parse(coder: Coder) -> Parse:
    return coder.nlp


@pytest.fixture(scope="module")
def grammar(coder: Coder) -> Grammar:
    return coder.grammar


def word(doc: Doc, text: str) -> Token:
    return next(t for t in doc if t.text == text)


def text_of(token: Token | None) -> str | None:
    return token.text if token is not None else None


def test_grammar_reads_its_words_from_the_knowledge_files(grammar: Grammar) -> None:
    assert "thousands" in grammar.quantity_nouns
    assert "urge" in grammar.object_control_verbs
    assert "of" in grammar.phrase_prepositions
    assert "that" in grammar.relative_pronouns


def test_subject_of_active_passive_and_controlled_verbs(parse: Parse, grammar: Grammar) -> None:
    active = parse("Russia attacked Ukraine.")
    assert text_of(grammar.subject_of(word(active, "attacked"))) == "Russia"
    passive = parse("Ukraine was attacked by Russia.")
    assert text_of(grammar.subject_of(word(passive, "attacked"))) == "Russia"
    agentless = parse("Ukraine was attacked overnight.")
    assert grammar.subject_of(word(agentless, "attacked")) is None
    # an object-control verb hands its object to the infinitive; a subject-control one does not
    urged = parse("The US urged Kenya to send troops.")
    assert text_of(grammar.subject_of(word(urged, "send"))) == "Kenya"
    agreed = parse("Russia agreed to send troops.")
    assert text_of(grammar.subject_of(word(agreed, "send"))) == "Russia"
    # a coordinated verb shares the first verb's subject
    both = parse("Russia attacked Ukraine and seized the port.")
    assert text_of(grammar.subject_of(word(both, "seized"))) == "Russia"


def test_subject_of_relative_clause_is_the_noun_it_modifies(parse: Parse, grammar: Grammar) -> None:
    doc = parse("The country that attacked Ukraine was Russia.")
    assert word(doc, "attacked").dep_ == "relcl"
    assert text_of(grammar.subject_of(word(doc, "attacked"))) == "country"


def test_direct_object_passive_subject_and_quantities(parse: Parse, grammar: Grammar) -> None:
    active = parse("Russia attacked Ukraine.")
    assert text_of(grammar.direct_object(word(active, "attacked"))) == "Ukraine"
    passive = parse("Ukraine was attacked by Russia.")
    assert text_of(grammar.direct_object(word(passive, "attacked"))) == "Ukraine"
    counted = parse("Police arrested thousands of protesters.")
    assert text_of(grammar.direct_object(word(counted, "arrested"))) == "protesters"
    # 'of' after a noun that counts nothing is not looked through
    owned = parse("Police arrested supporters of the mayor.")
    assert text_of(grammar.direct_object(word(owned, "arrested"))) == "supporters"
    intransitive = parse("The talks collapsed.")
    assert grammar.direct_object(word(intransitive, "collapsed")) is None


def test_np_tokens_take_modifiers_and_of_phrases_not_clauses(
    parse: Parse, grammar: Grammar
) -> None:
    doc = parse("The foreign minister of France, who arrived late, met Lavrov.")
    phrase = [t.text for t in grammar.np_tokens(word(doc, "minister"))]
    assert phrase == ["The", "foreign", "minister", "of", "France"]
    conj = parse("Russia and China signed a deal.")
    assert [t.text for t in grammar.np_tokens(word(conj, "Russia"))] == ["Russia"]


def test_conjuncts_of_coordinated_names(parse: Parse) -> None:
    doc = parse("Russia and China signed a deal.")
    assert [t.text for t in conjuncts(word(doc, "Russia"))] == ["Russia", "China"]
    three = parse("Russia, Iran and China held joint drills.")
    assert [t.text for t in conjuncts(word(three, "Russia"))] == ["Russia", "Iran", "China"]
    alone = parse("Russia signed a deal.")
    assert [t.text for t in conjuncts(word(alone, "Russia"))] == ["Russia"]


LIST_PREPOSITIONS = frozenset({"of", "from"})


def test_country_conjuncts_inside_one_phrase(parse: Parse) -> None:
    doc = parse("The German, British and French ministers met in Paris.")
    assert [t.text for t in country_conjuncts(word(doc, "ministers"), LIST_PREPOSITIONS)] == [
        "German",
        "British",
        "French",
    ]
    of = parse("The presidents of Kenya and Uganda met in Nairobi.")
    presidents = country_conjuncts(word(of, "presidents"), LIST_PREPOSITIONS)
    assert [t.text for t in presidents] == ["Kenya", "Uganda"]
    travel = parse("Italy banned travel from India, Bangladesh and Sri Lanka.")
    places = country_conjuncts(word(travel, "travel"), LIST_PREPOSITIONS)
    assert [t.text for t in places] == ["India", "Bangladesh", "Lanka"]
    single = parse("The German minister met Lavrov.")
    assert country_conjuncts(word(single, "minister"), LIST_PREPOSITIONS) == []


def test_clause_subject_and_own_clause(parse: Parse) -> None:
    doc = parse("Moscow demanded that Tbilisi sign the accord.")
    assert text_of(clause_subject(word(doc, "demanded"))) == "Tbilisi"
    assert own_clause(word(doc, "sign"))
    infinitive = parse("Moscow agreed to sign the accord.")
    assert clause_subject(word(infinitive, "agreed")) is None
    assert not own_clause(word(infinitive, "sign"))
    warned = parse("Iran warned that Israel would attack.")
    assert own_clause(word(warned, "attack"))


def test_gerund_object_is_a_bare_gerund_complement(parse: Parse) -> None:
    doc = parse("The army stopped firing.")
    assert text_of(gerund_object(word(doc, "stopped"))) == "firing"
    with_object = parse("The army stopped firing rockets.")
    assert gerund_object(word(with_object, "stopped")) is None


def test_has_particle_not_when_the_preposition_introduces_a_date(parse: Parse) -> None:
    call_on = parse("The UN called on Israel to stop the strikes.")
    assert has_particle(word(call_on, "called"), "on")
    on_monday = parse("The minister called on Monday.")
    assert not has_particle(word(on_monday, "called"), "on")
    assert not has_particle(word(call_on, "called"), "off")


def test_clause_family_holds_conjoined_and_governing_verbs(parse: Parse) -> None:
    doc = parse("Iran refused to meet and negotiate with the envoys.")
    family = {t.text for t in clause_family(word(doc, "negotiate"))}
    assert {"negotiate", "meet", "refused"} <= family
    # a noun's family is that of the verb above it
    noun = parse("Russia launched an attack on Kyiv.")
    assert {t.text for t in clause_family(word(noun, "attack"))} == {"launched"}


def test_token_at_counts_from_the_sentence_start(parse: Parse) -> None:
    doc = parse("It rained. Russia attacked Ukraine.")
    second = list(doc.sents)[1]
    assert text_of(token_at(second, 0)) == "Russia"
    assert text_of(token_at(second, 7)) == "attacked"
    assert text_of(token_at(second, 8)) == "Ukraine"
    assert token_at(second, 1000) is None


def test_for_opening_a_clause_counts_as_the_particle(parse: Parse) -> None:
    doc = parse("Rights groups called for the government to release the journalist.")
    assert has_particle(word(doc, "called"), "for")
    assert clause_mark(word(doc, "release")) == "for"
    plain = parse("Rights groups called the decision unfair.")
    assert not has_particle(word(plain, "called"), "for")
