"""Resolve noun phrases to actors: country, sector, organisation, person, with coreference.

The lexicon turns the knowledge files into token-sequence keys; `ActorResolver` works over one
article at a time, so the people and groups it has met can be referred to again later ("Lavrov",
"the minister", "he").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

from .knowledge import Knowledge, OfficeTerm, Organization, Role
from .model import Actor, Place, Span
from .places import Gazetteer, PlaceMention

MAX_KEY = 8
SHORT_NAME = 3  # "US", "WHO", "AU": one-word names this short are also common words
PLAIN_NAME = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")
NP_DEPS = frozenset(
    {
        "compound",
        "amod",
        "poss",
        "det",
        "nmod",
        "nummod",
        "flat",
        "case",
        "appos",
        "npadvmod",
        "quantmod",
    }
)
NP_PREPS = frozenset({"of", "at", "from", "in", "for"})
DOMESTIC_SECTORS = frozenset(
    {
        "OPP",
        "PRO",
        "CVL",
        "PTY",
        "LEG",
        "JUD",
        "MED",
        "LAB",
        "HLH",
        "EDU",
        "BUS",
        "REL",
        "CRM",
        "COP",
        "ELI",
        "AGR",
        "GOV",
    }
)
INTERNATIONAL_SECTORS = frozenset({"IGO", "NGO"})
# Police, courts, intelligence services and pro-government militias act on their own people.
HOME_SECTORS = DOMESTIC_SECTORS | {"SPY", "PRM"}
SETTING_PREPS = frozenset({"in", "at", "near", "across", "outside", "inside", "around", "through"})
PLACE_JOINERS = frozenset({"of", "the", "de", "al", "el", "la", "-"})
# "Ministers meeting in Luxembourg", "leaders at a summit in Brussels": a place where people
# gather names the venue, not who gathers there.
VENUE_PREPS = frozenset({"in", "at"})
GATHERING_LEMMAS = frozenset(
    {
        "meet",
        "meeting",
        "summit",
        "talk",
        "talks",
        "conference",
        "gather",
        "gathering",
        "convene",
        "session",
        "forum",
    }
)
PAIR_NOUNS = frozenset(
    {
        "country",
        "side",
        "nation",
        "neighbour",
        "neighbor",
        "party",
        "government",
        "capital",
        "rival",
        "foe",
    }
)
QUANTITY_NOUNS = frozenset(
    {
        "thousand",
        "thousands",
        "hundred",
        "hundreds",
        "dozen",
        "dozens",
        "million",
        "millions",
        "score",
        "scores",
        "tonne",
        "ton",
        "number",
        "group",
        "batch",
        "shipment",
        "consignment",
        "planeload",
        "truckload",
        "shipload",
        "convoy",
        "lot",
        "couple",
        "handful",
        "crowd",
        "round",
        "package",
        "series",
        "wave",
    }
)
AFFIXES = frozenset({"pro", "anti", "non", "post", "pre"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his"})
GROUP_PRONOUNS = frozenset({"they", "them", "it", "we"})


class EntryKind(StrEnum):
    COUNTRY = "country"
    ADJECTIVE = "adjective"
    CAPITAL = "capital"
    SEAT = "seat"
    ORGANIZATION = "organization"
    PERSON = "person"
    PLACE = "place"


SETTING_KINDS: frozenset[str] = frozenset({"place", "country", "capital"})


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
        gazetteer: Gazetteer | None = None,
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
        if gazetteer is not None:
            for name, place in gazetteer.names():
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
        i = 0
        while i < len(doc):
            found = self._match_at(doc, i)
            if found:
                mentions.append(found)
                i = found.end
            else:
                i += 1
        return mentions

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
            if entry.kind is EntryKind.PLACE and not _looks_like_place(doc[i : i + n], entry.place):
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

    def country_of_place(self, place: str) -> str | None:
        """The country of a dateline place we know (a capital or a country name)."""
        entry = self.entries.get(tuple(w.lower() for w in self._tokenize(place.title())))
        return entry.country if entry is not None else None

    def role_at(self, lemmas: tuple[str, ...]) -> Role | None:
        return self.roles.get(lemmas)

    def people_named(self, name: str) -> list[OfficeTerm]:
        return self.people.get(name.lower(), [])


@dataclass(slots=True)
class _Facts:
    """What an actor's noun phrase says, before it becomes an `Actor`."""

    country: str | None = None
    sector: str | None = None
    org: str | None = None
    org_code: str | None = None
    name: str | None = None
    person: bool = False
    title_words: set[str] = field(default_factory=set)
    placed_only: bool = False

    def merge_country(self, country: str | None) -> None:
        if country and (not self.country or self.placed_only):
            self.country, self.placed_only = country, False


