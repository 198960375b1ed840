"""Turn a sentence's candidate acts into events: apply the CAMEO rewrites, choose sources and
targets, place unplaced actors, judge modality and attribution, and score confidence.

Dates and locations are not set here: the pipeline asks the dates and places stages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...knowledge import Knowledge, Rewrite
from ...model import (
    Actor,
    ActorResolution,
    Event,
    Modality,
    Plover,
    QuadClass,
    SentenceEvent,
    Span,
    Trigger,
)
from ...syntax import Grammar
from ...trace import Trace, describe
from .attribution import Attribution
from .match import Candidate, Matcher
from .modality import ModalityReader, is_habitual, is_purpose
from .roles import Lookback, RoleRules, Roles
from .words import EventWords

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

FUTURE_REWRITE = "future"
SOUGHT_REWRITE = "sought"
BORDER_REWRITE = "to-border"
PROTESTERS_REWRITE = "by-protesters"
MATERIAL_QUADS = frozenset({QuadClass.MATERIAL_COOPERATION, QuadClass.MATERIAL_CONFLICT})


@dataclass(frozen=True, slots=True)
class SentenceContext:
    """Where the sentence is: its article and its index among the article's sentences."""

    article_id: str
    index: int


class EventFinder:
    """The events stage: parsed sentences in, events out; holds no per-article state."""

    def __init__(self, knowledge: Knowledge, grammar: Grammar) -> None:
        self.knowledge = knowledge
        words = EventWords.from_knowledge(knowledge)
        self.words = words
        self.matcher = Matcher(knowledge, grammar, words)
        self.attribution = Attribution(knowledge, grammar, words)
        self.modality = ModalityReader(words, self.attribution.is_speech)
        self.rules = RoleRules(knowledge, grammar, words, self.matcher, self.attribution)
        self.rewrites: tuple[Rewrite, ...] = tuple(knowledge.rewrites.values())
        self.protester_sectors = knowledge.sectors_in("protester")

    def has_trigger(self, sentence: SpacySpan) -> bool:
        return self.matcher.has_trigger(sentence)

    def is_speech(self, verb: Token) -> bool:
        return self.attribution.is_speech(verb)

    def code_sentence(
        self,
        sentence: SpacySpan,
        ctx: SentenceContext,
        resolver: ActorResolution,
        trace: Trace | None = None,
    ) -> list[SentenceEvent]:
        """The sentence's events, each once (a trigger's act between the same actors)."""
        trace = trace if trace is not None else Trace()
        trace.sentence(ctx.index, sentence.text)
        roles = Roles(self.rules, resolver, trace)
        events: list[SentenceEvent] = []
        seen: set[tuple[object, ...]] = set()
        for candidate in self.matcher.candidates(sentence, resolver, trace):
            trace.focus(candidate.trigger)
            for event in self._events(candidate, sentence, ctx, roles):
                key = (
                    event.cameo,
                    event.source.span,
                    event.source.code,
                    event.target and event.target.span,
                    event.target and event.target.code,
                    event.trigger.span,
                )
                if key in seen:
                    trace.drop(f"{describe(event)}: the same event as one before")
                    continue
                seen.add(key)
                trace.event(describe(event))
                events.append(SentenceEvent(event, candidate.trigger))
        return events

    def _report_verb(self, anchor: Token) -> Token | None:
        """The verb of saying that reports the clause the act is in."""
        node = anchor
        while node.dep_ in ("conj", "xcomp") and node.head != node:
            node = node.head
        if node.dep_ != "ccomp" or not self.is_speech(node.head):
            return None
        return node.head

    def _only_meant(self, code: str, anchor: Token) -> bool:
        return is_purpose(anchor) and code[:2] not in self.words.done_in_purpose_roots

    def _events(
        self, candidate: Candidate, sentence: SpacySpan, ctx: SentenceContext, roles: Roles
    ) -> Iterator[Event]:
        anchor = candidate.trigger
        resolver, trace = roles.resolver, roles.trace
        modality, why = self.modality.modality(anchor)
        if candidate.obliged is not None and modality in (Modality.HYPOTHETICAL, Modality.NEGATED):
            modality, why = Modality.ASSERTED, "an appeal: what the speaker says should be done"
        trace.step("modality", f"{modality.value}: {why}")
        announced = modality is Modality.FUTURE
        code, modality = self._rewrite(candidate.code, modality, anchor, roles)
        announced = announced and modality is Modality.ASSERTED
        material = self.knowledge.facts(code).quad in MATERIAL_QUADS
        if modality is Modality.ASSERTED and material and is_habitual(anchor):
            modality = Modality.HABITUAL
            trace.step("modality", "habitual: a material act told in the simple present")
        if modality is Modality.ASSERTED and material and self._only_meant(code, anchor):
            modality = Modality.HYPOTHETICAL
            trace.step("modality", f"hypothetical: the purpose of '{anchor.head.text}'")
        if _bare_noun(candidate) and "needs-verb" in self.knowledge.facts(code).roles:
            trace.drop("a noun alone names an act told before or long past: no verb asserts it")
            return
        sources, symmetric_pair = roles.sources(candidate, anchor)
        if not sources:
            trace.drop("no source found")
            return
        if not roles.speaks_for_doer(candidate, sources):
            trace.drop("a warning that someone else will act: reported speech, not a threat")
            return
        code = self._rewrite_by_doers(code, sources, roles)
        facts = self.knowledge.facts(code)
        lookback = Lookback(ctx.index, tuple(sources))
        sources, targets, symmetric = self._parties(
            candidate, code, sources, symmetric_pair, roles, lookback
        )
        where = resolver.setting(sentence)
        sources = [resolver.place(s, where=where) for s in sources]
        if not targets:
            targets = roles.own_state(code, candidate, anchor, sources[0])
        if not targets:
            targets = roles.brief(sources[0])
        if not targets and announced:
            targets = roles.told(self._report_verb(anchor))
        harmed = "violent" in facts.roles
        scene = where
        if harmed and scene is None and any(t.country is None for t in targets):
            scene = roles.struck_place(anchor)
        targets = [
            resolver.place(t, partner=sources[0], where=scene, harmed=harmed) for t in targets
        ]
        if not any(t.is_keyed for t in targets):
            # none named, or only a person no dictionary places ("called for his release")
            targets = roles.implied_target(code, anchor, sources[0]) or targets
        attributed = self.attribution.reporter(anchor, resolver)
        if attributed is not None and any(_same_actor(attributed, s) for s in sources):
            attributed = None
        trigger = _trigger(candidate)
        if modality is Modality.ASSERTED:
            resolver.remember_act(ctx.index, code[:2], sources[0], reaction=lookback.used)
        if candidate.obliged is not None:
            # "the U.S. and our allies must take a long-term approach": a speaker telling its
            # own side what to do appeals to no one
            targets = [t for t in targets if t.country is None or t.country != sources[0].country]
        if "mobilize" in facts.roles:
            # "Indian troops were placed on high alert": the forces alerted are the doer
            targets = [t for t in targets if not any(_same_actor(s, t) for s in sources)]
        choices: list[Actor | None] = list(targets) or [None]
        for source in sources:
            for target in choices:
                if target is not None and _same_actor(source, target):
                    trace.drop(f"{source.code or source.text} would act on itself")
                    continue
                if target is not None and self._governing(code, source, target):
                    trace.drop(f"{source.code} {code} {target.code}: governing at home, no event")
                    continue
                yield self._event(
                    code,
                    candidate,
                    source,
                    target,
                    trigger,
                    sentence,
                    ctx,
                    modality=modality,
                    symmetric=symmetric,
                    attributed=attributed,
                )

    def _parties(
        self,
        candidate: Candidate,
        code: str,
        sources: list[Actor],
        symmetric_pair: list[Actor],
        roles: Roles,
        lookback: Lookback,
    ) -> tuple[list[Actor], list[Actor], bool]:
        """Sources, targets, and whether the act is mutual between them."""
        anchor, facts = candidate.trigger, self.knowledge.facts(code)
        mutual = len(sources) > 1 and facts.reciprocal and not self._each_alone(anchor)
        targets = symmetric_pair or roles.targets(
            candidate, anchor, object_is_party=not mutual, lookback=lookback
        )
        if not targets and not mutual:
            obj = roles.grammar.direct_object(anchor) if anchor.pos_ != "NOUN" else None
            if obj is not None:
                targets = roles.resolver.both_sides(obj, sources[0].country)
                if targets:
                    roles.trace.step("target", f"'{obj.text}': the story's two main countries")
        if not targets and mutual:
            # "Armenia and Azerbaijan agreed ...", "Russia and Ukraine exchanged prisoners": the
            # parties act on each other; what they exchange is no party.
            roles.trace.step("target", "the sources act on each other")
            return sources[:1], sources[1:], True
        return sources, targets, bool(symmetric_pair) or facts.symmetric

    def _governing(self, code: str, source: Actor, target: Actor) -> bool:
        """A state's organs working together ('met with security officials', 'working with
        the justice department') and an official addressing the public ('urged people to seek
        care') are governing, not events between political actors; acts of domestic politics
        (own-country codes) and dealings with the opposition or rebels stay."""
        if source.country is None or source.country != target.country:
            return False
        if "own-country" in self.knowledge.facts(code).roles:
            return False
        root, words = code[:2], self.words
        sectors = {source.sector, target.sector}
        within_state = root in words.within_state_roots and sectors <= self.rules.state_side
        to_public = root in words.public_roots and target.sector in words.public_sectors
        return within_state or to_public

    def _each_alone(self, anchor: Token) -> bool:
        """'Australia, Canada and the United States all offered ...': a word on the verb or its
        subject says each doer acted on its own."""
        subjects = [c for c in anchor.children if c.dep_ in ("nsubj", "nsubjpass")]
        words = [*anchor.children, *(c for s in subjects for c in s.children)]
        return any(w.lower_ in self.words.distributive_words for w in words)

    def _rewrite_by_doers(self, code: str, sources: list[Actor], roles: Roles) -> str:
        """The CAMEO policy rules of rewrites.tsv that depend on who acted."""
        for rule in self.rewrites:
            by_protesters = rule.when == PROTESTERS_REWRITE and all(
                s.sector in self.protester_sectors for s in sources
            )
            if by_protesters and rule.applies(code):
                roles.trace.step("rewrite", f"{rule.id}: {code} → {rule.to}")
                code = rule.to
        return code

    def _announces(self, when: str, modality: Modality, anchor: Token) -> bool:
        """Whether a rewrite's condition makes the act an announcement CAMEO codes as such."""
        if when == FUTURE_REWRITE:
            return modality is Modality.FUTURE
        if when == SOUGHT_REWRITE:
            seeks = modality is Modality.HYPOTHETICAL
            return seeks and self.modality.seeker(anchor) is not None
        return False

    def _rewrite(
        self, code: str, modality: Modality, anchor: Token, roles: Roles
    ) -> tuple[str, Modality]:
        """Apply the CAMEO policy rules of rewrites.tsv in order."""
        for rule in self.rewrites:
            if not rule.applies(code):
                continue
            if rule.when == BORDER_REWRITE and roles.to_border(anchor):
                roles.trace.step("rewrite", f"{rule.id}: {code} → {rule.to}")
                code = rule.to
            elif self._announces(rule.when, modality, anchor):
                family = rule.to.rstrip("*")
                refined = self.knowledge.refine(family, code) if rule.to.endswith("*") else rule.to
                if refined is not None:
                    roles.trace.step("rewrite", f"{rule.id}: {code} → {refined}, asserted")
                    code, modality = refined, Modality.ASSERTED
        return code, modality

    def _event(
        self,
        code: str,
        candidate: Candidate,
        source: Actor,
        target: Actor | None,
        trigger: Trigger,
        sentence: SpacySpan,
        ctx: SentenceContext,
        *,
        modality: Modality,
        symmetric: bool,
        attributed: Actor | None,
    ) -> Event:
        info = self.knowledge.code_info(code)
        return Event(
            article_id=ctx.article_id,
            cameo=code,
            root=code[:2],
            quad_class=self.knowledge.facts(code).quad,
            goldstein=info.goldstein,
            plover=Plover(info.plover_type, info.plover_mode, info.plover_context),
            source=source,
            target=target,
            trigger=trigger,
            sentence=sentence.text,
            sentence_index=ctx.index,
            date=None,
            date_basis=None,
            rule=candidate.rule,
            confidence=_confidence(candidate, source, target),
            modality=modality,
            symmetric=symmetric,
            attributed_to=attributed,
        )


