"""The actor lexicon: every name the knowledge files know (countries, capitals, seats of power,
organisations, office-holders, gazetteer places) as token-sequence keys, built once per coder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from ...knowledge import Knowledge, OfficeTerm, Organization, Role
from ...model import Place

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

SECTOR_FIELD = "_sectors"  # ActorWords fields ending so are sector groups, not word lists
MAX_KEY = 8
SHORT_NAME = 3  # "US", "WHO", "AU": one-word names this short are also common words
HYPHENS = frozenset({"-", "–"})
PLAIN_NAME = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class ActorWords:
    """The actors stage's word lists (`actors.*` in data/words-actors.tsv) and sector groups."""

    setting_prepositions: frozenset[str]
    place_joiners: frozenset[str]
    venue_prepositions: frozenset[str]
    gathering_words: frozenset[str]
    pair_nouns: frozenset[str]
    pair_determiners: frozenset[str]
    stance_prefixes: frozenset[str]
    member_nouns: frozenset[str]
    member_prepositions: frozenset[str]
    person_pronouns: frozenset[str]
    group_pronouns: frozenset[str]
    possessive_group_pronouns: frozenset[str]
    country_nouns: frozenset[str]
    domestic_sectors: frozenset[str]
    home_sectors: frozenset[str]
    international_sectors: frozenset[str]
    reporter_sectors: frozenset[str]
    insurgent_sectors: frozenset[str]

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> ActorWords:
        groups = [f.name for f in fields(cls) if f.name.endswith(SECTOR_FIELD)]
        words = [f.name for f in fields(cls) if f.name not in groups]
        return cls(
            **knowledge.word_fields("actors", words),
            **{name: knowledge.sectors_in(name.removesuffix(SECTOR_FIELD)) for name in groups},
        )


class EntryKind(StrEnum):
    COUNTRY = "country"
    ADJECTIVE = "adjective"
    CAPITAL = "capital"
    SEAT = "seat"
    ORGANIZATION = "organization"
    PERSON = "person"
    PLACE = "place"


SETTING_KINDS = frozenset({EntryKind.PLACE, EntryKind.COUNTRY, EntryKind.CAPITAL})