@dataclass(slots=True)
class _Known:
    """An actor met earlier in the article, kept for coreference."""

    actor: Actor
    person: bool
    title_words: set[str]
    surname: str | None
    subject: bool


@dataclass(frozen=True, slots=True)
class PastAct:
    """An asserted event met earlier in the article: which sentence, its CAMEO root, its doer,
    and whether it was itself a reaction to an earlier act ('welcomed the decision')."""

    sentence: int
    root: str
    source: Actor
    reaction: bool = False


class ActorResolver:
    """Resolves actors within one article; create one per article."""

    def __init__(self, lexicon: ActorLexicon, day: dt.date | None) -> None:
        self.lexicon = lexicon
        self.day = day
        self.known: list[_Known] = []
        self.past_acts: list[PastAct] = []
        self.ranked: list[str] = []
        self.focus: str | None = None
        self._mentions: dict[int, list[Mention]] = {}

    def start_doc(self, doc: Doc, *, dateline: str | None = None) -> None:
        """Index the article's dictionary mentions and find the country it is about."""
        self._doc = doc
        self.offset = 0
        self._by_token: dict[int, Mention] = {}
        counts: Counter[str] = Counter()
        for mention in self.lexicon.find_mentions(doc):
            for i in range(mention.start, mention.end):
                self._by_token[i] = mention
            country = _mention_country(mention.entry, self)
            if country and not _is_affix(doc, mention.start) and not _is_venue(mention, doc):
                counts[country] += 1
        first_place = dateline.split("/")[0] if dateline else None
        dateline_country = self.lexicon.country_of_place(first_place) if first_place else None
        ranked = [country for country, _ in counts.most_common()]
        if dateline_country:
            ranked = [dateline_country, *[c for c in ranked if c != dateline_country]]
        self.ranked = ranked
        self.focus = ranked[0] if ranked else None

    def in_name(self, token: Token) -> bool:
        """Whether the token is a word of a known organisation's or place's multi-word name
        ('Cooperation' in 'Shanghai Cooperation Organisation', 'Control' in 'Line of Control')."""
        mention = self._by_token.get(token.i)
        return (
            mention is not None
            and mention.end - mention.start > 1
            and mention.entry.kind in (EntryKind.ORGANIZATION, EntryKind.PLACE)
        )

    def remember_act(
        self, sentence: int, root: str, source: Actor, *, reaction: bool = False
    ) -> None:
        """Note who did an asserted act, so a later 'the killings' can name its doer."""
        self.past_acts.append(PastAct(sentence, root, source, reaction))

    def recent_doer(
        self,
        roots: frozenset[str],
        *,
        sentence: int,
        window: int,
        exclude: tuple[Actor, ...] = (),
    ) -> Actor | None:
        """The source of the latest act of one of `roots` at most `window` sentences back,
        skipping reactions to earlier acts ('Israel criticised the move' after 'Ukraine
        welcomed the decision' is about the decision) and acts done by `exclude` (Kenya
        cannot be the target of Kenya defending its own arrests)."""
        for act in reversed(self.past_acts):
            if act.sentence < sentence - window:
                return None
            if act.reaction or act.root not in roots:
                continue
            if any(_same_doer(act.source, doer) for doer in exclude):
                continue
            return act.source
        return None

    def place_mentions(self) -> list[PlaceMention]:
        """Every country, capital and gazetteer name in the article, for geoparsing."""
        kinds = {
            EntryKind.PLACE: "place",
            EntryKind.COUNTRY: "country",
            EntryKind.CAPITAL: "capital",
        }
        out, seen = [], set()
        for mention in self._by_token.values():
            kind = kinds.get(mention.entry.kind)
            if kind is None or mention.start in seen or _is_affix(self._doc, mention.start):
                continue
            seen.add(mention.start)
            piece = self._doc[mention.start : mention.end]
            start = self.offset + piece.start_char
            out.append(
                PlaceMention(
                    mention.start,
                    mention.end,
                    piece.text,
                    mention.entry.country,
                    kind,
                    Span(start, start + len(piece.text)),
                )
            )
        return sorted(out, key=lambda m: m.start)

    def place(
        self,
        actor: Actor,
        *,
        partner: Actor | None = None,
        where: str | None = None,
        harmed: bool = False,
    ) -> Actor:
        """Give a country-less domestic actor its country: that of the place the sentence is
        set in (`where`), else one judged from the partner acting on it, else the story's.

        "Police arrested protesters" in a story about Kenya is KEN police and KEN protesters;
        "police fired tear gas in Hong Kong" in a story from Washington is HKG police;
        international bodies and actors with an organisation keep no country.
        """
        if actor.country or actor.org or actor.sector in INTERNATIONAL_SECTORS:
            return actor
        if not actor.sector:
            return actor
        country = where or self._country_beside(actor, partner, harmed=harmed)
        if country is None:
            return actor
        return replace(actor, country=country, org=None, code=f"{country}{actor.sector or ''}")

    def _country_beside(self, actor: Actor, partner: Actor | None, *, harmed: bool) -> str | None:
        """The country of an actor its sentence does not place, judged from the partner.

        Police, courts and intelligence services act on their own people; forces a country
        acts against are usually the other side's. People harmed (`harmed`: killed, wounded,
        shelled) by armies, rebels or a country are not the attackers' own: "Russian forces
        shelled the city, killing four civilians" makes civilians of the story's country, or
        of none when the story is about the attackers' country.
        """
        if partner is None or not partner.country:
            return self.focus
        if actor.sector not in DOMESTIC_SECTORS:
            others = [c for c in self.ranked if c != partner.country]
            return others[0] if others else self.focus
        if harmed and partner.sector not in HOME_SECTORS:
            return self.focus if self.focus != partner.country else None
        return partner.country

    def setting(self, sentence: SpacySpan) -> str | None:
        """The country of the first place the sentence is set in ('... in Hong Kong')."""
        for token in sentence:
            mention = self._by_token.get(token.i)
            if mention is None or mention.entry.kind not in SETTING_KINDS:
                continue
            if _is_venue(mention, self._doc):
                continue
            if token.dep_ == "pobj" and token.head.lower_ in SETTING_PREPS:
                return mention.entry.country
        return None

    def resolve(self, head: Token, *, place_ok: bool = False) -> Actor | None:
        """The actor a noun-phrase head refers to, or None when it is not an actor; with
        `place_ok` a bare place counts too ("struck targets in Kharkiv" → UKR)."""
        head = past_quantity(head)
        lower = head.lower_
        if head.pos_ == "PRON":
            return self._resolve_pronoun(head, lower)
        tokens = np_tokens(head)
        self._resolving = head
        facts = self._facts(tokens, head)
        if facts.placed_only and not (facts.sector or facts.org or facts.name or place_ok):
            facts.country = None  # "the Zaporizhzhia plant" is a place, not an actor
        if not (facts.country or facts.sector or facts.org or facts.name):
            earlier = self._by_surname(head.text) if head.pos_ == "PROPN" else None
            return self._respan(earlier, tokens) if earlier is not None else None
        if self._is_bare_reference(tokens, head, facts):
            earlier = self._by_title(head.lemma_.lower())
            if earlier is not None:
                return self._respan(earlier, tokens)
        if facts.name and not (facts.country or facts.sector or facts.org):
            earlier = self._by_surname(facts.name)
            if earlier is not None:
                return self._respan(earlier, tokens)
        actor = self._build(facts, tokens)
        self._remember(actor, facts)
        return actor

    def _facts(self, tokens: list[Token], head: Token) -> _Facts:
        facts = _Facts()
        seen: set[int] = set()
        head_in_own_np = {t.i for t in tokens if _in_core(t, head)}
        for token in tokens:
            mention = self._by_token.get(token.i)
            if mention is None or mention.start in seen or _is_affix(self._doc, mention.start):
                continue
            seen.add(mention.start)
            if _is_venue(mention, self._doc):
                continue
            self._apply_mention(
                facts,
                mention,
                is_core=token.i in head_in_own_np,
                is_head=mention.start <= head.i < mention.end,
            )
        self._apply_roles(facts, tokens, head)
        if not facts.country:
            owner = next((t for t in tokens if t.dep_ == "poss" and t.pos_ == "PRON"), None)
            if owner is not None and owner.lower_ in ("its", "their"):
                earlier = self._resolve_pronoun(owner, "it")
                facts.country = earlier.country if earlier is not None else None
        if not facts.name:
            name = _person_name(tokens, head)
            if name:
                facts.name = name
                facts.person = True
        return facts

    def _apply_mention(
        self, facts: _Facts, mention: Mention, *, is_core: bool, is_head: bool
    ) -> None:
        entry = mention.entry
        if entry.kind is EntryKind.PERSON:
            term = self._term_at(entry.terms)
            if term is None:
                return
            facts.name = facts.name or term.name
            facts.person = True
            facts.merge_country(term.country)
            if self.day is not None and term.covers(self.day):
                facts.sector = facts.sector or term.sector
                if term.country is None and term.sector == "IGO":
                    facts.org = facts.org or _org_from_office(term.office)
            elif self.day is not None and term.end is not None and term.end < self.day:
                facts.sector = facts.sector or "ELI"
            facts.title_words.update(term.office.lower().split())
        elif entry.kind is EntryKind.PLACE:
            if not facts.country:
                facts.country, facts.placed_only = entry.country, True
        elif entry.kind is EntryKind.ORGANIZATION and entry.organization is not None:
            org = entry.organization
            if not is_core and not org.org:
                facts.merge_country(org.country)
                return
            facts.merge_country(org.country)
            if org.org:
                facts.org = facts.org or org.org
                facts.org_code = facts.org_code or org.code
            if is_head or not facts.sector:
                facts.sector = org.sector if is_head else (facts.sector or org.sector)
            if is_head and not org.org:
                facts.name = facts.name or org.name
        else:
            facts.merge_country(entry.country)
            if is_head and entry.kind in (EntryKind.CAPITAL, EntryKind.SEAT):
                facts.sector = facts.sector or "GOV"

    def _apply_roles(self, facts: _Facts, tokens: list[Token], head: Token) -> None:
        """The role nearest the head wins: 'Russian Foreign Minister' is GOV, not a country."""
        core = [t for t in tokens if _in_core(t, head)]
        lemmas = [t.lemma_.lower() for t in core]
        best: tuple[int, Role, int, int] | None = None
        for start in range(len(core)):
            if _continues_person_name(core[start]):
                continue
            for end in range(min(len(core), start + 4), start, -1):
                role = self.lexicon.role_at(tuple(lemmas[start:end]))
                if role is None or core[end - 1].pos_ not in ("NOUN", "PROPN"):
                    continue
                last = core[end - 1]
                if head.pos_ == "NOUN" and last != head and last.dep_ != "poss":
                    # 'artillery shells' are not artillery; 'the government's decision' is.
                    continue
                score = core[end - 1].i
                if best is None or score > best[0] or (score == best[0] and end - start > best[3]):
                    best = (score, role, start, end - start)
                break
        if best is None:
            return
        _, role, start, length = best
        if facts.sector is None or (facts.sector in ("GOV", "ELI") and role.sector != "GOV"):
            facts.sector = role.sector if facts.sector != "ELI" else facts.sector
        if facts.org and role.sector in ("GOV", "MIL"):
            facts.sector = "IGO"
        facts.person = facts.person or role.person
        facts.title_words.update(lemmas[start : start + length])

    def _term_at(self, terms: tuple[OfficeTerm, ...]) -> OfficeTerm | None:
        if not terms:
            return None
        if self.day is None:
            return max(terms, key=lambda t: t.start)
        current = [t for t in terms if t.covers(self.day)]
        if current:
            return current[0]
        return min(terms, key=lambda t: _distance(t, self.day))

    def _is_bare_reference(self, tokens: list[Token], head: Token, facts: _Facts) -> bool:
        """'the minister', 'the secretary': a role with nothing else to place it."""
        return (
            facts.person
            and not facts.name
            and not facts.country
            and not facts.org
            and any(t.lower_ == "the" for t in tokens)
            and head.tag_ == "NN"
        )

    def _by_title(self, word: str) -> Actor | None:
        for known in reversed(self.known):
            if known.person and word in known.title_words:
                return known.actor
        return None

    def _by_surname(self, name: str) -> Actor | None:
        """'Lavrov' after 'Sergei Lavrov'; 'Lee' after 'Lee Myung-bak' (family name first)."""
        last = name.split()[-1].lower()
        single = " " not in name.strip()
        for known in reversed(self.known):
            if not known.actor.name or known.actor.name == name:
                continue
            parts = known.actor.name.lower().split()
            if known.surname == last or (single and known.person and last in parts):
                return known.actor
        return None

    def both_sides(self, head: Token, exclude: str | None) -> list[Actor]:
        """'both countries', 'the two sides': the story's two main countries."""
        words = {c.lower_ for c in head.children}
        if head.lemma_.lower() not in PAIR_NOUNS or not words & {"both", "two"}:
            return []
        countries = [c for c in self.ranked if c != exclude][:2]
        if len(countries) < 2:
            return []
        text, span = self._text_span(np_tokens(head))
        return [Actor(text=text, span=span, country=c, code=c) for c in countries]

    def _resolve_pronoun(self, head: Token, lower: str) -> Actor | None:
        if lower in PERSON_PRONOUNS:
            want_person = True
        elif lower in GROUP_PRONOUNS:
            want_person = False
        else:
            return None
        candidates = [k for k in reversed(self.known) if k.person == want_person]
        # The topic of the story is usually an earlier subject: prefer one.
        chosen = next((k for k in candidates if k.subject), candidates[0] if candidates else None)
        return self._respan_token(chosen.actor, head) if chosen is not None else None

    def _build(self, facts: _Facts, tokens: list[Token]) -> Actor:
        text, span = self._text_span(tokens)
        return Actor(
            text=text,
            span=span,
            country=facts.country,
            sector=facts.sector,
            org=facts.org,
            name=facts.name,
            code=_actor_code(facts),
        )

    def _remember(self, actor: Actor, facts: _Facts) -> None:
        surname = actor.name.split()[-1].lower() if actor.name and facts.person else None
        self.known.append(
            _Known(
                actor,
                facts.person,
                set(facts.title_words),
                surname,
                subject=self._resolving.dep_ in ("nsubj", "nsubjpass"),
            )
        )

    def _respan(self, actor: Actor, tokens: list[Token]) -> Actor:
        text, span = self._text_span(tokens)
        return _with_text(actor, text, span)

    def _respan_token(self, actor: Actor, token: Token) -> Actor:
        start = self.offset + token.idx
        return _with_text(actor, token.text, Span(start, start + len(token.text)))

    def _text_span(self, tokens: list[Token]) -> tuple[str, Span]:
        first, last = min(t.i for t in tokens), max(t.i for t in tokens)
        piece: SpacySpan = self._doc[first : last + 1]
        start = self.offset + piece.start_char
        return piece.text, Span(start, start + len(piece.text))


