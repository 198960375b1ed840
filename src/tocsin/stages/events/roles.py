"""Who did it and to whom: the source and target of a candidate act, from the parse.

Each choice is noted in the trace with the step that made it (pattern slot, plain object,
preposition, addressee, complement, place struck, earlier act), so `tocsin explain` can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ...knowledge import Knowledge, TargetSlot
from ...model import Actor, ActorResolution
from ...syntax import (
    Grammar,
    clause_mark,
    clause_subject,
    conjuncts,
    country_conjuncts,
    is_passive,
    is_speaker_label,
    own_clause,
    pobjs,
)
from ...trace import Trace
from .attribution import Attribution, plain_actor
from .match import Candidate, Matcher
from .words import EventWords, act_noun_roots

if TYPE_CHECKING:
    from spacy.tokens import Token

# "Amnesty condemned the killings": a definite act noun with no doer of its own refers back to
# an act met a few sentences earlier, whose doer is the target.
LOOKBACK_SENTENCES = 6
NOUN_GOVERNED_DEPS = frozenset(
    {"dobj", "nmod", "pobj", "prep", "compound", "attr", "appos", "conj"}
)


@dataclass(slots=True)
class Lookback:
    """What resolving 'the killings' back to an earlier act needs: the sentence the
    referring event is in and its own doers, who cannot be its target; `used` records that
    the target came from an earlier act, making this event a reaction."""

    sentence: int
    doers: tuple[Actor, ...]
    used: bool = False


class RoleRules:
    """What the role choices need from knowledge, built once per coder."""

    def __init__(
        self,
        knowledge: Knowledge,
        grammar: Grammar,
        words: EventWords,
        matcher: Matcher,
        attribution: Attribution,
    ) -> None:
        self.knowledge = knowledge
        self.grammar = grammar
        self.words = words
        self.matcher = matcher
        self.attribution = attribution
        self.act_noun_roots = act_noun_roots(knowledge)
        self.violent_roots = knowledge.roots_with("violent")
        self.authority_sectors = knowledge.sectors_in("authority")
        self.state_side: frozenset[str | None] = words.state_sectors | {None}
        self.grievance_sectors = knowledge.sectors_in("grievance")

    def roles(self, code: str) -> frozenset[str]:
        return self.knowledge.facts(code).roles


class Roles:
    """Source and target choice for one sentence's candidates, against one article's actors."""

    def __init__(self, rules: RoleRules, resolver: ActorResolution, trace: Trace) -> None:
        self.rules = rules
        self.grammar = rules.grammar
        self.words = rules.words
        self.resolver = resolver
        self.trace = trace
        self._briefs: dict[tuple[int, int], list[Actor]] = {}

    # --- sources ------------------------------------------------------------------------

    def sources(self, candidate: Candidate, anchor: Token) -> tuple[list[Actor], list[Actor]]:
        """Sources, and for 'talks between A and B' the symmetric partner list."""
        if candidate.obliged is not None:
            reporter = self.rules.attribution.reporter(anchor, self.resolver)
            said_by = [reporter] if reporter is not None and reporter.is_keyed else []
            return self._note("source", "the one who says what should be done", said_by), []
        roles = self.rules.roles(candidate.code)
        if candidate.noun is not None and candidate.trigger == candidate.noun:
            own, pair = self.noun_actors(candidate.noun, candidate.targets)
            if own:
                self._note("source", "the event noun's own phrase", own)
                return own, pair
            anchor = (
                self._uncoded_governor(candidate.noun)
                or self._framing_verb(candidate.noun, candidate.code)
                or anchor
            )
        subject = self.grammar.subject_of(anchor)
        if subject is None and "mobilize" in roles:
            # "Pakistan's air force was placed on high alert": the force is what mobilises
            subject = next((c for c in anchor.children if c.dep_ == "nsubjpass"), None)
        if subject is None and "destination" in roles and is_passive(anchor):
            return self._senders(anchor), []
        if subject is None and "arrest" in roles and is_passive(anchor):
            # "2,000 people had been detained, the Interior Ministry said": an authority
            # reporting arrests without naming who made them made them.
            speaker = self.rules.attribution.speaker_of(anchor)
            found = self.actors(speaker) if speaker is not None else []
            found = [a for a in found if a.sector in self.rules.authority_sectors]
            self._note("source", "an authority reporting arrests in the passive", found)
            return found, []
        if subject is None:
            self.trace.step("source", f"'{anchor.text}' has no subject")
            return [], []
        if subject.pos_ == "NOUN" and self.rules.matcher.match_noun(subject) is not None:
            # "the bombing of a French base killed nine soldiers": an act as subject is done
            # by its own doers; what it was done to is no doer
            own, _ = self.noun_actors(subject, ())
            self._note("source", f"the doers of the act '{subject.text}'", own)
            return own, []
        found = self.actors(subject)
        for sibling in _sibling_subjects(subject):
            found += [a for a in self.actors(sibling) if a not in found]
        self._note_briefs(subject, found)
        self._note("source", f"the subject '{subject.text}'", found)
        if not found and subject.dep_ in ("dobj", "pobj") and anchor.dep_ == "acl":
            # "the House passed a resolution urging Pakistan ...": the maker of the document
            maker = self.grammar.subject_of(subject.head) if subject.dep_ == "dobj" else None
            found = self.actors(maker) if maker is not None else []
            self._note("source", f"who made the '{subject.text}'", found)
        if not found and anchor.dep_ == "conj" and anchor.head.dep_ == "ccomp":
            # "Borrell said the election was unfair and condemned the violence": the
            # parser hangs "condemned" on the reported clause; the speaker is the doer.
            speaker = self.grammar.subject_of(anchor.head.head)
            found = self.actors(speaker) if speaker is not None else []
            self._note("source", "the speaker of the clause the act is coordinated with", found)
        return found, []

    def _note_briefs(self, subject: Token, found: list[Actor]) -> None:
        """'the UN envoy for Syria': the country an international official works on."""
        officials = [a for a in found if a.org and not a.country]
        if not officials:
            return
        briefs = [
            actor
            for child in subject.children
            if child.dep_ == "prep" and child.lower_ in self.words.brief_prepositions
            for obj in pobjs(child)
            for actor in [self.resolver.resolve(obj, place_ok=True)]
            if actor is not None and actor.country
        ]
        for official in officials:
            self._briefs[(official.span.start, official.span.end)] = briefs

    def brief(self, source: Actor) -> list[Actor]:
        """The countries named as an international official's brief, as targets of the
        official's acts when the sentence names no other."""
        found = self._briefs.get((source.span.start, source.span.end), [])
        return self._note("target", f"the brief of '{source.text}'", found)

    def _senders(self, anchor: Token) -> list[Actor]:
        """'Rescue teams from Spain were sent to Morocco': the sender is where they came from."""
        sent = next((c for c in anchor.children if c.dep_ == "nsubjpass"), None)
        origins = [
            o
            for c in (sent.children if sent is not None else ())
            if c.dep_ == "prep" and c.lower_ == "from"
            for o in pobjs(c)
        ]
        found = [a for o in origins for a in self.actors(o)]
        self._note("source", "where what was sent came from", found)
        return found

    def _framing_verb(self, noun: Token, code: str) -> Token | None:
        """'said during a visit to South Africa', 'told reporters after talks with Macron': a
        meeting or visit framing what the subject did, with a partner it names, is the
        subject's own ('after a meeting of Hamas leaders' is not)."""
        prep = noun.head
        if code[:2] not in self.words.framed_roots or noun.dep_ != "pobj":
            return None
        partners = self.words.frame_partner_prepositions
        if not any(c.dep_ == "prep" and c.lower_ in partners for c in noun.children):
            return None
        if prep.lower_ not in self.words.frame_prepositions or prep.head.pos_ not in (
            "VERB",
            "AUX",
        ):
            return None
        return prep.head

    def _uncoded_governor(self, noun: Token) -> Token | None:
        """'Israel and the UAE signed an accord ...': an event noun under a verb that codes
        nothing itself takes that verb's subject."""
        node = noun
        for _ in range(4):
            if node.dep_ not in NOUN_GOVERNED_DEPS or node.head == node:
                return None
            node = node.head
            if node.pos_ == "VERB":
                return node if self.rules.matcher.match_verb(node, depth=0) is None else None
        return None

    def noun_actors(
        self, noun: Token, slots: tuple[TargetSlot, ...]
    ) -> tuple[list[Actor], list[Actor]]:
        """The doers an event noun names itself: 'talks between A and B', 'an attack by X',
        'Russia's invasion'."""
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "between":
                parties = [a for obj in pobjs(child) for a in self.actors(obj)]
                if len(parties) >= 2:
                    return parties[:1], parties[1:]
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "by":
                found = [a for obj in pobjs(child) for a in self.actors(obj)]
                if found:
                    return found, []
        # "rejected ECOWAS calls": the parser may make the name the subject of the noun
        deps = ("poss", "amod", "compound", "nmod", "nsubj")
        modifiers = [c for c in noun.children if c.dep_ in deps]
        found = _distinct([a for m in modifiers for a in self.actors(m)])
        if not found:
            found = self._content_subject(noun)
        matched = self.rules.matcher.match_noun(noun)
        if len(found) >= 2 and matched is not None and self.symmetric(matched.code):
            return found[:1], found[1:]
        return found[:1], []

    def _content_subject(self, noun: Token) -> list[Actor]:
        """'the announcement that Ukraine had agreed to a ceasefire': the one whose act the
        noun's 'that' clause tells."""
        for clause in noun.children:
            if clause.dep_ in ("acl", "ccomp") and any(
                c.dep_ == "mark" and c.lower_ == "that" for c in clause.children
            ):
                subject = next((c for c in clause.children if c.dep_ == "nsubj"), None)
                if subject is not None:
                    return self.actors(subject)
        return []

    def symmetric(self, code: str) -> bool:
        return self.rules.knowledge.facts(code).symmetric

    # --- targets ------------------------------------------------------------------------

    def targets(
        self,
        candidate: Candidate,
        anchor: Token,
        *,
        object_is_party: bool = True,
        lookback: Lookback | None = None,
    ) -> list[Actor]:
        """Where the pattern says, else the plain object (unless the sources act on each other
        and the object is what they exchange), else nouns and clauses around the trigger."""
        if candidate.obliged is not None:
            told = self.actors(candidate.obliged)
            return self._note(
                "target", f"the one told what to do, '{candidate.obliged.text}'", told
            )
        addressed = "addressed" in self.rules.roles(candidate.code)
        asked = self._asked(anchor) if addressed else None
        if asked is not None:
            found = self.actors(asked)  # "called for the Taliban to lift the ban"
            if found:
                return self._note("target", f"the one asked, '{asked.text}'", found)
        noun = candidate.noun if candidate.noun is not None else self.grammar.direct_object(anchor)
        holders = [anchor] + ([noun] if noun is not None and noun != anchor else [])
        if candidate.noun is not None and candidate.trigger == candidate.noun:
            governor = self._uncoded_governor(candidate.noun)  # "send supplies to Morocco"
            holders += [governor] if governor is not None else []
        own_only: list[Actor] = []  # kept in case no other party is named
        for slot in candidate.targets:
            for holder in holders:
                for head in self._slot_heads(holder, slot):
                    found = self._past_own(head, self.actors(head), lookback)
                    if self._doers_own(found, lookback):
                        own_only = own_only or found
                    elif found:
                        return self._note("target", f"pattern slot {_slot_label(slot)}", found)
        found = self._visit_purpose(anchor) if "visit" in self.rules.roles(candidate.code) else []
        if found:
            return found
        found = self._object_target(candidate, anchor, object_is_party, lookback)
        if self._doers_own(found, lookback):
            own_only = own_only or found
        elif found:
            return found
        for holder in self._target_holders(anchor, candidate):
            found = self._modifier_target(holder) or self._aimed_target(holder)
            if self._doers_own(found, lookback):
                own_only = own_only or found
            elif found:
                return self._note("target", f"a phrase of '{holder.text}'", found)
        roles = self.rules.roles(candidate.code)
        addressee = clause_subject(anchor) if "addressed" in roles else None
        if addressee is not None:
            found = self.actors(addressee)  # "demanded that Tbilisi sign ..."
            if found:
                return self._note("target", f"the addressee '{addressee.text}'", found)
        if candidate.inner is not None:
            found = self._complement_targets(
                candidate.inner,
                addressee="threat" not in roles,
                object_is_party=object_is_party,
                lookback=lookback,
            )
            if found:
                return found
        if "threat" in roles:
            found = self._conditioned(candidate)
            if found:
                return found
        if "voiced" in roles:
            found = self._voiced_target(anchor, lookback)
            if found:
                return found
        if anchor.dep_ == "conj":
            head_candidate = self.rules.matcher.match_verb(anchor.head, depth=0)
            if head_candidate is not None:
                self.trace.step("target", f"as for the coordinated '{anchor.head.text}'")
                return self.targets(head_candidate, anchor.head, lookback=lookback)
        if own_only:
            return self._note("target", "only the doer's own is named", own_only)
        if "located" in roles:
            preps = self.words.located_target_prepositions
            if "destination" in roles:
                preps = preps | self.words.destination_prepositions
            found = self.located_target(anchor, preps)
            return self._note("target", "the place where force was used or aid sent", found)
        return []

    def _visit_purpose(self, anchor: Token) -> list[Actor]:
        """'sent a delegation to attend the inauguration of Taiwan's new president': a visit
        whose destination is not named is to whom its purpose names."""
        for clause in anchor.children:
            if clause.dep_ not in ("advcl", "xcomp") or not any(
                c.tag_ == "TO" for c in clause.children
            ):
                continue
            obj = self.grammar.direct_object(clause)
            if obj is None:
                continue
            found = self.actors(obj) or self._modifier_target(obj)
            if found:
                return self._note("target", f"whom the visit's purpose names, '{obj.text}'", found)
        return []

    def _voiced_target(self, anchor: Token, lookback: Lookback | None) -> list[Actor]:
        """'marched through Belgrade demanding the resignation of President Vucic': a protest
        is aimed at whom the demand or complaint voiced with it is aimed at."""
        for clause in anchor.children:
            if clause.dep_ not in ("advcl", "xcomp") or clause.tag_ != "VBG":
                continue
            voiced = self.rules.matcher.match_verb(clause, depth=0)
            if voiced is None or "grievance" not in self.rules.roles(voiced.code):
                continue
            if "voiced" in self.rules.roles(voiced.code):
                continue  # another protest, not what it voices
            found = self.targets(voiced, clause, lookback=lookback)
            if found:
                return self._note("target", f"whom '{clause.text}' is aimed at", found)
        return []

    def _conditioned(self, candidate: Candidate) -> list[Actor]:
        """'threatened to declare a state of emergency if transport unions went ahead with
        their strike', 'unless Brussels releases the funds': a threat is aimed at the one whose
        act its condition names."""
        verbs = [candidate.trigger] + ([candidate.inner.trigger] if candidate.inner else [])
        for verb in verbs:
            for clause in verb.children:
                marked = any(
                    c.dep_ == "mark" and c.lower_ in self.words.conditional_markers
                    for c in clause.children
                )
                if clause.dep_ != "advcl" or not marked:
                    continue
                for subject in (c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")):
                    found = self.actors(subject)
                    if found:
                        return self._note(
                            "target", f"the one the condition names, '{subject.text}'", found
                        )
        return []

    def _doers_own(self, found: list[Actor], lookback: Lookback | None) -> bool:
        """'threatened to sever ties with Belgium over its stance', 'halted part of its aid to
        Rwanda': a target that is only the doer's own state or its organs is a weaker reading
        than another party named further on."""
        own = _own_countries(lookback)
        own_state = [a for a in found if a.country in own and a.sector in self.rules.state_side]
        return bool(own_state) and len(own_state) == len(found)

    def _asked(self, anchor: Token) -> Token | None:
        """The subject of a clause opened by 'for' that the appeal governs: 'called for the
        Taliban to lift the ban' asks the Taliban."""
        for clause in anchor.children:
            if clause_mark(clause) in self.words.complement_prepositions:
                return next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        return None

    def _object_target(
        self,
        candidate: Candidate,
        anchor: Token,
        object_is_party: bool,
        lookback: Lookback | None,
    ) -> list[Actor]:
        obj = self.grammar.direct_object(anchor) if anchor.pos_ != "NOUN" else None
        if obj is None or obj == candidate.complement or obj == candidate.noun:
            return []
        found = self._past_own(obj, self.actors(obj), lookback) if object_is_party else []
        if found:
            return self._note("target", f"the object '{obj.text}'", found)
        # what several doers exchange is no party, but an act they answer has a doer:
        # "Chile, Ghana and Norway backed the request by Colombia"
        return self._perpetrator(obj, lookback)

    def _past_own(self, head: Token, found: list[Actor], lookback: Lookback | None) -> list[Actor]:
        """'recalled its ambassador to France', 'closed its borders with Morocco': when the
        object is the doer's own, the country its phrase names beyond it is the target. Rebels
        or the opposition of the doer's country are not its own: 'talks with rebel leaders in
        Havana' are with the rebels."""
        own = _own_countries(lookback)
        if not found or not own or any(a.country not in own for a in found):
            return found
        if any(a.sector not in self.rules.state_side for a in found):
            return found
        for child in [*head.children, *head.head.children]:
            if child.dep_ == "prep" and child.lower_ in self.words.own_object_prepositions:
                beyond = [a for o in pobjs(child) for a in self.actors(o) if a.country not in own]
                if beyond:
                    return self._note("target", f"beyond the doer's own '{head.text}'", beyond)
        return found

    def _modifier_target(self, holder: Token) -> list[Actor]:
        for child in holder.children:
            is_prep = child.dep_ == "prep" and child.lower_ in self.words.object_prepositions
            if child.dep_ == "poss" or is_prep:
                heads = [child] if child.dep_ == "poss" else pobjs(child)
                found = [a for head in heads for a in self.actors(head)]
                found = found or [a for head in heads for a in self._nested_actors(head)]
                if found:
                    return found
        return []

    def _perpetrator(self, noun: Token, lookback: Lookback | None) -> list[Actor]:
        """'condemned the attack by X': the target is whoever carried out the act, named in
        the noun's own phrase; 'condemned the killings' with no doer named refers back to a
        recent act of that kind, whose source is the target."""
        candidate = self.rules.matcher.match_noun(noun)
        roots = self._referred_roots(noun, candidate)
        if roots is None:
            return []
        own, _ = self.noun_actors(noun, candidate.targets if candidate else ())
        if own:
            return self._note("target", f"the doer of '{noun.text}'", own)
        if lookback is None or not self._is_definite(noun):
            return []
        earlier = self.resolver.recent_doer(
            roots, sentence=lookback.sentence, window=LOOKBACK_SENTENCES, exclude=lookback.doers
        )
        if earlier is None:
            return []
        lookback.used = True
        return self._note(
            "target", f"the doer of the earlier act '{noun.text}' refers to", [earlier]
        )

    def _referred_roots(self, noun: Token, candidate: Candidate | None) -> frozenset[str] | None:
        """The roots of the earlier acts an act noun can refer to: its own root (with the other
        violent roots for a violent one), those listed for a general act noun, or None when the
        noun names no act."""
        if candidate is not None:
            root = candidate.code[:2]
            violent = self.rules.violent_roots
            return frozenset({root, *(violent if root in violent else ())})
        return self.rules.act_noun_roots.get(noun.lemma_.lower())

    def _is_definite(self, noun: Token) -> bool:
        """'the killings', 'these measures': a determiner that points back at something known."""
        return any(
            c.dep_ == "det" and c.lower_ in self.words.definite_determiners for c in noun.children
        )

    def _nested_actors(self, noun: Token) -> list[Actor]:
        """'an inquiry into abuses by Iranian forces': one phrase further down."""
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ in self.words.nested_target_prepositions:
                found = [a for obj in pobjs(child) for a in self.actors(obj)]
                if found:
                    return found
        return []

    def _complement_targets(
        self,
        inner: Candidate,
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
            found = self.actors(subject)
            if found:
                return self._note("target", f"the subject of the complement '{verb.text}'", found)
        return self.targets(inner, verb, object_is_party=object_is_party, lookback=lookback)

    def located_target(self, anchor: Token, preps: frozenset[str] | None = None) -> list[Actor]:
        """'struck targets in southern Lebanon': force used in a country is used against it."""
        preps = self.words.located_target_prepositions if preps is None else preps
        holders = [anchor, *[c for c in anchor.children if c.dep_ in ("dobj", "nsubjpass")]]
        for obj in holders[1:]:
            if any(c.dep_ == "poss" and c.pos_ == "PRON" for c in obj.children):
                continue  # "conducted its sixth nuclear test": the doer's own, no place struck
            actor = self.resolver.resolve(obj, place_ok=True)  # "attacked the port of Odesa"
            if actor is not None and actor.country and not actor.sector:
                return [actor]
        for holder in holders:
            for prep in holder.children:
                if prep.dep_ == "prep" and prep.lower_ in preps:
                    for obj in pobjs(prep):
                        actor = self.resolver.resolve(obj, place_ok=True)
                        if actor is None or not actor.country:
                            continue
                        if not actor.sector:
                            return [actor]
                        if self.resolver.names_place(obj):  # "near Damascus": the place
                            return [replace(actor, sector=None, code=actor.country)]
        return []

    def struck_place(self, anchor: Token) -> str | None:
        """The country of the place a violent clause struck: in "shelled Kherson, killing
        four civilians" the civilians were killed where the shelling fell."""
        node = anchor
        while True:
            found = self.located_target(node)
            if found:
                return found[0].country
            if node.dep_ not in ("advcl", "conj", "xcomp") or node.head == node:
                return None
            node = node.head

    def told(self, verb: Token | None) -> list[Actor]:
        """'told opposition parties that she would lift the ban', 'assured Seoul it would ...':
        an act announced to someone, with no target of its own, is aimed at the one told."""
        if verb is None:
            return []
        heads = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
        heads += [
            o for c in verb.children if c.dep_ == "prep" and c.lower_ == "to" for o in pobjs(c)
        ]
        for head in heads:
            found = self.actors(head)
            if found:
                return self._note("target", f"the one told, '{head.text}'", found)
        return []

    def own_state(
        self, code: str, candidate: Candidate, anchor: Token, source: Actor
    ) -> list[Actor]:
        """'Protesters demanded the repeal of the finance bill': a domestic group's grievance
        about a state act (a law, an election, a tax) with no addressee named is aimed at the
        government of the group's country, or of the story's when the group has none."""
        if "grievance" not in self.rules.roles(code):
            return []
        if source.sector not in self.rules.grievance_sectors or source.org is not None:
            return []
        country = source.country or self.resolver.focus
        if country is None:
            return []
        about = self._state_act(anchor, candidate)
        if about is None:
            return []
        phrase = plain_actor(about)
        found = [replace(phrase, country=country, sector="GOV", code=f"{country}GOV")]
        return self._note("target", f"its own government, over '{about.text}'", found)

    def implied_target(self, code: str, anchor: Token, source: Actor) -> list[Actor]:
        """An appeal, a criticism, a protest or a fight whose sentence names no one it is
        aimed at is aimed at the country the story names most, as trained coders read it:
        "rights groups called for his release" in a story about Cambodia is aimed at Cambodia
        (a dateline says where the reporter was, not whom the act was aimed at). A state never
        aims one at itself ("Portugal called for calm"); its people and officials may."""
        roles = self.rules.roles(code)
        if "own-country" in roles and source.country:
            # "Bangladesh imposed a curfew", "the opposition called off its protests": acts of
            # domestic politics are aimed at the doer's own country
            own = _unnamed_country(anchor, source.country, "(own country)")
            return self._note("target", f"its own country, {source.country}", [own])
        if "implied" not in roles:
            return []
        country = self.resolver.most_named
        if country is None:
            return []
        if source.country == country and not source.sector:
            return []
        implied = _unnamed_country(anchor, country, "(implied)")
        return self._note("target", f"implied: {country}, the story's main country", [implied])

    def speaks_for_doer(self, candidate: Candidate, sources: list[Actor]) -> bool:
        """A warning that someone else will act is reported speech, not a threat."""
        inner = candidate.inner
        threat = "threat" in self.rules.roles(candidate.code)
        if inner is None or not threat or not own_clause(inner.trigger):
            return True
        doer = self.grammar.subject_of(inner.trigger)
        if doer is None and is_passive(inner.trigger):
            return True  # "warned that gas deliveries would be halted": by the one warning
        doers = self.actors(doer) if doer is not None else []
        if not doers and inner.trigger.lemma_.lower() in self.words.consequence_verbs:
            return True
        speakers = {s.country for s in sources} - {None}
        return bool(speakers & {self.resolver.place(d).country for d in doers})

    def actors(self, head: Token) -> list[Actor]:
        """The actors a phrase names: each conjunct, and each country of 'the German and
        French ministers'."""
        actors: list[Actor] = []
        for token in conjuncts(head):
            actor = self.resolver.resolve(token)
            if actor is None:
                continue
            how = self.resolver.coreference(token)
            if how is not None:
                self.trace.step("coreference", how)
            split = country_conjuncts(token, self.words.country_list_prepositions)
            if len(split) > 1:
                actors.extend(self._per_country(actor, split))
            else:
                actors.append(actor)
        return actors

    def _per_country(self, actor: Actor, split: list[Token]) -> list[Actor]:
        """'the German, British and French foreign ministers' is three actors; in
        'representatives of the government and the TPLF' the second keeps its own sector."""
        out = []
        for part in split:
            alone = self.resolver.resolve(part)
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

    def _state_act(self, anchor: Token, candidate: Candidate) -> Token | None:
        """The noun naming a state act the trigger is about: its object, a complement noun or
        the object of a preposition: 'the repeal of the finance bill', 'a strike against the
        tax increases'. The noun, its modifiers and the noun of its 'of' phrase are looked
        at."""
        heads: list[Token] = []
        # "took to the streets to dispute the re-election", "marched demanding the president's
        # resignation": what the purpose clause acts on
        purpose = [
            c for c in anchor.children if c.dep_ in ("advcl", "xcomp") and c.tag_ in ("VB", "VBG")
        ]
        for holder in (anchor, candidate.noun, candidate.complement, *purpose):
            if holder is None:
                continue
            obj = self.grammar.direct_object(holder) if holder.pos_ != "NOUN" else None
            if obj is not None:
                heads.append(obj)
            for child in holder.children:
                if child.dep_ == "prep" and child.lower_ in self.words.state_act_prepositions:
                    heads.extend(pobjs(child))
        if candidate.complement is not None and candidate.complement.pos_ == "NOUN":
            heads.append(candidate.complement)
        for head in heads:
            nouns = [head, *(c for c in head.children if c.dep_ in ("compound", "amod", "appos"))]
            for child in head.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for obj in pobjs(child):
                        nouns.extend([obj, *(c for c in obj.children if c.dep_ == "compound")])
            if any(n.lemma_.lower() in self.words.state_act_nouns for n in nouns):
                return head
        return None

    def _aimed_target(self, holder: Token) -> list[Actor]:
        """'missile strikes targeting Kyiv', 'sanctions aimed at Iranian officials': a
        participle of aiming that the act's noun carries names whom the act is aimed at."""
        for clause in holder.children:
            if clause.dep_ != "acl" or clause.lemma_.lower() not in self.words.aiming_verbs:
                continue
            heads = [c for c in clause.children if c.dep_ == "dobj"] + [
                o for c in clause.children if c.dep_ == "prep" for o in pobjs(c)
            ]
            for head in heads:
                found = self.actors(head)
                if found:
                    return found
        return []

    def _target_holders(self, anchor: Token, candidate: Candidate) -> list[Token]:
        """Nouns whose modifiers may name the target when no pattern slot did: 'its ban on X'."""
        holders = [candidate.complement] if candidate.complement is not None else []
        holders += [candidate.noun] if candidate.noun is not None else []
        obj = self.grammar.direct_object(anchor) if anchor.pos_ != "NOUN" else None
        if obj is not None and obj.pos_ in ("NOUN", "PROPN"):
            holders.append(obj)
        return holders

    def _slot_heads(self, holder: Token, slot: TargetSlot) -> list[Token]:
        if slot.kind == "obj":
            obj = self.grammar.direct_object(holder)
            return [obj] if obj is not None and holder.pos_ != "NOUN" else []
        if slot.kind == "dative":
            return [c for c in holder.children if c.dep_ == "dative"]
        heads: list[Token] = []
        for child in holder.children:
            if child.dep_ in ("prep", "agent", "dative") and child.lower_ in slot.preps:
                heads.extend(self._border_partner(o) for o in pobjs(child))
        obj = self.grammar.direct_object(holder) if holder.pos_ == "VERB" and not heads else None
        if obj is not None:
            # "extradited a Russian national wanted on fraud charges to the United States":
            # the parser hangs the verb's phrase on the participle describing its object
            heads.extend(
                o
                for clause in obj.children
                if clause.dep_ == "acl" and clause.i > obj.i
                for c in clause.children
                if c.dep_ == "prep" and c.lower_ in slot.preps
                for o in pobjs(c)
            )
        return heads

    def _border_partner(self, head: Token) -> Token:
        """'to its border with Guyana': the country on the other side, not the border's owner."""
        if head.lemma_.lower() in self.words.border_nouns:
            for child in head.children:
                if child.dep_ == "prep" and child.lower_ == "with":
                    objs = pobjs(child)
                    if objs:
                        return objs[0]
        return head

    def to_border(self, verb: Token) -> bool:
        """'sent tanks to the Syrian frontier'."""
        return any(
            c.dep_ in ("prep", "dative")
            and c.lower_ == "to"
            and o.lemma_.lower() in self.words.border_nouns
            for c in verb.children
            for o in pobjs(c)
        )

    def _note(self, what: str, how: str, found: list[Actor]) -> list[Actor]:
        if found:
            names = ", ".join(a.code or a.name or a.text for a in found)
            self.trace.step(what, f"{how} → {names}")
        return found


def _own_countries(lookback: Lookback | None) -> set[str]:
    """The countries of the doers: what counts as the doer's own."""
    if lookback is None:
        return set()
    return {d.country for d in lookback.doers if d.country is not None}


def _sibling_subjects(subject: Token) -> list[Token]:
    """'Chile, Ghana and Norway backed ...': the parser may make several list members
    subjects of the verb side by side; each of them acts."""
    if subject.dep_ not in ("nsubj", "nsubjpass") or subject.head == subject:
        return []
    return [
        c
        for c in subject.head.children
        if c.dep_ == subject.dep_ and c != subject and not is_speaker_label(c)
    ]


def _slot_label(slot: TargetSlot) -> str:
    return slot.kind + (":" + "|".join(slot.preps) if slot.preps else "")


def _distinct(actors: list[Actor]) -> list[Actor]:
    """One actor per party: the words of one name ('Asia-Pacific Economic Cooperation') are
    one party, not two meeting each other."""
    out: list[Actor] = []
    for actor in actors:
        if not any(actor.code == seen.code and actor.name == seen.name for seen in out):
            out.append(actor)
    return out


def _unnamed_country(anchor: Token, country: str, text: str) -> Actor:
    """A target the sentence does not name, shown at the trigger: the country it stands for."""
    return replace(plain_actor(anchor), text=text, country=country, code=country)
