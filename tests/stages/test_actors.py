"""The actors stage: the lexicon finds the names the knowledge files know, written as names
are; the resolver turns noun phrases into actors (country, sector, organisation, person) for one
article, dates office-holders by the publication day, follows coreference and places domestic
actors in the story's country."""

from __future__ import annotations

import datetime as dt

from spacy.tokens import Doc, Token

from tocsin import Coder
from tocsin.model import Actor, Span
from tocsin.stages.actors import ActorLexicon, ActorResolver
from tocsin.stages.actors.lexicon import EntryKind

DAY = dt.date(2024, 3, 10)


def mentions(lexicon: ActorLexicon, doc: Doc) -> list[tuple[str, EntryKind, str | None]]:
    return [
        (doc[m.start : m.end].text, m.entry.kind, m.entry.country)
        for m in lexicon.find_mentions(doc)
    ]


def resolver_for(coder: Coder, text: str, day: dt.date | None = DAY) -> tuple[Doc, ActorResolver]:
    doc = coder.nlp(text)
    resolver = ActorResolver(coder.lexicon, coder.grammar, day)
    resolver.start_doc(doc)
    return doc, resolver


def nth(doc: Doc, text: str, n: int = 0) -> Token:
    return [t for t in doc if t.text == text][n]


def resolve(resolver: ActorResolver, token: Token) -> Actor:
    actor = resolver.resolve(token)
    assert actor is not None, token.text
    return actor


def test_lexicon_finds_countries_capitals_organisations_and_people(coder: Coder) -> None:
    doc = coder.nlp("Sergei Lavrov flew from Moscow to France for talks with NATO.")
    assert mentions(coder.lexicon, doc) == [
        ("Sergei Lavrov", EntryKind.PERSON, None),
        ("Moscow", EntryKind.CAPITAL, "RUS"),
        ("France", EntryKind.COUNTRY, "FRA"),
        ("NATO", EntryKind.ORGANIZATION, None),
    ]
    nato = coder.lexicon.find_mentions(doc)[-1].entry.organization
    assert nato is not None and nato.name == "NATO"
    assert coder.lexicon.country_of_place("MOSCOW") == "RUS"
    assert coder.lexicon.people["sergei lavrov"][0].country == "RUS"


def test_lexicon_names_must_be_written_as_names(coder: Coder) -> None:
    # a short name only as listed: 'US' is the country, 'us' the pronoun
    doc = coder.nlp("The US and Nato told us to wait.")
    assert [m[0] for m in mentions(coder.lexicon, doc)] == ["US", "Nato"]
    lower = coder.nlp("The us army met WHO officials in france.")
    assert [m[0] for m in mentions(coder.lexicon, lower)] == ["WHO"]
    # 'Who' opening a question is not the World Health Organization
    assert mentions(coder.lexicon, coder.nlp("Who met the envoy?")) == []


def test_story_focus_and_ranked_countries(coder: Coder) -> None:
    _, resolver = resolver_for(
        coder, "Kenya and Uganda met. Kenya then signed a deal with Kenya's neighbours."
    )
    assert resolver.ranked == ["KEN", "UGA"]
    assert resolver.focus == "KEN"
    # the dateline's country comes first
    doc = coder.nlp("Kenya and Uganda met.")
    dated = ActorResolver(coder.lexicon, coder.grammar, DAY)
    dated.start_doc(doc, dateline="KAMPALA")
    assert dated.ranked == ["UGA", "KEN"]


def test_role_nouns_give_sectors_and_modifiers_countries(coder: Coder) -> None:
    doc, resolver = resolver_for(
        coder, "Police detained protesters after Russian Foreign Minister Ivanov spoke."
    )
    police = resolve(resolver, nth(doc, "Police"))
    assert (police.sector, police.country, police.code) == ("COP", None, "COP")
    protesters = resolve(resolver, nth(doc, "protesters"))
    assert (protesters.sector, protesters.code) == ("PRO", "PRO")
    minister = resolve(resolver, nth(doc, "Ivanov"))
    assert (minister.country, minister.sector, minister.code) == ("RUS", "GOV", "RUSGOV")
    assert minister.name == "Ivanov"
    # a word that names nobody is no actor
    assert resolver.resolve(nth(doc, "spoke")) is None


def test_office_holders_are_dated_by_the_publication_day(coder: Coder) -> None:
    text = "Joe Biden met Emmanuel Macron."

    def biden(day: dt.date | None) -> str | None:
        doc, resolver = resolver_for(coder, text, day)
        return resolve(resolver, nth(doc, "Biden")).code

    assert biden(dt.date(2022, 6, 1)) == "USAGOV"  # in office
    assert biden(dt.date(2026, 6, 1)) == "USAELI"  # out of office: an elite
    assert biden(dt.date(2015, 6, 1)) == "USA"  # before the term: a name of the country
    doc, resolver = resolver_for(coder, text, dt.date(2022, 6, 1))
    macron = resolve(resolver, nth(doc, "Macron"))
    assert (macron.name, macron.code, macron.text) == (
        "Emmanuel Macron",
        "FRAGOV",
        "Emmanuel Macron",
    )