def _looks_like_place(tokens: SpacySpan, place: Place | None) -> bool:
    """Capitalised names ('Gulf of Aden' may have 'of' inside); a city must not be a person's
    name ('Jackson'), and a capitalised common noun counts only inside a sentence ('Homs').
    A region's name of three words or more is specific enough to take any inner words
    ('Pakistan-administered Kashmir', 'Jammu and Kashmir')."""
    ends_ok = _name_like(tokens[0]) and _name_like(tokens[-1])
    is_city = place is None or place.kind == "city"
    inner_ok = (not is_city and len(tokens) > 2) or all(
        _name_like(t) or t.lower_ in PLACE_JOINERS for t in tokens
    )
    return ends_ok and inner_ok and not (is_city and _inside_person_name(tokens))


def _same_doer(a: Actor, b: Actor) -> bool:
    """Two mentions of one doer: the same actor code, or the same person."""
    return (a.code is not None and a.code == b.code) or (a.name is not None and a.name == b.name)


def _is_venue(mention: Mention, doc: Doc) -> bool:
    """A place named as where a meeting is held ('talks in Geneva') says where the parties
    met, not who they are or which country their act happens to."""
    root = doc[mention.start : mention.end].root
    prep = root.head
    return (
        root.dep_ == "pobj"
        and prep.lower_ in VENUE_PREPS
        and prep.head.lemma_.lower() in GATHERING_LEMMAS
    )


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


