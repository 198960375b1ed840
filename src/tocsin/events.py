"""Code events from one parsed sentence with the verb and noun patterns.

A trigger (verb or event noun) is matched against its patterns; family verbs ("urge", "threaten")
are refined by the code of their complement; support verbs ("hold talks") hand the event to
their object noun. Source and target come from the dependency parse, modality from negation,
modals and governing verbs, attribution from an enclosing speech verb.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

from .actors import ActorResolver, conjuncts, country_conjuncts, past_quantity
from .dates import DateMention
from .knowledge import Knowledge, NounPattern, TargetSlot, VerbPattern
from .model import Actor, DateBasis, Event, Modality, Plover, QuadClass, Span, Trigger

SPEECH_ROOT = "01"
THREAT = "130"
MOBILIZE = "15"
COERCE = "17"
AUTHORITY_SECTORS = frozenset({"GOV", "COP", "MIL", "JUD", "SPY"})
ANY_ACTOR = "@actor"
SPEECH_LEMMAS = frozenset({"warn", "claim", "allege", "insist", "accuse"})
STATEMENT = "010"
SYMMETRIC_ROOTS = frozenset({"04"})
ASYMMETRIC_CODES = frozenset({"042", "043", "045"})
SYMMETRIC_CODES = frozenset({"057", "0311", "0312", "0313", "0314", "036", "037"})
HYPOTHETICAL_AUX = frozenset({"would", "could", "might", "may", "should", "can", "must", "'d"})
FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})
CONDITIONAL_MARKS = frozenset({"if", "unless", "whether"})
NEGATING_GOVERNORS = frozenset(
    {"fail", "decline", "refuse", "avoid", "stop", "cease", "deny", "unable", "halt", "abandon"}
)
HYPOTHETICAL_GOVERNORS = frozenset(
    {
        "likely",
        "unlikely",
        "expect",
        "hope",
        "want",
        "wish",
        "seek",
        "try",
        "possible",
        "able",
        "could",
        "consider",
        "may",
        "need",
        "attempt",
        "hopeful",
        "hop",  # spaCy lemmatizes hoped/hopes/hoping as "hop"
        "desire",
        "aspire",
    }
)
# "ready/willing to talk" states an intent, as "plans to talk" does: CAMEO codes both 03x.
FUTURE_GOVERNORS = frozenset(
    {
        "plan",
        "intend",
        "prepare",
        "set",
        "schedule",
        "due",
        "going",
        "poised",
        "expected",
        "aim",
        "ready",
        "willing",
    }
)
PROPOSING_GOVERNORS = frozenset(
    {
        "propose",
        "suggest",
        "recommend",
        "offer",
        "urge",
        "call",
        "demand",
        "ask",
        "plan",
        "proposal",
    }
)
ASCEND_DEPS = frozenset(
    {"xcomp", "ccomp", "conj", "acomp", "pcomp", "pobj", "prep", "dobj", "auxpass"}
)
# Links from an act up to a verb or adjective whose meaning governs it: "refused to meet"
# (xcomp), "denied that troops attacked" and "wanted Putin and Zelenskiy to meet" (ccomp).
GOVERNED_DEPS = frozenset({"xcomp", "ccomp", "acomp", "prep", "pcomp", "pobj", "dobj"})
CONDITIONAL_PREPS = frozenset({"provided", "providing", "if", "unless"})
QUAD_BY_ROOT = {
    **dict.fromkeys(("01", "02", "03", "04", "05"), QuadClass.VERBAL_COOPERATION),
    **dict.fromkeys(("06", "07", "08"), QuadClass.MATERIAL_COOPERATION),
    **dict.fromkeys(("09", "10", "11", "12", "13"), QuadClass.VERBAL_CONFLICT),
    **dict.fromkeys(("14", "15", "16", "17", "18", "19", "20"), QuadClass.MATERIAL_CONFLICT),
}
MAX_DEPTH = 3
# "The opposition rejected the results", "unions struck against the tax rise": a domestic
# group's demand, criticism, rejection, threat or protest about an act of its own state is aimed
# at that state's government even when the text names no addressee.
GRIEVANCE_ROOTS = frozenset({"10", "11", "12", "13", "14"})
GRIEVANCE_SECTORS = frozenset({"OPP", "PRO", "CVL", "LAB", "EDU", "AGR"})
STATE_ACT_NOUNS = frozenset(
    {
        "result",
        "election",
        "vote",
        "poll",
        "law",
        "bill",
        "legislation",
        "amendment",
        "constitution",
        "budget",
        "tax",
        "levy",
        "tariff",
        "subsidy",
        "ruling",
        "rule",
        "decree",
        "reform",
        "policy",
        "government",
        "regime",
        "crackdown",
        "resignation",
        "austerity",
        "curfew",
        "ban",
    }
)
STATE_ACT_PREPS = frozenset({"against", "over", "on", "to", "of"})
COMPLEMENT_PREPS = frozenset({"for", "of", "to", "on", "with", "against", "in"})
OBJECT_PREPS = frozenset({"on", "against", "into", "with", "to", "of", "between", "from", "over"})
VIOLENT_ROOTS = ("18", "19", "20")
ADDRESSED_ROOTS = frozenset({"02", "10", "12"})
LOCATED_ROOTS = frozenset({"07", "15", "17", "18", "19", "20"})
STRIKE_CHAIN_DEPS = frozenset({"advcl", "conj", "xcomp"})
LOCATIVE_PREPS = frozenset({"in", "into", "across", "on", "near", "over", "at", "inside"})
# Aid sent "to Gaza" is aid for the people there: for these roots the destination counts too.
DESTINATION_ROOTS = frozenset({"07"})
BORDER_NOUNS = frozenset({"border", "frontier", "boundary"})
# "would be met with force", "would mean war": the warner's own answer, whoever the clause's
# grammatical subject is
CONSEQUENCE_LEMMAS = frozenset({"meet", "mean"})
OBJECT_CONTROL = frozenset(
    {
        "urge",
        "ask",
        "order",
        "tell",
        "call",
        "press",
        "force",
        "persuade",
        "invite",
        "allow",
        "encourage",
        "instruct",
        "help",
        "push",
        "appeal",
        "warn",
        "request",
        "require",
        "compel",
        "lead",
        "get",
        "permit",
        "pressure",
        "authorize",
        "authorise",
        "enable",
        "implore",
        "beg",
    }
)
NOUN_GOVERNED_DEPS = frozenset({"dobj", "nmod", "pobj", "prep", "compound", "attr", "appos"})
NOMINAL_POS = frozenset({"NOUN", "PROPN", "NUM", "SYM"})
NAME_ENTITIES = frozenset({"ORG", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT"})
NEGATING_DETERMINERS = frozenset({"no", "neither"})
# "Amnesty condemned the killings": a definite act noun with no doer of its own refers back to
# an act met a few sentences earlier, whose doer is the target.
DEFINITE_DETERMINERS = frozenset({"the", "these", "those", "this", "that", "such"})
LOOKBACK_SENTENCES = 6
ANY_ROOT = frozenset(QUAD_BY_ROOT)
# General act nouns the noun patterns do not code, with the CAMEO roots of the acts they can
# refer to; a decision or a move can be any act ("welcomed the decision").
ACT_NOUN_ROOTS: dict[str, frozenset[str]] = {
    "decision": ANY_ROOT,
    "move": ANY_ROOT,
    "step": ANY_ROOT,
    "measure": frozenset({"16"}),
    "sanction": frozenset({"16"}),
    "accusation": frozenset({"11", "12"}),
    "allegation": frozenset({"11", "12"}),
    "arrest": frozenset({"17"}),
    "detention": frozenset({"17"}),
    "killing": frozenset(VIOLENT_ROOTS),
    "attack": frozenset(VIOLENT_ROOTS),
    "strike": frozenset(VIOLENT_ROOTS),
}


@dataclass(slots=True)
class Lookback:
    """What resolving 'the killings' back to an earlier act needs: the sentence the
    referring event is in and its own doers, who cannot be its target; `used` records that
    the target came from an earlier act, making this event a reaction."""

    sentence: int
    doers: tuple[Actor, ...]
    used: bool = False


@dataclass(frozen=True, slots=True)
class Coding:
    """A pattern that fired: the code, the rule that explains it, and where to find actors."""

    code: str
    rule: str
    trigger: Token
    targets: tuple[TargetSlot, ...]
    noun: Token | None = None
    complement: Token | None = None
    inner: Coding | None = None
    consumed: tuple[int, ...] = ()


@dataclass(slots=True)
class SentenceContext:
    """What the coder needs to know about the sentence beyond its parse."""

    article_id: str
    index: int
    offset: int
    reference: dt.date | None
    dates: list[DateMention] = field(default_factory=list)


class EventCoder:
    """Turns parsed sentences into events; holds no per-article state."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._role_heads = {phrase.split()[-1] for phrase in knowledge.roles}

    def has_trigger(self, sentence: SpacySpan) -> bool:
        """Cheap test used to skip sentences that cannot yield an event."""
        verbs, nouns = self.knowledge.verbs, self.knowledge.nouns
        return any(t.lemma_.lower() in verbs or t.lemma_.lower() in nouns for t in sentence)

    def code_sentence(
        self, sentence: SpacySpan, ctx: SentenceContext, resolver: ActorResolver
    ) -> list[Event]:
        codings = self._codings(sentence, resolver)
        events: list[Event] = []
        seen: set[tuple] = set()
        for coding in codings:
            for event in self._events(coding, sentence, ctx, resolver):
                key = (
                    event.cameo,
                    event.source.span,
                    event.source.code,
                    event.target and event.target.span,
                    event.target and event.target.code,
                    event.trigger.span,
                )
                if key not in seen:
                    seen.add(key)
                    events.append(event)
        return events

    # --- matching -------------------------------------------------------------------------

    def _codings(self, sentence: SpacySpan, resolver: ActorResolver) -> list[Coding]:
        codings: dict[int, Coding] = {}
        consumed: set[int] = set()
        for token in sentence:
            coding = None
            if token.pos_ in ("VERB", "AUX") or token.tag_.startswith("VB"):
                coding = self.match_verb(token, depth=0)
            if (
                coding is None
                and token.pos_ in ("NOUN", "PROPN")
                and self._names_own_event(token, resolver)
            ):
                coding = self.match_noun(token)
            if coding is not None:
                codings[token.i] = coding
                consumed.update(coding.consumed)
        return [c for i, c in sorted(codings.items()) if i not in consumed]

    def _names_own_event(self, noun: Token, resolver: ActorResolver) -> bool:
        """An event noun stands for an event of its own only when it is not a word of a name
        ('the Asia-Pacific Economic Cooperation summit') and not a modifier of another noun
        ('trade talks' are talks, a 'joint operations room' is a room), nor an act someone
        only describes ('called the strike legitimate')."""
        if resolver.in_name(noun) or _inside_unknown_name(noun):
            return False
        return noun.dep_ != "compound" and not _theme_of_noun(noun) and not _is_described(noun)

    def match_verb(self, verb: Token, *, depth: int) -> Coding | None:
        patterns = self.knowledge.verbs.get(verb.lemma_.lower())
        if not patterns or depth > MAX_DEPTH:
            return None
        obj = direct_object(verb) or _gerund_object(verb)
        obj_lemma = obj.lemma_.lower() if obj is not None else None
        for pattern in patterns:
            if pattern.particle and not _has_particle(verb, pattern.particle):
                continue
            if pattern.objects and not self._object_fits(pattern, obj, obj_lemma):
                # "took to the streets": the particle's own object
                inner = _particle_object(verb, pattern.particle) if pattern.particle else None
                inner_lemma = inner.lemma_.lower() if inner is not None else None
                if inner is None or not self._object_fits(pattern, inner, inner_lemma):
                    continue
            coding = self._apply_verb_pattern(pattern, verb, obj, depth)
            if coding is not None:
                return coding
        return None

    def _object_fits(self, pattern: VerbPattern, obj: Token | None, lemma: str | None) -> bool:
        if lemma in pattern.objects:
            return True
        return ANY_ACTOR in pattern.objects and obj is not None and self._looks_like_actor(obj)

    def _looks_like_actor(self, token: Token) -> bool:
        """Cheap test before actors are resolved: a name, a nationality or a role noun."""
        return (
            token.pos_ == "PROPN"
            or token.ent_type_ in ("PERSON", "NORP", "GPE", "ORG")
            or token.lemma_.lower() in self._role_heads
        )

    def _apply_verb_pattern(
        self, pattern: VerbPattern, verb: Token, obj: Token | None, depth: int
    ) -> Coding | None:
        if pattern.is_support:
            if obj is None or _is_described(obj):
                return None
            noun = self.match_noun(obj)
            if noun is None:
                return None
            return Coding(
                noun.code,
                f"{pattern.id}+{noun.rule}",
                verb,
                pattern.targets + noun.targets,
                noun=obj,
                consumed=(obj.i,),
            )
        if pattern.is_family:
            family = pattern.code.rstrip("*")
            inner = self._complement(verb, depth)
            if inner is not None and family == THREAT and _own_clause(inner.trigger):
                # "X warned that Y would attack": a threat only if X speaks for Y, decided
                # once actors are known; Y's act is coded on its own.
                refined = self.knowledge.refine(family, inner.code) or family
                rule = f"{pattern.id}>{inner.rule}"
                return Coding(
                    refined, rule, verb, pattern.targets, complement=inner.trigger, inner=inner
                )
            if inner is not None:
                refined = self.knowledge.refine(family, inner.code)
                if refined is not None:
                    return Coding(
                        refined,
                        f"{pattern.id}>{inner.rule}",
                        verb,
                        pattern.targets,
                        complement=inner.noun or inner.trigger,
                        inner=inner,
                        consumed=(inner.trigger.i, *inner.consumed),
                    )
            if inner is None and family == THREAT and self._forecast(verb):
                return None
            return Coding(
                family,
                pattern.id,
                verb,
                pattern.targets,
                consumed=(inner.trigger.i, *inner.consumed) if inner else (),
            )
        return Coding(pattern.code, pattern.id, verb, pattern.targets)

    def _forecast(self, verb: Token) -> bool:
        """'The IMF warned that growth would slow': a warning with no addressee about a clause
        in which nobody acts (its subject a plain thing: growth, prices, the storm) is a
        forecast, not a threat. 'warned that there would be consequences' stays a threat."""
        if any(c.dep_ in ("dobj", "dative", "obj") for c in verb.children):
            return False
        subject = _clause_subject(verb)
        return subject is not None and self._impersonal(subject)

    def _impersonal(self, noun: Token) -> bool:
        return (
            noun.pos_ == "NOUN"
            and noun.lemma_.lower() not in self.knowledge.roles
            and not any(
                t.pos_ == "PROPN" or t.ent_type_ in ("NORP", "GPE", "ORG", "PERSON")
                for t in noun.subtree
            )
        )

    def match_noun(self, noun: Token) -> Coding | None:
        patterns = self.knowledge.nouns.get(noun.lemma_.lower())
        if not patterns:
            return None
        modifiers = {c.lemma_.lower() for c in noun.children if c.dep_ in ("amod", "compound")}
        best: NounPattern | None = None
        for pattern in patterns:
            if set(pattern.modifiers) <= modifiers and (
                best is None or len(pattern.modifiers) > len(best.modifiers)
            ):
                best = pattern
        if best is None:
            return None
        return Coding(best.code.rstrip("*"), best.id, noun, best.targets, noun=noun)

    def _complement(self, verb: Token, depth: int) -> Coding | None:
        """The coded act a family verb is about: its infinitive, clause, object or for-phrase."""
        for child in verb.children:
            if child.dep_ in ("xcomp", "ccomp") and child.pos_ in ("VERB", "AUX"):
                coding = self.match_verb(child, depth=depth + 1)
                if coding is not None:
                    return coding
        for noun in _complement_nouns(verb):
            coding = self.match_noun(noun)
            if coding is not None:
                return coding
        return None

    # --- events ---------------------------------------------------------------------------

    def _events(
        self, coding: Coding, sentence: SpacySpan, ctx: SentenceContext, resolver: ActorResolver
    ) -> Iterator[Event]:
        anchor = coding.trigger
        modality = modality_of(anchor, self.is_speech)
        code = coding.code
        if code.startswith("072") and _to_border(anchor):
            code = "154"  # "sent tanks to the Syrian frontier" is a deployment, not aid
        if modality is Modality.FUTURE and code[:2] in ("04", "05", "06", "07"):
            code = self.knowledge.refine("030", code) or code
            modality = Modality.ASSERTED
        sources, symmetric_pair = self._sources(coding, anchor, resolver)
        if not sources or not self._speaks_for_doer(coding, sources, resolver):
            return
        mutual = len(sources) > 1 and _is_reciprocal(code)
        lookback = Lookback(ctx.index, tuple(sources))
        targets = symmetric_pair or self._targets(
            coding, anchor, resolver, object_is_party=not mutual, lookback=lookback
        )
        if not targets and not mutual:
            obj = direct_object(anchor) if anchor.pos_ != "NOUN" else None
            if obj is not None:
                targets = resolver.both_sides(obj, sources[0].country)
        symmetric = bool(symmetric_pair) or _is_symmetric(code)
        if not targets and mutual:
            # "Armenia and Azerbaijan agreed ...", "Russia and Ukraine exchanged prisoners": the
            # parties act on each other; what they exchange is no party.
            sources, targets, symmetric = sources[:1], sources[1:], True
        where = resolver.setting(sentence)
        sources = [resolver.place(s, where=where) for s in sources]
        if not targets:
            targets = self._own_state(code, coding, anchor, sources[0], resolver)
        harmed = code[:2] in VIOLENT_ROOTS
        scene = where
        if harmed and scene is None and any(t.country is None for t in targets):
            scene = self._struck_place(anchor, resolver)
        targets = [
            resolver.place(t, partner=sources[0], where=scene, harmed=harmed) for t in targets
        ]
        attributed = self._attribution(anchor, resolver)
        if attributed is not None and any(_same_actor(attributed, s) for s in sources):
            attributed = None
        date, basis = _event_date(anchor, sentence, ctx)
        trigger = _trigger(coding, ctx.offset)
        if modality is Modality.ASSERTED:
            resolver.remember_act(ctx.index, code[:2], sources[0], reaction=lookback.used)
        if code[:2] == MOBILIZE:
            # "Indian troops were placed on high alert": the forces alerted are the doer
            targets = [t for t in targets if not any(_same_actor(s, t) for s in sources)]
        for source in sources:
            for target in targets or [None]:
                if target is not None and _same_actor(source, target):
                    continue
                yield self._event(
                    code,
                    coding,
                    source,
                    target,
                    trigger,
                    sentence,
                    ctx,
                    modality=modality,
                    symmetric=symmetric,
                    attributed=attributed,
                    date=date,
                    basis=basis,
                )

    def _own_state(
        self, code: str, coding: Coding, anchor: Token, source: Actor, resolver: ActorResolver
    ) -> list[Actor]:
        """'Protesters demanded the repeal of the finance bill': a domestic group's grievance
        about a state act (a law, an election, a tax) with no addressee named is aimed at the
        government of the group's country, or of the story's when the group has none."""
        if code[:2] not in GRIEVANCE_ROOTS or source.sector not in GRIEVANCE_SECTORS:
            return []
        if source.org is not None:
            return []
        country = source.country or resolver.focus
        if country is None:
            return []
        about = _state_act(anchor, coding)
        if about is None:
            return []
        phrase = _plain_actor(about, resolver)
        return [replace(phrase, country=country, sector="GOV", code=f"{country}GOV")]

    def _speaks_for_doer(self, coding: Coding, sources: list[Actor], resolver) -> bool:
        """A warning that someone else will act is reported speech, not a threat."""
        inner = coding.inner
        if inner is None or not coding.code.startswith("13") or not _own_clause(inner.trigger):
            return True
        doer = subject_of(inner.trigger)
        doers = self._actors(doer, resolver) if doer is not None else []
        if not doers and inner.trigger.lemma_.lower() in CONSEQUENCE_LEMMAS:
            return True
        speakers = {s.country for s in sources} - {None}
        return bool(speakers & {resolver.place(d).country for d in doers})

    def _event(
        self,
        code: str,
        coding: Coding,
        source: Actor,
        target: Actor | None,
        trigger: Trigger,
        sentence: SpacySpan,
        ctx: SentenceContext,
        *,
        modality: Modality,
        symmetric: bool,
        attributed: Actor | None,
        date: dt.date | None,
        basis: DateBasis | None,
    ) -> Event:
        info = self.knowledge.code_info(code)
        return Event(
            article_id=ctx.article_id,
            cameo=code,
            root=code[:2],
            quad_class=QUAD_BY_ROOT[code[:2]],
            goldstein=info.goldstein,
            plover=Plover(info.plover_type, info.plover_mode, info.plover_context),
            source=source,
            target=target,
            trigger=trigger,
            sentence=sentence.text,
            sentence_index=ctx.index,
            date=date,
            date_basis=basis,
            rule=coding.rule,
            confidence=_confidence(coding, source, target),
            modality=modality,
            symmetric=symmetric,
            attributed_to=attributed,
        )

    def _sources(
        self, coding: Coding, anchor: Token, resolver: ActorResolver
    ) -> tuple[list[Actor], list[Actor]]:
        """Sources, and for 'talks between A and B' the symmetric partner list."""
        if coding.noun is not None and coding.trigger == coding.noun:
            own, pair = self._noun_actors(coding.noun, coding.targets, resolver)
            if own:
                return own, pair
        if coding.noun is not None and coding.trigger == coding.noun:
            anchor = self._uncoded_governor(coding.noun) or anchor
        subject = subject_of(anchor)
        if subject is None and coding.code[:2] == MOBILIZE:
            # "Pakistan's air force was placed on high alert": the force is what mobilises
            subject = next((c for c in anchor.children if c.dep_ == "nsubjpass"), None)
        if subject is None and coding.code[:2] in DESTINATION_ROOTS and _is_passive(anchor):
            # "Rescue teams from Spain were sent to Morocco": the sender is where they came from
            sent = next((c for c in anchor.children if c.dep_ == "nsubjpass"), None)
            origins = [
                o
                for c in (sent.children if sent is not None else ())
                if c.dep_ == "prep" and c.lower_ == "from"
                for o in _pobjs(c)
            ]
            return [a for o in origins for a in self._actors(o, resolver)], []
        if subject is None and coding.code[:2] == COERCE and _is_passive(anchor):
            # "2,000 people had been detained, the Interior Ministry said": an authority
            # reporting arrests without naming who made them made them.
            speaker = self.attributing_subject(anchor)
            found = self._actors(speaker, resolver) if speaker is not None else []
            return [a for a in found if a.sector in AUTHORITY_SECTORS], []
        if subject is None:
            return [], []
        found = self._actors(subject, resolver)
        if not found and anchor.dep_ == "conj" and anchor.head.dep_ == "ccomp":
            # "Borrell said the election was unfair and condemned the violence": the
            # parser hangs "condemned" on the reported clause; the speaker is the doer.
            speaker = subject_of(anchor.head.head)
            found = self._actors(speaker, resolver) if speaker is not None else []
        return found, []

    def _uncoded_governor(self, noun: Token) -> Token | None:
        """'Israel and the UAE signed an accord ...': an event noun under a verb that codes
        nothing itself takes that verb's subject."""
        node = noun
        for _ in range(4):
            if node.dep_ not in NOUN_GOVERNED_DEPS or node.head == node:
                return None
            node = node.head
            if node.pos_ == "VERB":
                return node if self.match_verb(node, depth=0) is None else None
        return None

    def _noun_actors(
        self, noun: Token, slots: tuple[TargetSlot, ...], resolver: ActorResolver
    ) -> tuple[list[Actor], list[Actor]]:
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "between":
                parties = [a for obj in _pobjs(child) for a in self._actors(obj, resolver)]
                if len(parties) >= 2:
                    return parties[:1], parties[1:]
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "by":
                found = [a for obj in _pobjs(child) for a in self._actors(obj, resolver)]
                if found:
                    return found, []
        modifiers = [c for c in noun.children if c.dep_ in ("poss", "amod", "compound", "nmod")]
        found = _distinct([a for m in modifiers for a in self._actors(m, resolver)])
        if len(found) >= 2 and _is_symmetric(
            self.match_noun(noun).code if self.match_noun(noun) else ""
        ):
            return found[:1], found[1:]
        return found[:1], []

    def _targets(
        self,
        coding: Coding,
        anchor: Token,
        resolver: ActorResolver,
        *,
        object_is_party: bool = True,
        lookback: Lookback | None = None,
    ) -> list[Actor]:
        """Where the pattern says, else the plain object (unless the sources act on each other
        and the object is what they exchange), else nouns and clauses around the trigger."""
        noun = coding.noun if coding.noun is not None else direct_object(anchor)
        holders = [anchor] + ([noun] if noun is not None and noun != anchor else [])
        for slot in coding.targets:
            for holder in holders:
                for head in _slot_heads(holder, slot):
                    found = self._actors(head, resolver)
                    if found:
                        return found
        obj = direct_object(anchor) if anchor.pos_ != "NOUN" and object_is_party else None
        if obj is not None and obj != coding.complement and obj != coding.noun:
            found = self._actors(obj, resolver) or self._perpetrator(obj, resolver, lookback)
            if found:
                return found
        for holder in _target_holders(anchor, coding):
            for child in holder.children:
                if child.dep_ == "poss" or (child.dep_ == "prep" and child.lower_ in OBJECT_PREPS):
                    heads = [child] if child.dep_ == "poss" else _pobjs(child)
                    found = [a for head in heads for a in self._actors(head, resolver)]
                    found = found or [
                        a for head in heads for a in self._nested_actors(head, resolver)
                    ]
                    if found:
                        return found
        addressee = _clause_subject(anchor) if coding.code[:2] in ADDRESSED_ROOTS else None
        if addressee is not None:
            found = self._actors(addressee, resolver)  # "demanded that Tbilisi sign ..."
            if found:
                return found
        if coding.inner is not None:
            found = self._complement_targets(
                coding.inner,
                resolver,
                addressee=coding.code[:2] != "13",
                object_is_party=object_is_party,
                lookback=lookback,
            )
            if found:
                return found
        if anchor.dep_ == "conj":
            head_coding = self.match_verb(anchor.head, depth=0)
            if head_coding is not None:
                return self._targets(head_coding, anchor.head, resolver, lookback=lookback)
        if coding.code[:2] in LOCATED_ROOTS:
            return self._located_target(anchor, resolver, _target_place_preps(coding))
        return []

    def _perpetrator(
        self, noun: Token, resolver: ActorResolver, lookback: Lookback | None
    ) -> list[Actor]:
        """'condemned the attack by X': the target is whoever carried out the act, named in
        the noun's own phrase; 'condemned the killings' with no doer named refers back to a
        recent act of that kind, whose source is the target."""
        coding = self.match_noun(noun)
        roots = _referred_roots(noun, coding)
        if roots is None:
            return []
        own, _ = self._noun_actors(noun, coding.targets if coding else (), resolver)
        if own:
            return own
        if lookback is None or not _is_definite(noun):
            return []
        earlier = resolver.recent_doer(
            roots, sentence=lookback.sentence, window=LOOKBACK_SENTENCES, exclude=lookback.doers
        )
        if earlier is None:
            return []
        lookback.used = True
        return [earlier]

    def _nested_actors(self, noun: Token, resolver: ActorResolver) -> list[Actor]:
        """'an inquiry into abuses by Iranian forces': one phrase further down."""
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ in ("by", "of", "against", "on"):
                found = [a for obj in _pobjs(child) for a in self._actors(obj, resolver)]
                if found:
                    return found
        return []

    def _complement_targets(
        self,
        inner: Coding,
        resolver: ActorResolver,
        *,
        addressee: bool,
        object_is_party: bool,
        lookback: Lookback | None = None,
    ) -> list[Actor]:
        """'demanded that Russia withdraw': the addressee is the clause's own subject;
        'offered to send tanks to Ukraine': else the complement's own target."""
        verb = inner.trigger
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if addressee and subject is not None and verb.dep_ == "ccomp":
            found = self._actors(subject, resolver)
            if found:
                return found
        return self._targets(
            inner, verb, resolver, object_is_party=object_is_party, lookback=lookback
        )

    def _located_target(
        self, anchor: Token, resolver: ActorResolver, preps: frozenset[str] = LOCATIVE_PREPS
    ) -> list[Actor]:
        """'struck targets in southern Lebanon': force used in a country is used against it."""
        holders = [anchor, *[c for c in anchor.children if c.dep_ in ("dobj", "nsubjpass")]]
        for obj in holders[1:]:
            actor = resolver.resolve(obj, place_ok=True)  # "attacked the port of Odesa"
            if actor is not None and actor.country and not actor.sector:
                return [actor]
        for holder in holders:
            for prep in holder.children:
                if prep.dep_ == "prep" and prep.lower_ in preps:
                    for obj in _pobjs(prep):
                        actor = resolver.resolve(obj, place_ok=True)
                        if actor is not None and actor.country and not actor.sector:
                            return [actor]
        return []

    def _struck_place(self, anchor: Token, resolver: ActorResolver) -> str | None:
        """The country of the place a violent clause struck: in "shelled Kherson, killing
        four civilians" the civilians were killed where the shelling fell."""
        node = anchor
        while True:
            found = self._located_target(node, resolver)
            if found:
                return found[0].country
            if node.dep_ not in STRIKE_CHAIN_DEPS or node.head == node:
                return None
            node = node.head

    def _actors(self, head: Token, resolver: ActorResolver) -> list[Actor]:
        actors: list[Actor] = []
        for token in conjuncts(head):
            actor = resolver.resolve(token)
            if actor is None:
                continue
            split = country_conjuncts(token)
            if len(split) > 1:
                actors.extend(_per_country(actor, split, resolver))
            else:
                actors.append(actor)
        return actors

    def _attribution(self, anchor: Token, resolver: ActorResolver) -> Actor | None:
        """Who reports the act: the subject of an enclosing speech verb, or a 'report that'."""
        node = anchor
        for _ in range(6):
            if node.dep_ == "ROOT" or node.head == node:
                break
            child, node = node, node.head
            if child.dep_ == "ccomp" and self.is_speech(node):
                subject = subject_of(node)
                return resolver.resolve(subject) if subject is not None else None
            if (
                child.dep_ in ("acl", "ccomp", "relcl")
                and node.pos_ == "NOUN"
                and node.lemma_.lower() in ("report", "claim", "statement", "allegation")
            ):
                return resolver.resolve(node) or _plain_actor(node, resolver)
        for child in anchor.children:
            if child.dep_ == "prep" and child.lower_ == "according":
                for obj in child.subtree:
                    if obj.dep_ == "pobj":
                        return resolver.resolve(obj) or _plain_actor(obj, resolver)
        return None

    def attributing_subject(self, anchor: Token) -> Token | None:
        """The subject of the speech verb whose reported clause holds the anchor."""
        node = anchor
        for _ in range(6):
            if node.head == node:
                return None
            child, node = node, node.head
            if child.dep_ == "ccomp" and self.is_speech(node):
                return subject_of(node)
        return None

    def is_speech(self, verb: Token) -> bool:
        lemma = verb.lemma_.lower()
        patterns = self.knowledge.verbs.get(lemma, ())
        return lemma in SPEECH_LEMMAS or any(p.code.startswith(SPEECH_ROOT) for p in patterns)


