"""Match triggers against the verb and noun patterns: which words of a sentence carry an act,
and with which code and rule.

Family verbs ("urge", "threaten") are refined by the code of their complement; support verbs
("hold talks") hand the act to their object noun.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...knowledge import Knowledge, NounPattern, TargetSlot, VerbPattern
from ...model import ActorResolution
from ...syntax import (
    Grammar,
    clause_mark,
    clause_subject,
    gerund_object,
    has_particle,
    own_clause,
    pobjs,
)
from ...syntax import particle_object as particle_object_of
from ...trace import Trace
from .words import EventWords

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

MAX_DEPTH = 3
ANY_ACTOR = "@actor"
NOMINAL_POS = frozenset({"NOUN", "PROPN", "NUM", "SYM"})
NAME_ENTITIES = frozenset({"ORG", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT"})
ACTOR_ENTITIES = frozenset({"PERSON", "NORP", "GPE", "ORG"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pattern that fired: the code, the rule that explains it, and where to find actors."""

    code: str
    rule: str
    trigger: Token
    targets: tuple[TargetSlot, ...]
    noun: Token | None = None
    complement: Token | None = None
    inner: Candidate | None = None
    consumed: tuple[int, ...] = ()
    obliged: Token | None = None  # "Y should ...": the one a speaker tells what to do


