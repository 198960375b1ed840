"""Dependency-parse helpers every stage shares: who is the subject, what is the object, which
words make up a noun phrase, which clause a word belongs to.

They read spaCy's English labels (`nsubj`, `dobj`, `pobj`, ...) and nothing else; the few words
they need (quantity nouns, object-control verbs, phrase prepositions) come from the knowledge
files through `Grammar`, so the stages never import one another for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

    from .knowledge import Knowledge

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
NOMINAL = frozenset({"NOUN", "PROPN", "PRON"})
HYPHENS = frozenset({"-", "–"})


@dataclass(frozen=True, slots=True)
class Grammar:
    """The parse helpers that need words: built once from the knowledge files."""

    quantity_nouns: frozenset[str]
    object_control_verbs: frozenset[str]
    phrase_prepositions: frozenset[str]
    relative_pronouns: frozenset[str]
    demand_verbs: frozenset[str]

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> Grammar:
        return cls(
            quantity_nouns=knowledge.words("syntax.quantity-nouns"),
            object_control_verbs=knowledge.words("syntax.object-control-verbs"),
            phrase_prepositions=knowledge.words("syntax.phrase-prepositions"),
            relative_pronouns=knowledge.words("syntax.relative-pronouns"),
            demand_verbs=knowledge.words("syntax.demand-verbs"),
        )

    def past_quantity(self, head: Token) -> Token:
        """'thousands of protesters', '50 tonnes of supplies': the noun after 'of' counts."""
        if head.lemma_.lower() in self.quantity_nouns:
            for child in head.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for obj in child.children:
                        if obj.dep_ == "pobj":
                            return obj
        return head

    def direct_object(self, verb: Token) -> Token | None:
        """The object acted upon: the direct object, or the subject of a passive verb."""
        for child in verb.children:
            if child.dep_ in ("dobj", "obj"):
                return self.past_quantity(child)
        for child in verb.children:
            if child.dep_ == "nsubjpass":
                return self.past_quantity(child)
        if verb.lemma_.lower() in self.object_control_verbs:
            controlled = _controlled_subject(verb)
            if controlled is not None:
                return self.past_quantity(controlled)
        return None

    def subject_of(self, verb: Token) -> Token | None:
        """The doer: subject, passive agent, or the controller of an infinitive/participle."""
        if is_passive(verb):
            for child in verb.children:
                if child.dep_ == "agent":
                    objs = pobjs(child)
                    if objs:
                        return objs[0]
            return None
        for child in verb.children:
            if child.dep_ in ("nsubj", "csubj") and is_speaker_label(child):
                # "VOA: Russia's President Vladimir Putin visited China": the label's apposition
                named = next((c for c in child.children if c.dep_ == "appos"), None)
                if named is not None:
                    return named
            elif child.dep_ in ("nsubj", "csubj"):
                if child.lower_ in self.relative_pronouns and verb.dep_ == "relcl":
                    return verb.head
                return child
        if verb.dep_ == "xcomp":
            head = verb.head
            obj = next((c for c in head.children if c.dep_ in ("dobj", "dative")), None)
            controls = head.lemma_.lower() in self.object_control_verbs
            return obj if obj is not None and controls else self.subject_of(head)
        if verb.dep_ == "conj" and _joins_the_saying(verb):
            return self.subject_of(verb.head.head)
        if verb.dep_ in ("conj", "advcl") and verb.head != verb:
            return self.subject_of(verb.head)
        if verb.dep_ == "acomp" and verb.head != verb:
            return self.subject_of(verb.head)  # "it was ready to host talks"
        if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PROPN"):
            return verb.head
        return None

    def np_tokens(self, head: Token) -> list[Token]:
        """The head's noun phrase: modifiers and of/at/from/in phrases, not clauses or
        conjuncts."""
        out = [head]
        stack = [head]
        while stack:
            token = stack.pop()
            for child in token.children:
                take = (
                    child.dep_ in NP_DEPS
                    or (child.dep_ == "prep" and child.lower_ in self.phrase_prepositions)
                    or (child.dep_ == "pobj" and token.dep_ == "prep")
                )
                if child.dep_ == "punct" and child.text in HYPHENS:
                    take = True
                joined = token != head and token.dep_ in ("amod", "compound", "nmod")
                if take or (child.dep_ == "conj" and joined):
                    out.append(child)
                    stack.append(child)
        return sorted(out, key=lambda t: t.i)


def is_passive(verb: Token) -> bool:
    """'was accused', and a participle completing a linking verb or opening a clause of its
    own: 'stands accused of', 'backed by Russia, the rebels ...' ('having signed' is active)."""
    linked = (
        verb.tag_ == "VBN"
        and verb.dep_ in ("acomp", "oprd", "advcl")
        and not any(c.dep_ == "aux" for c in verb.children)
    )
    return linked or any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def is_speaker_label(token: Token) -> bool:
    """'VOA: Russia's President Vladimir Putin recently visited China': a name before a colon
    opening an interview line labels who speaks; the parser may take it for a subject."""
    return any(c.dep_ == "punct" and c.text == ":" and c.i == token.i + 1 for c in token.children)


def pobjs(prep: Token) -> list[Token]:
    """The objects of a preposition, including a clause ('against sending troops'); in 'a deal
    with the United States granting it a share' the parser makes the clause the object, and
    its subject is the one meant."""
    return [_clause_subject_or_self(c) for c in prep.children if c.dep_ in ("pobj", "pcomp")]


def _clause_subject_or_self(token: Token) -> Token:
    if token.dep_ != "pcomp" or token.tag_ != "VBG":
        return token
    return next((c for c in token.children if c.dep_ == "nsubj" and c.pos_ != "PRON"), token)


def _joins_the_saying(verb: Token) -> bool:
    """'determined that the detention is arbitrary and called for his release': a past verb
    the parser joins to a present clause reported under another verb belongs with that verb."""
    head = verb.head
    return (
        verb.tag_ == "VBD"
        and head.dep_ == "ccomp"
        and head.tag_ in ("VBZ", "VBP")
        and head.head != head
    )


def _controlled_subject(verb: Token) -> Token | None:
    """'allowed IAEA inspectors to visit': the parser makes the one allowed the subject of
    the infinitive; for verbs of permitting and urging it is the verb's object. So too the
    subject of a bare infinitive ('let the inspectors enter') or of a verbless small clause
    ('found the journalist guilty')."""
    for clause in verb.children:
        if clause.dep_ == "ccomp" and (
            clause.tag_ == "VB"
            or any(c.tag_ == "TO" for c in clause.children)
            or _is_small_clause(clause)
        ):
            return next((c for c in clause.children if c.dep_ == "nsubj"), None)
    return None


def _is_small_clause(clause: Token) -> bool:
    return clause.pos_ == "ADJ" and not any(c.dep_ in ("aux", "cop") for c in clause.children)


def particle_object(verb: Token, particle: str) -> Token | None:
    """The object of a verb's particle: 'took to the streets'; and 'called off the protests'
    when the parser hangs the object on the particle."""
    for child in verb.children:
        if child.dep_ in ("prep", "prt") and child.lower_ == particle:
            return next((o for o in child.children if o.dep_ == "pobj"), None)
    return None


def has_particle(verb: Token, particle: str) -> bool:
    """'call on X', 'pull back'; not 'called on Monday'. 'called for the Taliban to lift the
    ban' has it too: the parser makes 'for' the mark of the clause it opens. So does the
    adjective of a small clause: 'found him guilty', 'was found guilty'."""
    return any(
        c.dep_ in ("prt", "prep", "advmod", "agent")
        and c.lower_ == particle
        and not any(o.ent_type_ in ("DATE", "TIME") for o in c.children)
        for c in verb.children
    ) or any(
        clause_mark(c) == particle
        or (c.dep_ in ("oprd", "acomp", "ccomp") and c.pos_ == "ADJ" and c.lower_ == particle)
        or (c.dep_ == "dobj" and _trailing_adjective(c) == particle)
        for c in verb.children
    )


def _trailing_adjective(noun: Token) -> str | None:
    """'found Andrzej Poczobut guilty': the parser may read the small clause's adjective as
    modifying the object from behind."""
    return next((c.lower_ for c in noun.rights if c.dep_ == "amod" and c.pos_ == "ADJ"), None)


def clause_mark(clause: Token) -> str | None:
    """The word that opens an infinitive clause with its own subject ('for' in 'called for
    the Taliban to lift the ban'), lowercased."""
    if clause.dep_ not in ("advcl", "ccomp", "xcomp"):
        return None
    return next((c.lower_ for c in clause.children if c.dep_ == "mark" and c.i < clause.i), None)


def clause_subject(verb: Token) -> Token | None:
    """The subject of a finite clause the verb governs: 'demanded that Tbilisi sign ...'."""
    for child in verb.children:
        if child.dep_ == "ccomp":
            return next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return None


def own_clause(verb: Token) -> bool:
    """A finite complement clause with a subject of its own: 'warned that Russia would ...'."""
    return verb.dep_ == "ccomp" and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def gerund_object(verb: Token) -> Token | None:
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


def conjuncts(head: Token) -> list[Token]:
    """The head and the nouns coordinated with it: 'Russia and China', 'A, the B and C'."""
    out = [head, *[t for t in head.conjuncts if t.i > head.i and t.pos_ in NOMINAL]]
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
            if t.dep_ == head.dep_ and t.left_edge.i == cc.i + 1 and t.pos_ in NOMINAL
        ),
        None,
    )


