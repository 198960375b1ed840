"""Resolve noun phrases to actors: country, sector, organisation, person, with coreference.

`ActorResolver` works over one article at a time, so the people and groups it has met can be
referred to again later ("Lavrov", "the minister", "he"), and the acts it has been told about
can be named again ("condemned the killings").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ...knowledge import OfficeTerm, Role
from ...model import Actor, PlaceMention, Span
from ...syntax import Grammar, in_core, pobjs
from .lexicon import (
    SETTING_KINDS,
    ActorLexicon,
    Entry,
    EntryKind,
    Mention,
    continues_person_name,
    is_affix,
    is_venue,
    person_name,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan


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

    def __init__(self, lexicon: ActorLexicon, grammar: Grammar, day: dt.date | None) -> None:
        self.lexicon = lexicon
        self.grammar = grammar
        self.words = lexicon.words
        self.day = day
        self.known: list[_Known] = []
        self.past_acts: list[PastAct] = []
        self.ranked: list[str] = []
        self.focus: str | None = None
        self.most_named: str | None = None
        self._corefs: dict[int, str] = {}

    def start_doc(self, doc: Doc, *, dateline: str | None = None) -> None:
        """Index the article's dictionary mentions and find the country it is about."""
        self._doc = doc
        self._by_token: dict[int, Mention] = {}
        counts: Counter[str] = Counter()
        mentions = self.lexicon.find_mentions(doc)
        for mention in [*mentions, *_later_surnames(doc, mentions)]:
            for i in range(mention.start, mention.end):
                self._by_token[i] = mention
            country = _mention_country(mention.entry, self)
            if (
                country
                and not is_affix(doc, mention.start, self.words)
                and not is_venue(mention, doc, self.words)
                and not self._is_reporter(mention)
            ):
                counts[country] += 1
        first_place = dateline.split("/")[0] if dateline else None
        dateline_country = self.lexicon.country_of_place(first_place) if first_place else None
        ranked = [country for country, _ in counts.most_common()]
        self.most_named = ranked[0] if ranked else None
        if dateline_country:
            ranked = [dateline_country, *[c for c in ranked if c != dateline_country]]
        self.ranked = ranked
        self.focus = ranked[0] if ranked else None

    def _is_reporter(self, mention: Mention) -> bool:
        organization = mention.entry.organization
        return organization is not None and organization.sector in self.words.reporter_sectors

    def names_place(self, token: Token) -> bool:
        """Whether the token is a word of a place's, capital's or country's name: "near
        Damascus" is a place there, even though "Damascus said" is Syria's government."""
        mention = self._by_token.get(token.i)
        return mention is not None and mention.entry.kind in SETTING_KINDS

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
        out: list[PlaceMention] = []
        seen: set[int] = set()
        for mention in self._by_token.values():
            kind = kinds.get(mention.entry.kind)
            if kind is None or not self._first_use(mention, seen):
                continue
            piece = self._doc[mention.start : mention.end]
            start = piece.start_char
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
        if actor.country or actor.org or actor.sector in self.words.international_sectors:
            return actor
        if not actor.sector or self._names_stateless_group(actor):
            return actor
        country = where or self._country_beside(actor, partner, harmed=harmed)
        if country is None:
            return actor
        return replace(actor, country=country, org=None, code=f"{country}{actor.sector or ''}")

    def _names_stateless_group(self, actor: Actor) -> bool:
        """'Islamic State fighters': a group the knowledge gives no home country has none
        wherever it strikes."""
        span = self._doc.char_span(actor.span.start, actor.span.end, alignment_mode="expand")
        for token in span if span is not None else ():
            mention = self._by_token.get(token.i)
            group = mention.entry.organization if mention is not None else None
            if group is not None and group.country is None and group.org is None:
                return True
        return False

    def _country_beside(self, actor: Actor, partner: Actor | None, *, harmed: bool) -> str | None:
        """The country of an actor its sentence does not place, judged from the partner.

        Police, courts and intelligence services act on their own people; forces a country
        acts against are usually the other side's, and those rebels fight are their own
        country's. People harmed (`harmed`: killed, wounded,
        shelled) by armies, rebels or a country are not the attackers' own: "Russian forces
        shelled the city, killing four civilians" makes civilians of the story's country, or
        of none when the story is about the attackers' country.
        """
        if partner is None or not partner.country:
            return self.focus
        if actor.sector not in self.words.domestic_sectors:
            if partner.sector in self.words.insurgent_sectors:
                return partner.country  # militants fight their own country's forces
            others = [c for c in self.ranked if c != partner.country]
            return others[0] if others else self.focus
        if harmed and partner.sector not in self.words.home_sectors:
            return self.focus if self.focus != partner.country else None
        return partner.country

    def setting(self, sentence: SpacySpan) -> str | None:
        """The country of the first place the sentence is set in ('... in Hong Kong')."""
        for token in sentence:
            mention = self._by_token.get(token.i)
            if mention is None or mention.entry.kind not in SETTING_KINDS:
                continue
            if is_venue(mention, self._doc, self.words):
                continue
            head = _phrase_head(token)
            if head.dep_ == "pobj" and head.head.lower_ in self.words.setting_prepositions:
                return mention.entry.country
        return None

    def resolve(self, head: Token, *, place_ok: bool = False) -> Actor | None:
        """The actor a noun-phrase head refers to, or None when it is not an actor; with
        `place_ok` a bare place counts too ("struck targets in Kharkiv" → UKR)."""
        head = self.grammar.past_quantity(head)
        lower = head.lower_
        if head.pos_ == "PRON":
            return self._coreferent(head, "the pronoun", self._resolve_pronoun(head, lower), [head])
        tokens = self.grammar.np_tokens(head)
        named = self._name_after_role(head, tokens)
        if named is not None:
            head, tokens = named[-1], [*tokens, *named]
        self._resolving = head
        facts = self._facts(tokens, head)
        if facts.placed_only and not (facts.sector or facts.org or facts.name or place_ok):
            facts.country = None  # "the Zaporizhzhia plant" is a place, not an actor
        if not (facts.country or facts.sector or facts.org or facts.name):
            earlier = self._by_surname(head.text) if head.pos_ == "PROPN" else None
            return self._coreferent(head, "the surname", earlier, tokens)
        if self._is_bare_reference(tokens, head, facts):
            earlier = self._by_title(head.lemma_.lower())
            if earlier is not None:
                return self._coreferent(head, "the title", earlier, tokens)
        if facts.name and not (facts.country or facts.sector or facts.org):
            earlier = self._by_surname(facts.name)
            if earlier is not None:
                return self._coreferent(head, "the surname", earlier, tokens)
        actor = self._build(facts, tokens)
        self._remember(actor, facts)
        return actor

    def _name_after_role(self, head: Token, tokens: list[Token]) -> list[Token] | None:
        """'Media watchdog Reporters Without Borders': an organisation named right after a
        role noun is the actor, even when the parser hangs the name off the noun as an object."""
        mention = self._by_token.get(head.i + 1)
        if mention is None or mention.start != head.i + 1:
            return None
        if mention.entry.kind is not EntryKind.ORGANIZATION or head.doc[mention.start] in tokens:
            return None
        if self.lexicon.role_at((head.lemma_.lower(),)) is None:
            return None
        return list(head.doc[mention.start : mention.end])

    def _first_use(self, mention: Mention, seen: set[int]) -> bool:
        """A mention met for the first time in a walk over tokens, and not a stance prefix
        ('pro-Russian'); marks it seen."""
        if mention.start in seen or is_affix(self._doc, mention.start, self.words):
            return False
        seen.add(mention.start)
        return True

    def _facts(self, tokens: list[Token], head: Token) -> _Facts:
        facts = _Facts()
        seen: set[int] = set()
        head_in_own_np = {t.i for t in tokens if in_core(t, head)}
        for token in tokens:
            mention = self._by_token.get(token.i)
            if mention is None or not self._first_use(mention, seen):
                continue
            if is_venue(mention, self._doc, self.words):
                continue
            is_head = mention.start <= head.i < mention.end
            self._apply_mention(
                facts, mention, is_core=is_head or token.i in head_in_own_np, is_head=is_head
            )
        self._apply_roles(facts, tokens, head)
        self._apply_group(facts, head)
        if not facts.country:
            owner = next((t for t in tokens if t.dep_ == "poss" and t.pos_ == "PRON"), None)
            if owner is not None and owner.lower_ in self.words.possessive_group_pronouns:
                earlier = self._resolve_pronoun(owner, "it")
                facts.country = earlier.country if earlier is not None else None
            elif owner is not None and head.lemma_.lower() in self.words.country_nouns:
                # "his nation had forgiven Indonesia": the country of the person meant
                earlier = self._resolve_pronoun(owner, owner.lower_)
                facts.country = earlier.country if earlier is not None else None
        if not facts.name:
            name = person_name(tokens, head)
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
            if facts.org and not is_core:
                return  # "the UN envoy for Syria": the country is the official's brief
            facts.merge_country(entry.country)
            if is_head and entry.kind in (EntryKind.CAPITAL, EntryKind.SEAT):
                facts.sector = facts.sector or "GOV"

    def _apply_roles(self, facts: _Facts, tokens: list[Token], head: Token) -> None:
        """The role nearest the head wins: 'Russian Foreign Minister' is GOV, not a country."""
        core = [t for t in tokens if in_core(t, head)]
        lemmas = [t.lemma_.lower() for t in core]
        best: tuple[int, Role, int, int] | None = None
        for start in range(len(core)):
            if continues_person_name(core[start]):
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

    def _apply_group(self, facts: _Facts, head: Token) -> None:
        """'the leader of Hezbollah', 'leaders of the main opposition parties': a member
        noun acts for the group its phrase names, not for the government its role suggests."""
        if head.lemma_.lower() not in self.words.member_nouns or facts.name:
            return
        for prep in head.children:
            if prep.dep_ != "prep" or prep.lower_ not in self.words.member_prepositions:
                continue
            for group in pobjs(prep):
                found = self._facts(self.grammar.np_tokens(group), group)
                if found.sector and not found.person:
                    facts.sector, facts.org = found.sector, facts.org or found.org
                    facts.merge_country(found.country)
                    return

    def _term_at(self, terms: tuple[OfficeTerm, ...]) -> OfficeTerm | None:
        if not terms:
            return None
        day = self.day
        if day is None:
            return max(terms, key=lambda t: t.start)
        current = [t for t in terms if t.covers(day)]
        if current:
            return current[0]
        return min(terms, key=lambda t: _distance(t, day))

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
        if (
            head.lemma_.lower() not in self.words.pair_nouns
            or not words & self.words.pair_determiners
        ):
            return []
        countries = [c for c in self.ranked if c != exclude][:2]
        if len(countries) < 2:
            return []
        text, span = self._text_span(self.grammar.np_tokens(head))
        return [Actor(text=text, span=span, country=c, code=c) for c in countries]

    def _resolve_pronoun(self, head: Token, lower: str) -> Actor | None:
        if lower in self.words.person_pronouns:
            want_person = True
        elif lower in self.words.group_pronouns:
            want_person = False
        else:
            return None
        speaker = None if want_person else self._speakers_side(head)
        if speaker is not None:
            return speaker
        candidates = [k for k in reversed(self.known) if k.person == want_person]
        subject = self._clause_subject(head)
        if subject is not None:
            is_subject = self._referent_test(subject)
            candidates = [k for k in candidates if not is_subject(k.actor)]
        # The topic of the story is usually an earlier subject: prefer one.
        chosen = next((k for k in candidates if k.subject), candidates[0] if candidates else None)
        return chosen.actor if chosen is not None else None

    def _clause_subject(self, pronoun: Token) -> Token | None:
        """The subject of the clause an object pronoun is in: 'they shot them' and 'the
        militants captured six policemen and shot them' never mean the subject itself (that
        would take 'themselves')."""
        if pronoun.dep_ not in ("dobj", "dative", "pobj"):
            return None
        verb = pronoun.head.head if pronoun.dep_ == "pobj" else pronoun.head
        subject = self.grammar.subject_of(verb)
        return None if subject is None or subject == pronoun else subject

    def _referent_test(self, subject: Token) -> Callable[[Actor], bool]:
        """Whether an earlier actor is the one the subject names, the subject resolved once."""
        if subject.pos_ == "PRON":
            bound = self._resolve_pronoun(subject, subject.lower_)
            return lambda actor: bound is not None and _same_doer(actor, bound)
        at = subject.idx
        return lambda actor: actor.span.start <= at < actor.span.end

    def _speakers_side(self, pronoun: Token) -> Actor | None:
        """'"We support Mauritius," the Indian official said', 'the minister says they are
        negotiating': 'we' or 'they' opening what a person says is that person's side, their
        country and institution, not the person."""
        clause = pronoun.head
        if pronoun.dep_ not in ("nsubj", "nsubjpass") or clause.dep_ != "ccomp":
            return None
        said_by = next((c for c in clause.head.children if c.dep_ == "nsubj"), None)
        if said_by is None or said_by.pos_ == "PRON":
            return None
        speaker = self.resolve(said_by)
        if speaker is None or not speaker.country or speaker.org:
            return None
        return replace(speaker, name=None)

    def _coreferent(
        self, head: Token, how: str, earlier: Actor | None, tokens: list[Token]
    ) -> Actor | None:
        """An actor met earlier, now named again: noted for the explanation."""
        if earlier is None:
            return None
        self._corefs[head.i] = f"{how} '{head.text}' refers to {earlier.name or earlier.text}"
        return self._respan(earlier, tokens)

    def coreference(self, head: Token) -> str | None:
        """How the last resolution of this word reached an earlier actor, if it did."""
        return self._corefs.get(self.grammar.past_quantity(head).i)

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

    def _text_span(self, tokens: list[Token]) -> tuple[str, Span]:
        first, last = min(t.i for t in tokens), max(t.i for t in tokens)
        piece: SpacySpan = self._doc[first : last + 1]
        start = piece.start_char
        return piece.text, Span(start, start + len(piece.text))