class Matcher:
    """Finds the candidate acts of a sentence; holds no per-article state."""

    def __init__(self, knowledge: Knowledge, grammar: Grammar, words: EventWords) -> None:
        self.knowledge = knowledge
        self.grammar = grammar
        self.words = words
        self._role_heads = {phrase.split()[-1] for phrase in knowledge.roles}
        self._threat_roots = knowledge.roots_with("threat")
        self.evaluations = knowledge.word_values("events.evaluation-words")
        self.obligations = knowledge.word_values("events.obligation-auxiliaries")

    def has_trigger(self, sentence: SpacySpan) -> bool:
        """Cheap test used to skip sentences that cannot yield an event."""
        verbs, nouns = self.knowledge.verbs, self.knowledge.nouns
        return any(t.lemma_.lower() in verbs or t.lemma_.lower() in nouns for t in sentence)

    def candidates(
        self, sentence: SpacySpan, resolver: ActorResolution, trace: Trace
    ) -> list[Candidate]:
        """Every act the sentence's words match, minus those another match consumed (the
        complement of a family verb, the noun of a support verb)."""
        found: dict[int, Candidate] = {}
        consumed: dict[int, str] = {}
        for token in sentence:
            candidate = None
            if token.pos_ in ("VERB", "AUX") or token.tag_.startswith("VB"):
                if token.lemma_.lower() in self.knowledge.verbs:
                    trace.trigger(token, "verb")
                candidate = self.match_verb(token, depth=0, trace=trace)
                candidate = candidate or self._evaluation(token, trace)
                candidate = self._obligation(token, candidate, trace) or candidate
            is_noun = token.pos_ in ("NOUN", "PROPN")
            if candidate is None and is_noun and token.lemma_.lower() in self.knowledge.nouns:
                trace.trigger(token, "noun")
                if self._names_own_event(token, resolver, trace):
                    candidate = self.match_noun(token, trace=trace)
            if candidate is not None:
                trace.matched(candidate.code, candidate.rule)
                found[token.i] = candidate
                consumed.update(dict.fromkeys(candidate.consumed, candidate.rule))
        for i, rule in consumed.items():
            if i in found:
                trace.focus(found[i].trigger)
                trace.outcome(f"part of the act coded by {rule}")
        return [c for i, c in sorted(found.items()) if i not in consumed]

    def _names_own_event(self, noun: Token, resolver: ActorResolution, trace: Trace) -> bool:
        """An event noun stands for an event of its own only when it is not a word of a name
        ('the Asia-Pacific Economic Cooperation summit') and not a modifier of another noun
        ('trade talks' are talks, a 'joint operations room' is a room), nor an act someone
        only describes ('called the strike legitimate')."""
        if resolver.in_name(noun) or _inside_unknown_name(noun):
            trace.outcome("a word of a name, not an act")
            return False
        if noun.dep_ == "compound":
            trace.outcome("modifies another noun, not an act of its own")
            return False
        if self._theme_of_noun(noun):
            trace.outcome("what another noun is about, not an act of its own")
            return False
        if _is_described(noun):
            trace.outcome("an act being judged, not carried out")
            return False
        return True

    def match_verb(
        self, verb: Token, *, depth: int, trace: Trace | None = None
    ) -> Candidate | None:
        patterns = self.knowledge.verbs.get(verb.lemma_.lower())
        if not patterns or depth > MAX_DEPTH:
            return None
        obj = self.grammar.direct_object(verb) or gerund_object(verb)
        obj_lemma = obj.lemma_.lower() if obj is not None else None
        for pattern in patterns:
            if pattern.particle and not has_particle(verb, pattern.particle):
                _note(trace, pattern.id, f"no particle '{pattern.particle}'")
                continue
            if pattern.objects and not self._object_fits(pattern, obj, obj_lemma):
                # "took to the streets": the particle's own object
                inner = particle_object_of(verb, pattern.particle) if pattern.particle else None
                inner_lemma = inner.lemma_.lower() if inner is not None else None
                if inner is None or not self._object_fits(pattern, inner, inner_lemma):
                    _note(trace, pattern.id, f"object {obj_lemma or 'none'!r} does not fit")
                    continue
            candidate = self._apply_verb_pattern(pattern, verb, obj, depth)
            if candidate is not None:
                _note(trace, pattern.id, f"fired, code {candidate.code}")
                return candidate
            _note(trace, pattern.id, "matched, but its object or complement codes nothing")
        return None

    def _evaluation(self, verb: Token, trace: Trace) -> Candidate | None:
        """'called Tokyo's remarks reckless', 'described the sanctions as illegal', 'branded
        the report a provocation': judging someone's words or acts is criticism (or praise),
        coded by the judging word's code in events.evaluation-words."""
        if verb.lemma_.lower() not in self.words.evaluative_verbs:
            return None
        obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
        if obj is None:
            return None
        judged = [c for c in obj.children if c.dep_ == "amod" and c.i > obj.i]
        judged += [c for c in verb.children if c.dep_ in ("oprd", "dobj") and c != obj]
        for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as"):
            judged += [c for c in prep.children if c.dep_ in ("amod", "pobj", "acomp")]
        judged += [c for word in list(judged) for c in word.conjuncts]
        for word in judged:
            code = self.evaluations.get(word.lemma_.lower())
            if code is not None:
                trace.trigger(verb, "verb")
                rule = f"e.{verb.lemma_.lower()}.{word.lemma_.lower()}"
                _note(trace, rule, f"fired: '{word.text}' judges '{obj.text}', code {code}")
                return Candidate(code, rule, verb, (TargetSlot("obj"),))
        return None

    def _obligation(self, verb: Token, inner: Candidate | None, trace: Trace) -> Candidate | None:
        """'"The Thai government shouldn't give these people back to China," he said': what
        a speaker says a third party should or must do is an appeal to it (020, refined by the
        act asked for); who speaks is settled with the actors."""
        aux = next((c for c in verb.children if c.lower_ in self.obligations), None)
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if aux is None or subject is None or subject.lower_ in self.words.speaker_pronouns:
            return None
        family = self.obligations[aux.lower_]
        asked_not = any(c.dep_ == "neg" for c in verb.children)  # "should not": no act asked
        refined = self.knowledge.refine(family, inner.code) if inner and not asked_not else None
        code = refined or family
        rule = f"o.{aux.lower_}" + (f">{inner.rule}" if inner is not None else "")
        trace.trigger(verb, "verb")
        _note(trace, rule, f"fired: what '{subject.text}' {aux.text} do, code {code}")
        consumed = inner.consumed if inner is not None else ()
        return Candidate(code, rule, verb, (), inner=inner, consumed=consumed, obliged=subject)

    def _object_fits(self, pattern: VerbPattern, obj: Token | None, lemma: str | None) -> bool:
        if lemma in pattern.objects:
            return True
        return ANY_ACTOR in pattern.objects and obj is not None and self._looks_like_actor(obj)

    def _looks_like_actor(self, token: Token) -> bool:
        """Cheap test before actors are resolved: a name, a nationality or a role noun."""
        return (
            token.pos_ == "PROPN"
            or token.ent_type_ in ACTOR_ENTITIES
            or token.lemma_.lower() in self._role_heads
        )

    def _apply_verb_pattern(
        self, pattern: VerbPattern, verb: Token, obj: Token | None, depth: int
    ) -> Candidate | None:
        if pattern.is_support:
            return self._support(pattern, verb, obj)
        if pattern.is_family:
            return self._family(pattern, verb, depth)
        return Candidate(pattern.code, pattern.id, verb, pattern.targets)

    def _support(self, pattern: VerbPattern, verb: Token, obj: Token | None) -> Candidate | None:
        """'held talks': the support verb carries the act its object noun names."""
        if obj is None or _is_described(obj):
            return None
        noun = self.match_noun(obj)
        if noun is None:
            return None
        return Candidate(
            noun.code,
            f"{pattern.id}+{noun.rule}",
            verb,
            pattern.targets + noun.targets,
            noun=obj,
            consumed=(obj.i,),
        )

    def _family(self, pattern: VerbPattern, verb: Token, depth: int) -> Candidate | None:
        """'urged Russia to open a dialogue': the family's code refined by the complement's."""
        family = pattern.code.rstrip("*")
        inner = self._complement(verb, depth)
        threat = family[:2] in self._threat_roots
        if inner is not None and threat and own_clause(inner.trigger):
            # "X warned that Y would attack": a threat only if X speaks for Y, decided
            # once actors are known; Y's act is coded on its own.
            refined = self.knowledge.refine(family, inner.code) or family
            rule = f"{pattern.id}>{inner.rule}"
            return Candidate(
                refined, rule, verb, pattern.targets, complement=inner.trigger, inner=inner
            )
        if inner is not None:
            family_code = self.knowledge.refine(family, inner.code)
            if family_code is not None:
                return Candidate(
                    family_code,
                    f"{pattern.id}>{inner.rule}",
                    verb,
                    pattern.targets,
                    complement=inner.noun or inner.trigger,
                    inner=inner,
                    consumed=(inner.trigger.i, *inner.consumed),
                )
        if inner is None and threat and self._forecast(verb):
            return None
        return Candidate(
            family,
            pattern.id,
            verb,
            pattern.targets,
            complement=inner.trigger if inner and inner.noun is None else None,
            inner=inner,
            consumed=(inner.trigger.i, *inner.consumed) if inner else (),
        )

    def _forecast(self, verb: Token) -> bool:
        """'The IMF warned that growth would slow': a warning with no addressee about a clause
        in which nobody acts (its subject a plain thing: growth, prices, the storm) is a
        forecast, not a threat. 'warned that there would be consequences' stays a threat."""
        if any(c.dep_ in ("dobj", "dative", "obj") for c in verb.children):
            return False
        subject = clause_subject(verb)
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

    def match_noun(self, noun: Token, *, trace: Trace | None = None) -> Candidate | None:
        patterns = self.knowledge.nouns.get(noun.lemma_.lower())
        if not patterns:
            return None
        modifiers = {c.lemma_.lower() for c in noun.children if c.dep_ in ("amod", "compound")}
        best: NounPattern | None = None
        unmet: list[str] = []
        for pattern in patterns:
            if not set(pattern.modifiers) <= modifiers:
                unmet.append(" ".join(pattern.modifiers))
            elif best is None or len(pattern.modifiers) > len(best.modifiers):
                best = pattern
        if unmet:
            _note(trace, f"{len(unmet)} patterns", f"need a modifier: {', '.join(unmet)}")
        if best is None:
            return None
        _note(trace, best.id, f"fired, code {best.code.rstrip('*')}")
        return Candidate(best.code.rstrip("*"), best.id, noun, best.targets, noun=noun)

    def _complement(self, verb: Token, depth: int) -> Candidate | None:
        """The coded act a family verb is about: its infinitive, clause, object or for-phrase."""
        for child in verb.children:
            marked = clause_mark(child) in self.words.complement_prepositions
            if (child.dep_ in ("xcomp", "ccomp") or marked) and child.pos_ in ("VERB", "AUX"):
                candidate = self.match_verb(child, depth=depth + 1)
                if candidate is not None:
                    return candidate
        for noun in self._complement_nouns(verb):
            candidate = self.match_noun(noun)
            if candidate is not None:
                return candidate
        return None

    def _complement_nouns(self, verb: Token) -> Iterator[Token]:
        """Nouns that may say what a family verb is about, nearest first."""
        for child in verb.children:
            if child.dep_ in ("dobj", "nsubjpass", "attr"):
                yield child
                yield from (t for t in child.subtree if t != child and t.pos_ == "NOUN")
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in self.words.complement_prepositions:
                for obj in pobjs(child):
                    yield obj
                    yield from (t for t in obj.subtree if t != obj and t.pos_ == "NOUN")

    def _theme_of_noun(self, noun: Token) -> bool:
        """'a tariff on Chinese imports', '$250 billion of Chinese imports': what another noun
        (or an amount) is about."""
        prep = noun.head
        if noun.dep_ != "pobj" or prep.dep_ != "prep" or prep.head.pos_ not in NOMINAL_POS:
            return False
        return not self._measures(prep.head, noun)

    def _measures(self, head: Token, noun: Token) -> bool:
        """'two days of talks', 'a round of talks': a span of time or a count of the act."""
        return head.ent_type_ in ("DATE", "TIME") or self.grammar.past_quantity(head) == noun


def _note(trace: Trace | None, rule: str, result: str) -> None:
    if trace is not None:
        trace.pattern(rule, result)


def _is_described(noun: Token) -> bool:
    """'called the strike legitimate', 'declared the vote void': the object of a verb with an
    object predicate is an act being judged, not one being carried out."""
    return noun.dep_ == "dobj" and any(c.dep_ == "oprd" for c in noun.head.children)


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
