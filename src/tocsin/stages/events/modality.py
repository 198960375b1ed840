"""How firmly the text reports an act: asserted, negated, hypothetical, future or proposed.

Read from the trigger and the words governing it: negation, modal auxiliaries, conditions,
and verbs such as 'refused to', 'hopes to', 'plans to', 'urged ... to'. Reported speech
("officials said X attacked Y") is a boundary: what was said is coded as asserted, with the
speaker in `attributed_to`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...model import Modality
from .words import EventWords

if TYPE_CHECKING:
    from spacy.tokens import Token

ASCEND_DEPS = frozenset(
    {"xcomp", "ccomp", "conj", "acomp", "pcomp", "pobj", "prep", "dobj", "auxpass"}
)
# Links from an act up to a verb or adjective whose meaning governs it: "refused to meet"
# (xcomp), "denied that troops attacked" and "wanted Putin and Zelenskiy to meet" (ccomp).
GOVERNED_DEPS = frozenset({"xcomp", "ccomp", "acomp", "prep", "pcomp", "pobj", "dobj"})
MAX_CLIMB = 6


class ModalityReader:
    """Finds an act's modality and says why, for the explanation."""

    def __init__(self, words: EventWords, is_speech: Callable[[Token], bool]) -> None:
        self.words = words
        self.is_speech = is_speech

    def modality(self, token: Token) -> tuple[Modality, str]:
        """The modality, and the words that decided it."""
        if token.sent.text.rstrip().endswith("?"):
            return Modality.HYPOTHETICAL, "a question"
        node = token
        for _ in range(MAX_CLIMB):
            found = self._own_modality(node)
            if found is not None:
                return found
            if node.dep_ == "acl":
                governed = self._governed_modality(node.head.lemma_.lower())
                if governed is not None:  # "efforts to improve ties", "plans to visit"
                    return governed, f"governed by '{node.head.text}'"
            if node.dep_ not in ASCEND_DEPS or node.head == node:
                break
            parent = node.head
            lemma = parent.lemma_.lower()
            if node.dep_ in GOVERNED_DEPS:
                governed = self._governed_modality(lemma)
                if governed is not None:
                    return governed, f"governed by '{parent.text}'"
            if node.dep_ == "ccomp" and self.is_speech(parent):
                return Modality.ASSERTED, f"reported by '{parent.text}'"
            if node.dep_ == "pcomp" and parent.lower_ in self.words.conditional_prepositions:
                return Modality.HYPOTHETICAL, f"a condition ('{parent.text}')"
            if node.dep_ == "conj" and any(
                c.dep_ == "cc" and c.lower_ in self.words.contrast_conjunctions
                for c in parent.children
            ):
                break
            if node.dep_ in ("xcomp", "ccomp") and lemma in self.words.proposing_governors:
                return Modality.PROPOSED, f"proposed by '{parent.text}'"
            if parent.pos_ == "NOUN" and any(
                c.lower_ in self.words.negating_determiners for c in parent.children
            ):
                return Modality.NEGATED, f"negated by a determiner of '{parent.text}'"
            node = parent
        return Modality.ASSERTED, "nothing marks it otherwise"

    def seeker(self, token: Token) -> Token | None:
        """The verb by which the act's own doer seeks it ('seeking an agreement', 'hopes to
        meet'); None when someone else is to act ('wants Kyiv to sign')."""
        node = token
        for _ in range(MAX_CLIMB):
            parent = node.head
            if parent == node:
                return None
            seeking = parent.lemma_.lower() in self.words.seeking_governors
            if node.dep_ in ("xcomp", "dobj", "acl") and seeking:
                return parent
            if node.dep_ not in ("xcomp", "conj"):
                return None
            node = parent
        return None

    def _governed_modality(self, lemma: str) -> Modality | None:
        """What a governing verb or adjective does to the act under it: 'denied that X
        attacked' negates it, 'wanted X and Y to meet' and 'hopes to sign' leave it a wish,
        'plans to visit' puts it in the future."""
        if lemma in self.words.negating_governors:
            return Modality.NEGATED
        if lemma in self.words.future_governors:
            return Modality.FUTURE
        if lemma in self.words.hypothetical_governors:
            return Modality.HYPOTHETICAL
        return None

    def _own_modality(self, token: Token) -> tuple[Modality, str] | None:
        aux = {c.lower_ for c in token.children if c.dep_ in ("aux", "auxpass")}
        if any(c.dep_ == "neg" for c in token.children):
            return Modality.NEGATED, f"negation on '{token.text}'"
        denial = next((c for c in token.children if c.lower_ in self.words.negating_adverbs), None)
        if denial is not None:
            return Modality.NEGATED, f"'{denial.text}' on '{token.text}'"
        for child in token.children:
            if child.dep_ in ("nsubj", "nsubjpass") and any(
                d.dep_ == "det" and d.lower_ in self.words.negating_determiners
                for d in child.children
            ):
                return Modality.NEGATED, f"negated subject '{child.text}'"
        if any(
            c.dep_ == "mark" and c.lower_ in self.words.conditional_markers for c in token.children
        ):
            return Modality.HYPOTHETICAL, f"a condition on '{token.text}'"
        if "would" in aux and self._reported_past(token):
            return Modality.FUTURE, "'would' in reported speech"
        if aux & self.words.hypothetical_auxiliaries:
            word = sorted(aux & self.words.hypothetical_auxiliaries)[0]
            return Modality.HYPOTHETICAL, f"auxiliary '{word}'"
        if aux & self.words.future_auxiliaries:
            return Modality.FUTURE, f"auxiliary '{sorted(aux & self.words.future_auxiliaries)[0]}'"
        return None

    def _reported_past(self, verb: Token) -> bool:
        """'said Obama would telephone Lee': in reported speech 'would' is a shifted 'will'."""
        return (
            verb.dep_ == "ccomp"
            and verb.head.tag_ == "VBD"
            and not any(
                c.dep_ == "mark" and c.lower_ in self.words.conditional_markers
                for c in verb.children
            )
        )


def is_habitual(verb: Token) -> bool:
    """A verb in the simple present with no auxiliary ('provides', 'patrol'): news tell single
    acts in the past, the perfect or with an auxiliary; the bare present tells a practice."""
    return verb.tag_ in ("VBZ", "VBP") and not any(
        c.dep_ in ("aux", "auxpass") for c in verb.children
    )


def is_purpose(verb: Token) -> bool:
    """'deployed troops to secure the border': an act in a purpose clause is what the doer
    means to do, not what was done."""
    return verb.dep_ == "advcl" and any(c.dep_ == "aux" and c.tag_ == "TO" for c in verb.children)