# --- parse helpers ------------------------------------------------------------------------


def direct_object(verb: Token) -> Token | None:
    """The object acted upon: the direct object, or the subject of a passive verb."""
    for child in verb.children:
        if child.dep_ in ("dobj", "obj"):
            return past_quantity(child)
    for child in verb.children:
        if child.dep_ == "nsubjpass":
            return past_quantity(child)
    return None


def subject_of(verb: Token) -> Token | None:
    """The doer: subject, passive agent, or the controller of an infinitive/participle."""
    if _is_passive(verb):
        for child in verb.children:
            if child.dep_ == "agent":
                objs = _pobjs(child)
                if objs:
                    return objs[0]
        return None
    for child in verb.children:
        if child.dep_ in ("nsubj", "csubj"):
            if child.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                return verb.head
            return child
    if verb.dep_ == "xcomp":
        head = verb.head
        obj = next((c for c in head.children if c.dep_ in ("dobj", "dative")), None)
        controls = head.lemma_.lower() in OBJECT_CONTROL
        return obj if obj is not None and controls else subject_of(head)
    if verb.dep_ in ("conj", "advcl") and verb.head != verb:
        return subject_of(verb.head)
    if verb.dep_ == "acomp" and verb.head != verb:
        return subject_of(verb.head)  # "it was ready to host talks"
    if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head
    return None