def _same_doer(a: Actor, b: Actor) -> bool:
    """Two mentions of one doer: the same actor code, or the same person."""
    return (a.code is not None and a.code == b.code) or (a.name is not None and a.name == b.name)


def _mention_country(entry: Entry, resolver: ActorResolver) -> str | None:
    if entry.kind is EntryKind.PERSON:
        term = resolver._term_at(entry.terms)
        return term.country if term else None
    return entry.country


def _distance(term: OfficeTerm, day: dt.date) -> int:
    if day < term.start:
        return (term.start - day).days
    return (day - term.end).days if term.end else 0


def _later_surnames(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """'Uganda's Bobi Wine ... Wine says he has trouble': a known person named in full is
    named later by the last word of that name, which the dictionary need not list."""
    taken = {i for m in mentions for i in range(m.start, m.end)}
    first_named: dict[str, tuple[int, Entry]] = {}
    for mention in mentions:
        if mention.entry.kind is EntryKind.PERSON and mention.end - mention.start > 1:
            first_named.setdefault(doc[mention.end - 1].text, (mention.end, mention.entry))
    return [
        Mention(token.i, token.i + 1, first_named[token.text][1])
        for token in doc
        if token.i not in taken
        and token.text in first_named
        and token.i >= first_named[token.text][0]
        and token.pos_ in ("PROPN", "NOUN")
    ]


def _phrase_head(token: Token) -> Token:
    """'in the restive Balochistan province': the noun a name modifies heads its phrase."""
    while token.dep_ in ("compound", "amod", "nmod") and token.head.i > token.i:
        token = token.head
    return token


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