def test_coreference_by_surname(coder: Coder) -> None:
    doc, resolver = resolver_for(
        coder,
        "Kenyan opposition leader Juma Otieno criticised the government. "
        "Otieno later met the president.",
    )
    first = resolve(resolver, nth(doc, "Otieno"))
    assert (first.name, first.code) == ("Juma Otieno", "KENOPP")
    assert resolver.coreference(nth(doc, "Otieno")) is None
    again = resolve(resolver, nth(doc, "Otieno", 1))
    assert (again.name, again.code, again.text) == ("Juma Otieno", "KENOPP", "Otieno")
    assert resolver.coreference(nth(doc, "Otieno", 1)) == (
        "the surname 'Otieno' refers to Juma Otieno"
    )


def test_coreference_by_title_and_pronoun(coder: Coder) -> None:
    doc, resolver = resolver_for(
        coder,
        "Russian Foreign Minister Sergei Lavrov met Antony Blinken in Geneva. "
        "The minister later criticised NATO. He also visited Uganda.",
    )
    lavrov = resolve(resolver, nth(doc, "Lavrov"))
    assert (lavrov.name, lavrov.code) == ("Sergei Lavrov", "RUSGOV")
    assert resolve(resolver, nth(doc, "Blinken")).code == "USAGOV"
    minister = resolve(resolver, nth(doc, "minister"))
    assert (minister.name, minister.code, minister.text) == (
        "Sergei Lavrov",
        "RUSGOV",
        "The minister",
    )
    assert resolver.coreference(nth(doc, "minister")) == (
        "the title 'minister' refers to Sergei Lavrov"
    )
    # the pronoun takes the latest person met as a subject, not the latest person
    he = resolve(resolver, nth(doc, "He"))
    assert (he.name, he.code, he.text) == ("Sergei Lavrov", "RUSGOV", "He")
    assert resolver.coreference(nth(doc, "He")) == "the pronoun 'He' refers to Sergei Lavrov"


def test_place_gives_domestic_actors_a_country(coder: Coder) -> None:
    doc, resolver = resolver_for(coder, "Police arrested protesters in Nairobi.")
    police = resolve(resolver, nth(doc, "Police"))
    assert police.country is None
    sentence = next(iter(doc.sents))
    assert resolver.setting(sentence) == "KEN"
    placed = resolver.place(police, where=resolver.setting(sentence))
    assert (placed.country, placed.code, placed.text) == ("KEN", "KENCOP", "Police")
    # with no place in the sentence, the story's country
    assert resolver.place(police).code == "KENCOP"
    # actors with a country, and international bodies, keep theirs
    kenya = Actor(text="Uganda", span=Span(0, 6), country="UGA", code="UGA")
    assert resolver.place(kenya, where="KEN") is kenya
    un = Actor(text="UN", span=Span(0, 2), sector="IGO", org="UNO", code="UNO")
    assert resolver.place(un, where="KEN") is un


def test_domestic_actors_acted_on_by_a_foreign_partner(coder: Coder) -> None:
    doc, resolver = resolver_for(coder, "Russia and Ukraine fought. Troops advanced.")
    troops = resolve(resolver, nth(doc, "Troops"))
    russia = resolve(resolver, nth(doc, "Russia"))
    # forces a country acts against are the other side's
    assert resolver.place(troops, partner=russia).country == "UKR"


def test_both_sides_are_the_two_main_countries(coder: Coder) -> None:
    doc, resolver = resolver_for(
        coder, "Israel and Lebanon exchanged fire. Egypt urged both sides to stop."
    )
    sides = resolver.both_sides(nth(doc, "sides"), exclude="EGY")
    assert [(a.code, a.text) for a in sides] == [("ISR", "both sides"), ("LBN", "both sides")]
    assert resolver.both_sides(nth(doc, "sides"), exclude="ISR")[0].code == "LBN"
    # a plain noun is no pair
    assert resolver.both_sides(nth(doc, "fire"), exclude=None) == []


def test_remembered_acts_name_a_recent_doer(coder: Coder) -> None:
    doc, resolver = resolver_for(coder, "Russia attacked Ukraine.")
    russia = resolve(resolver, nth(doc, "Russia"))
    resolver.remember_act(0, "19", russia)
    assert resolver.recent_doer(frozenset({"19"}), sentence=2, window=6) == russia
    assert resolver.recent_doer(frozenset({"04"}), sentence=2, window=6) is None
    assert resolver.recent_doer(frozenset({"19"}), sentence=10, window=6) is None
    assert resolver.recent_doer(frozenset({"19"}), sentence=2, window=6, exclude=(russia,)) is None