def modality_of(token: Token, is_speech: Callable[[Token], bool] | None = None) -> Modality:
    """Negated, hypothetical, future or proposed, from the token and the verbs governing it.

    Reported speech ("officials said X attacked Y") is a boundary: what was said is coded as
    asserted, with the speaker in `attributed_to`.
    """
    node = token
    for _ in range(6):
        found = _own_modality(node)
        if found is not None:
            return found
        if node.dep_ not in ASCEND_DEPS or node.head == node:
            break
        parent = node.head
        lemma = parent.lemma_.lower()
        if node.dep_ in GOVERNED_DEPS:
            governed = _governed_modality(lemma)
            if governed is not None:
                return governed
        if node.dep_ == "ccomp" and (is_speech is None or is_speech(parent)):
            break
        if node.dep_ == "pcomp" and parent.lower_ in CONDITIONAL_PREPS:
            return Modality.HYPOTHETICAL
        if node.dep_ == "conj" and any(
            c.dep_ == "cc" and c.lower_ in ("but", "yet") for c in parent.children
        ):
            break
        if node.dep_ in ("xcomp", "ccomp") and lemma in PROPOSING_GOVERNORS:
            return Modality.PROPOSED  # "urged Kenya to speed up the deployment"
        if parent.pos_ == "NOUN" and any(c.lower_ in NEGATING_DETERMINERS for c in parent.children):
            return Modality.NEGATED
        node = parent
    return Modality.ASSERTED