@dataclass(frozen=True, slots=True)
class Entry:
    kind: EntryKind
    country: str | None = None
    organization: Organization | None = None
    terms: tuple[OfficeTerm, ...] = ()
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A lexicon match over doc tokens [start, end)."""

    start: int
    end: int
    entry: Entry


class ActorLexicon:
    """Token-sequence lookup built once from the knowledge files."""

    def __init__(
        self,
        knowledge: Knowledge,
        tokenize: Callable[[str], list[str]],
        places: Iterable[tuple[str, Place]] = (),
    ) -> None:
        self.entries: dict[tuple[str, ...], Entry] = {}
        self.exact_forms: dict[str, set[str]] = {}
        self.acronyms: set[str] = set()
        self.spelled_out: dict[str, list[Entry]] = {}
        self.longest: dict[str, int] = {}
        self.roles: dict[tuple[str, ...], Role] = {
            tuple(phrase.split()): role for phrase, role in knowledge.roles.items()
        }
        self.people: dict[str, list[OfficeTerm]] = {}
        self._tokenize = tokenize
        self.words = ActorWords.from_knowledge(knowledge)
        for name, place in places:
            self._add(name, Entry(EntryKind.PLACE, place.country, place=place), replace=True)
        for country in knowledge.countries.values():
            self._add_all(country.names, Entry(EntryKind.COUNTRY, country.iso3))
            self._add_all(country.adjectives, Entry(EntryKind.ADJECTIVE, country.iso3))
            self._add_all(country.capitals, Entry(EntryKind.CAPITAL, country.iso3))
            self._add_all(country.seats, Entry(EntryKind.SEAT, country.iso3))
        for org in knowledge.organizations.values():
            self._add_all((org.name, *org.aliases), Entry(EntryKind.ORGANIZATION, org.country, org))
        spellings: dict[str, str] = {}
        for term in knowledge.officeholders:
            for name in (term.name, *term.aliases):
                self.people.setdefault(name.lower(), []).append(term)
                spellings.setdefault(name.lower(), name)
        for key, terms in self.people.items():
            self._add(
                spellings[key],
                Entry(EntryKind.PERSON, terms=tuple(terms)),
                replace=self.entries.get(tuple(key.split()), Entry(EntryKind.PLACE)).kind
                is EntryKind.PLACE,
            )

    def _add_all(self, names: Iterable[str], entry: Entry) -> None:
        for name in names:
            self._add(name, entry, replace=True)

    def _add(self, name: str, entry: Entry, *, replace: bool) -> None:
        if PLAIN_NAME.fullmatch(name):
            tokens = tuple(name.split())  # what the tokenizer would give, much faster
        else:
            tokens = tuple(t for t in self._tokenize(name) if t.strip())
        if not tokens or len(tokens) > MAX_KEY:
            return
        key = tuple(t.lower() for t in tokens)
        if not replace and key in self.entries:
            return
        self.entries[key] = entry
        self.longest[key[0]] = max(self.longest.get(key[0], 0), len(key))
        if len(tokens) == 1:
            self._note_spelling(tokens[0], entry)

    def _note_spelling(self, word: str, entry: Entry) -> None:
        """Remember how a one-word name may be written.

        Short names ("US", "UN", "IS", "WHO", "AU") match only as listed, never as the pronoun
        or the verb. A longer acronym ("NATO", "HAMAS", "UNICEF") also matches capitalised as
        British papers write it ("Nato", "Hamas", "Unicef"), unless that spelling names
        something else ("Sana", the Yemeni city, is not SANA, the Syrian news agency).
        """
        key = word.lower()
        if len(word) <= SHORT_NAME:
            self.exact_forms.setdefault(key, set()).add(word)
        elif word.isupper():
            self.acronyms.add(key)
        else:
            self.spelled_out.setdefault(key, []).append(entry)

    def find_mentions(self, doc: Doc) -> list[Mention]:
        """Longest matches left to right; names must be capitalised as names are."""
        mentions: list[Mention] = []
        others: set[str] = set()
        named: dict[str, str] = {}
        i = 0
        while i < len(doc):
            found = self._match_at(doc, i)
            if self._names_someone_else(doc[i], found, others):
                found = None
            if found:
                found = self._as_named_before(found, doc[i].text, named)
                mentions.append(found)
                i = found.end
            else:
                i += 1
        return mentions

    def _names_someone_else(self, token: Token, found: Mention | None, others: set[str]) -> bool:
        """A one-word known name of a person or place that here names a person tocsin does not
        know: the end of another full name ("Richard Bennett" is not Naftali Bennett; "Jose
        Ruben Zamora" is not Zamora, Mexico), and that word alone later in the story."""
        entry = self.entries.get((token.lower_,))
        if entry is None or entry.kind not in (EntryKind.PERSON, EntryKind.PLACE):
            return False
        if token.ent_type_ == "PERSON" and token.ent_iob_ == "I":
            others.add(token.lower_)
            return True
        one_word = found is not None and found.end - found.start == 1
        return one_word and token.lower_ in others

    def _as_named_before(self, found: Mention, word: str, named: dict[str, str]) -> Mention:
        """'Albanese' after 'Francesca Albanese' is Francesca Albanese, whoever else the
        surname names; `named` maps the last word of each person the story has named in full
        so far to that full name."""
        if found.entry.kind is not EntryKind.PERSON:
            return found
        if found.end - found.start > 1:
            for term in found.entry.terms:
                named[term.name.split()[-1].lower()] = term.name.lower()
            return found
        terms = tuple(self.people.get(named.get(word.lower(), ""), ()))
        if not terms or terms == found.entry.terms:
            return found
        return replace(found, entry=replace(found.entry, terms=terms))

    def starts_name(self, token: Token) -> bool:
        """Whether a known name (country, organisation, office-holder, place) starts here."""
        return self._match_at(token.doc, token.i) is not None

    def _match_at(self, doc: Doc, i: int) -> Mention | None:
        first = doc[i]
        longest = self.longest.get(first.lower_)
        if longest is None or not first.text[:1].isupper():
            return None
        for n in range(min(longest, len(doc) - i), 0, -1):
            words = tuple(t.text for t in doc[i : i + n])
            entry = self.entries.get(tuple(w.lower() for w in words))
            if entry is None:
                continue
            if n == 1 and not self._spelling_fits(first, entry):
                continue
            if entry.kind is EntryKind.PLACE and not self._looks_like_place(
                doc[i : i + n], entry.place
            ):
                continue
            return Mention(i, i + n, entry)
        return None

    def _spelling_fits(self, token: Token, entry: Entry) -> bool:
        """A one-word name written as names are: a short one exactly as listed; an acronym
        capitalised as its own entry spells it ("Nato"), or, known only in capitals ("CARE"),
        where it is not a common word opening a sentence ("Care must be taken")."""
        key = token.lower_
        exact = self.exact_forms.get(key)
        if exact is not None:
            return token.text in exact
        if key not in self.acronyms or token.text.isupper():
            return True
        owners = self.spelled_out.get(key)
        if owners:
            return any(owner is entry for owner in owners)
        return _name_like(token)

    def _looks_like_place(self, tokens: SpacySpan, place: Place | None) -> bool:
        """Capitalised names ('Gulf of Aden' may have 'of' inside); a city must not be a person's
        name ('Jackson'), and a capitalised common noun counts only inside a sentence ('Homs').
        A region's name of three words or more is specific enough to take any inner words
        ('Pakistan-administered Kashmir', 'Jammu and Kashmir')."""
        ends_ok = _name_like(tokens[0]) and _name_like(tokens[-1])
        is_city = place is None or place.kind == "city"
        inner_ok = (not is_city and len(tokens) > 2) or all(
            _name_like(t) or t.lower_ in self.words.place_joiners for t in tokens
        )
        return ends_ok and inner_ok and not (is_city and _inside_person_name(tokens))

    def country_of_place(self, place: str) -> str | None:
        """The country of a dateline place we know (a capital or a country name)."""
        entry = self.entries.get(tuple(w.lower() for w in self._tokenize(place.title())))
        return entry.country if entry is not None else None

    def role_at(self, lemmas: tuple[str, ...]) -> Role | None:
        return self.roles.get(lemmas)


def _name_like(token: Token) -> bool:
    """A proper noun, or a capitalised common noun that does not merely open a sentence."""
    return token.pos_ == "PROPN" or (
        token.pos_ == "NOUN" and token.text[:1].isupper() and not token.is_sent_start
    )


def _inside_person_name(tokens: SpacySpan) -> bool:
    """'Andrew Jackson' is a person; 'Córdoba' alone, even if tagged PERSON, is a place."""
    doc = tokens.doc
    after = doc[tokens.end] if tokens.end < len(doc) else None
    return tokens[0].ent_type_ == "PERSON" and (
        tokens[0].ent_iob_ == "I"
        or (after is not None and after.ent_iob_ == "I" and after.ent_type_ == "PERSON")
    )


def is_venue(mention: Mention, doc: Doc, words: ActorWords) -> bool:
    """A place named as where a meeting is held ('talks in Geneva') says where the parties
    met, not who they are or which country their act happens to."""
    root = doc[mention.start : mention.end].root
    prep = root.head
    return (
        root.dep_ == "pobj"
        and prep.lower_ in words.venue_prepositions
        and prep.head.lemma_.lower() in words.gathering_words
    )


def continues_person_name(token: Token) -> bool:
    """'Qin Gang' is a name, not a gang: a word inside a person's name, after its first word,
    is no role noun. A title that opens the name ('President Joe Biden') still is."""
    return token.ent_type_ == "PERSON" and token.ent_iob_ == "I"


def is_affix(doc: Doc, start: int, words: ActorWords) -> bool:
    """'pro-Russian', 'anti-American': a country named in a stance, not an actor's country."""
    return (
        start >= 2
        and doc[start - 1].text in HYPHENS
        and doc[start - 2].lower_ in words.stance_prefixes
    )


def person_name(tokens: list[Token], head: Token) -> str | None:
    if head.ent_type_ == "PERSON":
        ent = [t for t in tokens if t.ent_type_ == "PERSON" and t.i <= head.i]
        run = _contiguous_ending_at(ent, head.i)
        return " ".join(t.text for t in run) if run else None
    appos = [t for t in tokens if t.dep_ == "appos" and t.ent_type_ == "PERSON"]
    for token in appos:
        run = [t for t in token.subtree if t.ent_type_ == "PERSON"]
        if run:
            return " ".join(t.text for t in run)
    return None


def _contiguous_ending_at(tokens: list[Token], last: int) -> list[Token]:
    by_index = {t.i: t for t in tokens}
    run = []
    i = last
    while i in by_index:
        run.append(by_index[i])
        i -= 1
    return list(reversed(run))