def _continues_person_name(token: Token) -> bool:
    """'Qin Gang' is a name, not a gang: a word inside a person's name, after its first word,
    is no role noun. A title that opens the name ('President Joe Biden') still is."""
    return token.ent_type_ == "PERSON" and token.ent_iob_ == "I"


def _is_affix(doc: Doc, start: int) -> bool:
    """'pro-Russian', 'anti-American': a country named in a stance, not an actor's country."""
    return start >= 2 and doc[start - 1].text in ("-", "–") and doc[start - 2].lower_ in AFFIXES


def _mention_country(entry: Entry, resolver: ActorResolver) -> str | None:
    if entry.kind is EntryKind.PERSON:
        term = resolver._term_at(entry.terms)
        return term.country if term else None
    return entry.country


def np_tokens(head: Token) -> list[Token]:
    """The head's noun phrase: modifiers and of/at/from/in phrases, not clauses or conjuncts."""
    out = [head]
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            take = (
                child.dep_ in NP_DEPS
                or (child.dep_ == "prep" and child.lower_ in NP_PREPS)
                or (child.dep_ == "pobj" and token.dep_ == "prep")
            )
            if child.dep_ == "punct" and child.text in ("-", "–"):
                take = True
            if take or (
                child.dep_ == "conj" and token != head and token.dep_ in ("amod", "compound")
            ):
                out.append(child)
                stack.append(child)
    return sorted(out, key=lambda t: t.i)