def _governed_modality(lemma: str) -> Modality | None:
    """What a governing verb or adjective does to the act under it: 'denied that X attacked'
    negates it, 'wanted X and Y to meet' and 'hopes to sign' leave it a wish, 'plans to visit'
    puts it in the future."""
    if lemma in NEGATING_GOVERNORS:
        return Modality.NEGATED
    if lemma in FUTURE_GOVERNORS:
        return Modality.FUTURE
    if lemma in HYPOTHETICAL_GOVERNORS:
        return Modality.HYPOTHETICAL
    return None


def _own_modality(token: Token) -> Modality | None:
    aux = {c.lower_ for c in token.children if c.dep_ in ("aux", "auxpass")}
    if any(c.dep_ == "neg" for c in token.children):
        return Modality.NEGATED
    for child in token.children:
        if child.dep_ in ("nsubj", "nsubjpass") and any(
            d.dep_ == "det" and d.lower_ in NEGATING_DETERMINERS for d in child.children
        ):
            return Modality.NEGATED
    if any(c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in token.children):
        return Modality.HYPOTHETICAL
    if "would" in aux and _reported_past(token):
        return Modality.FUTURE
    if aux & HYPOTHETICAL_AUX:
        return Modality.HYPOTHETICAL
    if aux & FUTURE_AUX:
        return Modality.FUTURE
    return None