def _trigger(candidate: Candidate) -> Trigger:
    tokens = [candidate.trigger] + (
        [candidate.noun]
        if candidate.noun is not None and candidate.noun != candidate.trigger
        else []
    )
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    sentence = candidate.trigger.sent
    text = sentence.text[start - sentence.start_char : end - sentence.start_char]
    if len(tokens) == 2 and tokens[1].i - tokens[0].i > 4:
        text = " ... ".join(t.text for t in tokens)
    return Trigger(text, Span(start, end))


def _same_actor(a: Actor, b: Actor) -> bool:
    """One party on both sides: the same words, the same named person, or the same
    international body ('wait for UNHCR's help' is no act of the UN on the UN)."""
    same_body = a.org is not None and a.org == b.org and a.country is None is b.country
    return (
        (a.span == b.span and a.code == b.code)
        or (a.name is not None and a.name == b.name)
        or same_body
    )


def _bare_noun(candidate: Candidate) -> bool:
    """An act named by a noun with no support verb ("the attack", "the sanctions")."""
    return candidate.noun is not None and candidate.trigger == candidate.noun


def _confidence(candidate: Candidate, source: Actor, target: Actor | None) -> float:
    """A rough prior: event nouns, unspecified codes and unresolved actors lower it."""
    score = 0.9
    if _bare_noun(candidate):
        score -= 0.15
    if candidate.code.endswith("0") and len(candidate.code) == 3 and ">" not in candidate.rule:
        score -= 0.05
    if source.country is None and source.org is None:
        score -= 0.15
    if target is None or (target.country is None and target.org is None):
        score -= 0.1
    return round(max(score, 0.1), 2)