def past_quantity(head: Token) -> Token:
    """'thousands of protesters', '50 tonnes of supplies': the noun after 'of' is what counts."""
    if head.lemma_.lower() in QUANTITY_NOUNS:
        for child in head.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        return obj
    return head


def conjuncts(head: Token) -> list[Token]:
    """The head and the nouns coordinated with it: 'Russia and China', 'A, the B and C'."""
    out = [head, *[t for t in head.conjuncts if t.i > head.i and t.pos_ in _NOMINAL]]
    stranded = _stranded_conjunct(head)
    if stranded is not None:
        out.append(stranded)
    for child in head.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN" and child.conjuncts:
            out.extend([child, *[t for t in child.conjuncts if t.i > child.i]])
    return out


def _stranded_conjunct(head: Token) -> Token | None:
    """'Bessent and Chinese Vice Premier He Lifeng held talks': the parser may make the second
    name a second subject of the verb, leaving the 'and' on the first with nothing joined;
    the sibling in the same role right after that 'and' is the missing conjunct."""
    if head.conjuncts:
        return None
    cc = next((c for c in head.rights if c.dep_ == "cc" and c.lower_ == "and"), None)
    if cc is None or head.head == head:
        return None
    return next(
        (
            t
            for t in head.head.children
            if t.dep_ == head.dep_ and t.left_edge.i == cc.i + 1 and t.pos_ in _NOMINAL
        ),
        None,
    )