def _reported_past(verb: Token) -> bool:
    """'said Obama would telephone Lee': in reported speech 'would' is a shifted 'will'."""
    return (
        verb.dep_ == "ccomp"
        and verb.head.tag_ == "VBD"
        and not any(c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in verb.children)
    )


def _clause_subject(verb: Token) -> Token | None:
    """The subject of a finite clause the verb governs: 'demanded that Tbilisi sign ...'."""
    for child in verb.children:
        if child.dep_ == "ccomp":
            return next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return None


def _own_clause(verb: Token) -> bool:
    """A finite complement clause with a subject of its own: 'warned that Russia would ...'."""
    return verb.dep_ == "ccomp" and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _gerund_object(verb: Token) -> Token | None:
    """'stopped firing': a bare gerund complement is what the verb acts on."""
    return next(
        (
            c
            for c in verb.children
            if c.dep_ == "xcomp"
            and c.tag_ == "VBG"
            and not any(g.dep_ in ("dobj", "nsubj") for g in c.children)
        ),
        None,
    )


def _referred_roots(noun: Token, coding: Coding | None) -> frozenset[str] | None:
    """The roots of the earlier acts an act noun can refer to: its own root (with the other
    violent roots for a violent one), those listed for a general act noun, or None when the
    noun names no act."""
    if coding is not None:
        root = coding.code[:2]
        return frozenset({root, *(VIOLENT_ROOTS if root in VIOLENT_ROOTS else ())})
    return ACT_NOUN_ROOTS.get(noun.lemma_.lower())