def country_conjuncts(head: Token, prepositions: frozenset[str]) -> list[Token]:
    """Coordinated modifiers inside one phrase: 'the German, British and French ministers',
    'the presidents of Kenya and Uganda' (objects of one of `prepositions`)."""
    mods = [c for c in head.children if c.dep_ in ("amod", "compound") and c.conjuncts]
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ in prepositions:
            mods += [o for o in prep.children if o.dep_ == "pobj" and o.conjuncts]
    if not mods:
        return []
    first = mods[0]
    return [first, *[t for t in first.conjuncts if t.i > first.i]]


def in_core(token: Token, head: Token) -> bool:
    """True for the head and its compound/amod/poss chain, not for of/in phrases."""
    node = token
    while node != head:
        if node.dep_ in ("pobj", "prep") or (node.dep_ == "appos" and node.head != head):
            return False
        if node.head == node:
            return False
        node = node.head
    return True


def token_at(sentence: SpacySpan, char: int) -> Token | None:
    """The first token at or after a character offset into the sentence."""
    for token in sentence:
        if token.idx - sentence.start_char >= char:
            return token
    return None


def clause_verb(token: Token) -> Token:
    """The nearest verb above the token (itself excluded), or the root."""
    node = token
    for _ in range(8):
        if (node.pos_ in ("VERB", "AUX") and node != token) or node.head == node:
            return node
        node = node.head
    return node


def clause_family(anchor: Token) -> set[Token]:
    """The anchor's verb with its conjoined verbs and the verbs it is the complement of."""
    verb = anchor if anchor.pos_ in ("VERB", "AUX") else clause_verb(anchor)
    family = {verb, *verb.conjuncts}
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head != node:
        node = node.head
        family.add(node)
    return family