def country_conjuncts(head: Token) -> list[Token]:
    """Coordinated countries inside one phrase: 'the German, British and French ministers',
    'the presidents of Kenya and Uganda'."""
    mods = [c for c in head.children if c.dep_ in ("amod", "compound") and c.conjuncts]
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            mods += [o for o in prep.children if o.dep_ == "pobj" and o.conjuncts]
    if not mods:
        return []
    first = mods[0]
    return [first, *[t for t in first.conjuncts if t.i > first.i]]


_NOMINAL = frozenset({"NOUN", "PROPN", "PRON"})


def _in_core(token: Token, head: Token) -> bool:
    """True for the head and its compound/amod/poss chain, not for of/in phrases."""
    node = token
    while node != head:
        if node.dep_ in ("pobj", "prep") or (node.dep_ == "appos" and node.head != head):
            return False
        if node.head == node:
            return False
        node = node.head
    return True


def _person_name(tokens: list[Token], head: Token) -> str | None:
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


def _distance(term: OfficeTerm, day: dt.date) -> int:
    if day < term.start:
        return (term.start - day).days
    return (day - term.end).days if term.end else 0


def _org_from_office(office: str) -> str | None:
    first = office.split()[0]
    return first if first.isupper() else None


def _actor_code(facts: _Facts) -> str | None:
    if facts.org_code and facts.org:
        return facts.org_code
    parts = [p for p in (facts.country, facts.sector) if p]
    if facts.org and not facts.country:
        parts = [facts.org.upper(), *([facts.sector] if facts.sector else [])]
    return "".join(parts) or None


def _with_text(actor: Actor, text: str, span: Span) -> Actor:
    return replace(actor, text=text, span=span)