def _is_definite(noun: Token) -> bool:
    """'the killings', 'these measures': a determiner that points back at something known."""
    return any(c.dep_ == "det" and c.lower_ in DEFINITE_DETERMINERS for c in noun.children)


def _is_described(noun: Token) -> bool:
    """'called the strike legitimate', 'declared the vote void': the object of a verb with an
    object predicate is an act being judged, not one being carried out."""
    return noun.dep_ == "dobj" and any(c.dep_ == "oprd" for c in noun.head.children)


def _theme_of_noun(noun: Token) -> bool:
    """'a tariff on Chinese imports', '$250 billion of Chinese imports': what another noun
    (or an amount) is about."""
    prep = noun.head
    if noun.dep_ != "pobj" or prep.dep_ != "prep" or prep.head.pos_ not in NOMINAL_POS:
        return False
    return not _measures(prep.head, noun)


def _measures(head: Token, noun: Token) -> bool:
    """'two days of talks', 'a round of talks': a span of time or a count of the act itself."""
    return head.ent_type_ in ("DATE", "TIME") or past_quantity(head) == noun


def _inside_unknown_name(token: Token) -> bool:
    """A capitalised word inside a named entity, before the name's last word: 'Economic' and
    'Cooperation' in 'Economic Cooperation Organization'."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return (
        token.pos_ == "PROPN"
        and token.text[:1].isupper()
        and token.ent_type_ in NAME_ENTITIES
        and following is not None
        and following.ent_iob_ == "I"
    )


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _particle_object(verb: Token, particle: str) -> Token | None:
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ == particle:
            return next((o for o in child.children if o.dep_ == "pobj"), None)
    return None


def _has_particle(verb: Token, particle: str) -> bool:
    """'call on X', 'pull back'; not 'called on Monday'."""
    return any(
        c.dep_ in ("prt", "prep", "advmod", "agent")
        and c.lower_ == particle
        and not any(o.ent_type_ in ("DATE", "TIME") for o in c.children)
        for c in verb.children
    )


def _pobjs(prep: Token) -> list[Token]:
    return [c for c in prep.children if c.dep_ in ("pobj", "pcomp")]


def _complement_nouns(verb: Token) -> Iterator[Token]:
    """Nouns that may say what a family verb is about, nearest first."""
    for child in verb.children:
        if child.dep_ in ("dobj", "nsubjpass", "attr"):
            yield child
            yield from (t for t in child.subtree if t != child and t.pos_ == "NOUN")
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ in COMPLEMENT_PREPS:
            for obj in _pobjs(child):
                yield obj
                yield from (t for t in obj.subtree if t != obj and t.pos_ == "NOUN")


def _state_act(anchor: Token, coding: Coding) -> Token | None:
    """The noun naming a state act the trigger is about: its object, a complement noun or the
    object of a preposition ('against', 'over', 'on', 'to', 'of'): 'the repeal of the finance
    bill', 'a strike against the tax increases'. The noun, its modifiers and the noun of its
    'of' phrase are looked at."""
    heads: list[Token] = []
    # "took to the streets to dispute the re-election", "marched demanding the president's
    # resignation": what the purpose clause acts on
    purpose = [
        c for c in anchor.children if c.dep_ in ("advcl", "xcomp") and c.tag_ in ("VB", "VBG")
    ]
    for holder in (anchor, coding.noun, coding.complement, *purpose):
        if holder is None:
            continue
        obj = direct_object(holder) if holder.pos_ != "NOUN" else None
        if obj is not None:
            heads.append(obj)
        for child in holder.children:
            if child.dep_ == "prep" and child.lower_ in STATE_ACT_PREPS:
                heads.extend(_pobjs(child))
    if coding.complement is not None and coding.complement.pos_ == "NOUN":
        heads.append(coding.complement)
    for head in heads:
        nouns = [head, *(c for c in head.children if c.dep_ in ("compound", "amod", "appos"))]
        for child in head.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                for obj in _pobjs(child):
                    nouns.extend([obj, *(c for c in obj.children if c.dep_ == "compound")])
        if any(n.lemma_.lower() in STATE_ACT_NOUNS for n in nouns):
            return head
    return None


def _target_place_preps(coding: Coding) -> frozenset[str]:
    """Prepositions whose place gives the target: where force was used, and for aid also
    where it was sent ("flew tents to Herat" helps Afghanistan)."""
    if coding.code[:2] in DESTINATION_ROOTS:
        return LOCATIVE_PREPS | {"to"}
    return LOCATIVE_PREPS


def _target_holders(anchor: Token, coding: Coding) -> list[Token]:
    """Nouns whose modifiers may name the target when no pattern slot did: 'its ban on X'."""
    holders = [coding.complement] if coding.complement is not None else []
    obj = direct_object(anchor) if anchor.pos_ != "NOUN" else None
    if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
        holders.append(obj)
    return holders


def _is_reciprocal(code: str) -> bool:
    return code[:2] in ("03", "04", "05", "06") or code.startswith(("0841", "057"))


def _slot_heads(holder: Token, slot: TargetSlot) -> list[Token]:
    if slot.kind == "obj":
        obj = direct_object(holder)
        return [obj] if obj is not None and holder.pos_ != "NOUN" else []
    if slot.kind == "dative":
        return [c for c in holder.children if c.dep_ == "dative"]
    heads = []
    for child in holder.children:
        if child.dep_ in ("prep", "agent", "dative") and child.lower_ in slot.preps:
            heads.extend(_border_partner(o) for o in _pobjs(child))
    return heads


def _border_partner(head: Token) -> Token:
    """'to its border with Guyana': the country on the other side, not the border's owner."""
    if head.lemma_.lower() in BORDER_NOUNS:
        for child in head.children:
            if child.dep_ == "prep" and child.lower_ == "with":
                objs = _pobjs(child)
                if objs:
                    return objs[0]
    return head


