"""Who reports an act: the subject of an enclosing speech verb ('officials said X attacked Y'),
a 'report that ...', or 'according to ...'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...knowledge import Knowledge
from ...model import Actor, ActorResolution, Span
from ...syntax import Grammar
from .words import EventWords

if TYPE_CHECKING:
    from spacy.tokens import Token

MAX_CLIMB = 6


class Attribution:
    """Speech verbs and the speakers behind reported acts."""

    def __init__(self, knowledge: Knowledge, grammar: Grammar, words: EventWords) -> None:
        self.knowledge = knowledge
        self.grammar = grammar
        self.words = words
        self._speech_roots = knowledge.roots_with("speech")

    def is_speech(self, verb: Token) -> bool:
        """A verb that reports speech: one of the extra speech verbs or one whose patterns
        code a root with the 'speech' role (CAMEO 01)."""
        lemma = verb.lemma_.lower()
        patterns = self.knowledge.verbs.get(lemma, ())
        return lemma in self.words.extra_speech_verbs or any(
            p.code[:2] in self._speech_roots for p in patterns
        )

    def reporter(self, anchor: Token, resolver: ActorResolution) -> Actor | None:
        """Who reports the act, resolved, or as plain text when it cannot be."""
        node = anchor
        for _ in range(MAX_CLIMB):
            if node.dep_ == "ROOT" or node.head == node:
                break
            child, node = node, node.head
            if child.dep_ == "ccomp" and self.is_speech(node):
                subject = self.grammar.subject_of(node)
                return resolver.resolve(subject) if subject is not None else None
            if (
                child.dep_ in ("acl", "ccomp", "relcl")
                and node.pos_ == "NOUN"
                and node.lemma_.lower() in self.words.attribution_nouns
            ):
                return resolver.resolve(node) or plain_actor(node)
        for child in anchor.children:
            if child.dep_ == "prep" and child.lower_ == "according":
                for obj in child.subtree:
                    if obj.dep_ == "pobj":
                        return resolver.resolve(obj) or plain_actor(obj)
        return None

    def speaker_of(self, anchor: Token) -> Token | None:
        """The subject of the speech verb whose reported clause holds the anchor."""
        node = anchor
        for _ in range(MAX_CLIMB):
            if node.head == node:
                return None
            child, node = node, node.head
            if child.dep_ == "ccomp" and self.is_speech(node):
                return self.grammar.subject_of(node)
        return None


def plain_actor(token: Token) -> Actor:
    """An attribution we cannot resolve is still worth showing as text."""
    sub = token.doc[token.left_edge.i : token.i + 1]
    return Actor(text=sub.text, span=Span(sub.start_char, sub.start_char + len(sub.text)))