def _to_border(verb: Token) -> bool:
    return any(
        c.dep_ in ("prep", "dative") and c.lower_ == "to" and o.lemma_.lower() in BORDER_NOUNS
        for c in verb.children
        for o in _pobjs(c)
    )


def _trigger(coding: Coding, offset: int) -> Trigger:
    tokens = [coding.trigger] + (
        [coding.noun] if coding.noun is not None and coding.noun != coding.trigger else []
    )
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    sentence = coding.trigger.sent
    text = sentence.text[start - sentence.start_char : end - sentence.start_char]
    if len(tokens) == 2 and tokens[1].i - tokens[0].i > 4:
        text = " ... ".join(t.text for t in tokens)
        return Trigger(text, Span(offset + start, offset + end))
    return Trigger(text, Span(offset + start, offset + end))


def _is_symmetric(code: str) -> bool:
    if code in ASYMMETRIC_CODES:
        return False
    return code[:2] in SYMMETRIC_ROOTS or code in SYMMETRIC_CODES


def _same_actor(a: Actor, b: Actor) -> bool:
    return (a.span == b.span and a.code == b.code) or (a.name is not None and a.name == b.name)


def _distinct(actors: list[Actor]) -> list[Actor]:
    """One actor per party: the words of one name ('Asia-Pacific Economic Cooperation') are
    one party, not two meeting each other."""
    out: list[Actor] = []
    for actor in actors:
        if not any(actor.code == seen.code and actor.name == seen.name for seen in out):
            out.append(actor)
    return out


def _per_country(actor: Actor, split: list[Token], resolver: ActorResolver) -> list[Actor]:
    """'the German, British and French foreign ministers' is three actors; in 'representatives
    of the government and the TPLF' the second keeps its own sector."""
    out = []
    for part in split:
        alone = resolver.resolve(part)
        if alone is None or alone.country is None:
            continue
        sector = alone.sector or actor.sector
        out.append(
            Actor(
                text=actor.text,
                span=actor.span,
                country=alone.country,
                sector=sector,
                org=alone.org or actor.org,
                name=alone.name,
                code=alone.code if alone.sector else f"{alone.country}{sector or ''}",
            )
        )
    return out or [actor]


def _plain_actor(token: Token, resolver: ActorResolver) -> Actor:
    """An attribution we cannot resolve is still worth showing as text."""
    sub = token.doc[token.left_edge.i : token.i + 1]
    start = resolver.offset + sub.start_char
    return Actor(text=sub.text, span=Span(start, start + len(sub.text)))


def _event_date(
    anchor: Token, sentence: SpacySpan, ctx: SentenceContext
) -> tuple[dt.date | None, DateBasis | None]:
    if ctx.dates:
        clause = _clause_dates(anchor, sentence, ctx.dates)
        chosen = clause[0] if clause else (ctx.dates[0] if len(ctx.dates) == 1 else None)
        if chosen is not None:
            return chosen.date, chosen.basis
    if ctx.reference is not None:
        return ctx.reference, DateBasis.PUBLICATION
    return None, None


def _clause_dates(
    anchor: Token, sentence: SpacySpan, dates: list[DateMention]
) -> list[DateMention]:
    out = []
    for mention in dates:
        token = _token_at(sentence, mention.start)
        if token is not None and _clause_verb(token) in _clause_family(anchor):
            out.append(mention)
    return out


def _token_at(sentence: SpacySpan, char: int) -> Token | None:
    for token in sentence:
        if token.idx - sentence.start_char >= char:
            return token
    return None


def _clause_verb(token: Token) -> Token:
    node = token
    for _ in range(8):
        if (node.pos_ in ("VERB", "AUX") and node != token) or node.head == node:
            return node
        node = node.head
    return node


def _clause_family(anchor: Token) -> set[Token]:
    verb = anchor if anchor.pos_ in ("VERB", "AUX") else _clause_verb(anchor)
    family = {verb, *verb.conjuncts}
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head != node:
        node = node.head
        family.add(node)
    return family


def _confidence(coding: Coding, source: Actor, target: Actor | None) -> float:
    score = 0.9
    if coding.noun is not None and coding.trigger == coding.noun:
        score -= 0.15
    if coding.code.endswith("0") and len(coding.code) == 3 and ">" not in coding.rule:
        score -= 0.05
    if source.country is None and source.org is None:
        score -= 0.15
    if target is None or (target.country is None and target.org is None):
        score -= 0.1
    return round(max(score, 0.1), 2)
