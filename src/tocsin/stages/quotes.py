"""Who said what, and who disputes it: direct and indirect quotes, attributions, denials.

Direct quotes are read from the quotation marks (straight or curly, across sentences and, in
the wire convention, across paragraphs); their speaker is the subject of the nearest speech verb
outside the marks, or the speaker of the quote just before when a paragraph continues it.
Indirect speech is the clause under a speech verb ("X said that ..."), "according to X", or a
"report that ...". A denial ("That was denied by US officials", "Russia denies the troops are
under its command") marks the claims and events it answers as disputed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..knowledge import Knowledge
from ..model import Actor, ActorResolution, Event, Quote, QuoteKind, Span
from ..syntax import Grammar

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

MIN_QUOTE_WORDS = 4
OPENING = '“"'
CLOSING = '”"'


@dataclass(frozen=True, slots=True)
class QuoteRules:
    """What the quotes stage needs: its word lists, the parse helpers, and the events stage's
    test for speech verbs (passed in, so the two stages need not import each other)."""

    grammar: Grammar
    is_speech: Callable[[Token], bool]
    speech_verbs: frozenset[str]
    denial_verbs: frozenset[str]
    claim_nouns: frozenset[str]
    claim_pronouns: frozenset[str]

    @classmethod
    def from_knowledge(
        cls, knowledge: Knowledge, grammar: Grammar, is_speech: Callable[[Token], bool]
    ) -> QuoteRules:
        return cls(
            grammar,
            is_speech,
            knowledge.words("quotes.speech-verbs"),
            knowledge.words("quotes.denial-verbs"),
            knowledge.words("quotes.claim-nouns"),
            knowledge.words("quotes.claim-pronouns"),
        )

    def is_speech_verb(self, token: Token) -> bool:
        return token.lemma_.lower() in self.speech_verbs or self.is_speech(token)


def find_quotes(doc: Doc, resolver: ActorResolution, rules: QuoteRules) -> list[Quote]:
    """Direct quotes first, in text order, then indirect speech not inside a direct quote."""
    sentences = list(doc.sents)
    direct = _direct_quotes(doc, sentences, resolver, rules)
    inside = [(q.span.start - 1, q.span.end + 1) for q in direct]
    indirect = [
        q
        for q in _indirect_quotes(sentences, resolver, rules)
        if not any(q.span.start < e and s < q.span.end for s, e in inside)
    ]
    return sorted(direct + indirect, key=lambda q: q.span.start)


def _quote_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, runs_on) of quoted passages; a quote open at a paragraph's end runs on."""
    spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        opened: int | None = None
        for match in re.finditer(r"[“”\"]", paragraph.group()):
            at = paragraph.start() + match.start()
            char = match.group()
            if opened is None and char in OPENING:
                opened = at + 1
            elif opened is not None and char in CLOSING:
                spans.append((opened, at, False))
                opened = None
        if opened is not None:
            spans.append((opened, paragraph.end(), True))
    return spans


def _direct_quotes(
    doc: Doc,
    sentences: list[SpacySpan],
    resolver: ActorResolution,
    rules: QuoteRules,
) -> list[Quote]:
    quotes: list[Quote] = []
    text_of_doc = doc.text
    spans = _quote_spans(text_of_doc)
    previous: Quote | None = None
    for start, end, _ in spans:
        text = text_of_doc[start:end].strip().rstrip(",")
        if len(text.split()) < MIN_QUOTE_WORDS:
            continue
        index = _sentence_index(sentences, start)
        verb = _nearest_speech_verb(text_of_doc, sentences, start, end, spans, rules)
        speaker = None
        if verb is not None:
            subject = rules.grammar.subject_of(verb)
            speaker = resolver.resolve(subject) if subject is not None else None
        elif previous is not None and _follows(text_of_doc, previous.span.end, start):
            speaker, verb_text = previous.speaker, previous.verb
            quote = Quote(
                QuoteKind.DIRECT, text, Span(start, start + len(text)), speaker, verb_text, index
            )
            quotes.append(quote)
            previous = quote
            continue
        quote = Quote(
            QuoteKind.DIRECT,
            text,
            Span(start, start + len(text)),
            speaker,
            verb.text if verb is not None else None,
            index,
        )
        quotes.append(quote)
        previous = quote
    return quotes


def _follows(text: str, end: int, start: int) -> bool:
    """A quote that opens its own paragraph right after the paragraph of the previous quote
    continues it (the wire convention for a long quote)."""
    opens_paragraph = text[text.rfind("\n", 0, start) + 1 : start].strip() in OPENING
    return opens_paragraph and text[end:start].count("\n") <= 2


def _nearest_speech_verb(
    text: str,
    sentences: list[SpacySpan],
    start: int,
    end: int,
    spans: list[tuple[int, int, bool]],
    rules: QuoteRules,
) -> Token | None:
    """The speech verb outside any quote, in the quote's sentences and paragraph, nearest."""
    low = text.rfind("\n", 0, start) + 1
    high = text.find("\n", end)
    high = len(text) if high == -1 else high
    candidates = []
    for sentence in sentences:
        if sentence.end_char < start or sentence.start_char > end + 1:
            continue
        for token in sentence:
            if token.pos_ not in ("VERB", "AUX") or not rules.is_speech_verb(token):
                continue
            if not low <= token.idx < high or any(s <= token.idx < e for s, e, _ in spans):
                continue
            distance = start - token.idx if token.idx < start else token.idx - end
            candidates.append((distance, token))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _indirect_quotes(
    sentences: list[SpacySpan], resolver: ActorResolution, rules: QuoteRules
) -> list[Quote]:
    quotes = []
    for index, sentence in enumerate(sentences):
        for token in sentence:
            quote = _reported(token, index, resolver, rules)
            if quote is not None:
                quotes.append(quote)
    return quotes


def _reported(
    token: Token, index: int, resolver: ActorResolution, rules: QuoteRules
) -> Quote | None:
    if token.dep_ == "prep" and token.lower_ == "according":
        source = next((t for t in token.subtree if t.dep_ == "pobj"), None)
        if source is None:
            return None
        speaker = resolver.resolve(source) or _unresolved(source, resolver)
        return _quote_of(token.head, index, speaker, "according to", resolver, skip=token)
    if token.pos_ in ("VERB", "AUX") and rules.is_speech_verb(token):
        clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
        subject = rules.grammar.subject_of(token)
        if clause is None or subject is None:
            return None
        return _quote_of(clause, index, resolver.resolve(subject), token.text, resolver)
    if token.pos_ == "NOUN" and token.lemma_.lower() in rules.claim_nouns:
        clause = next((c for c in token.children if _that_clause(c)), None)
        if clause is None:
            return None
        return _quote_of(clause, index, resolver.resolve(token), token.text, resolver)
    return None


def _unresolved(token: Token, resolver: ActorResolution) -> Actor:
    """A source we cannot place is still shown by its words ('witnesses')."""
    piece = token.doc[token.left_edge.i : token.right_edge.i + 1]
    start = piece.start_char
    return Actor(text=piece.text, span=Span(start, start + len(piece.text)))


def _that_clause(token: Token) -> bool:
    """'a report that the envoy had been detained'."""
    return (
        token.dep_ in ("acl", "ccomp")
        and token.pos_ in ("VERB", "AUX")
        and any(m.dep_ == "mark" and m.lower_ == "that" for m in token.children)
    )


def _quote_of(
    clause: Token,
    index: int,
    speaker: Actor | None,
    verb: str,
    resolver: ActorResolution,
    *,
    skip: Token | None = None,
) -> Quote:
    tokens = [
        t
        for t in clause.subtree
        if skip is None or not (skip.left_edge.i <= t.i <= skip.right_edge.i)
    ]
    tokens = [t for t in tokens if not (t.dep_ == "mark" and t.head == clause)]
    while len(tokens) > 1 and (tokens[0].is_punct or tokens[0].is_space):
        tokens = tokens[1:]
    while len(tokens) > 1 and (tokens[-1].is_quote or tokens[-1].is_space):
        tokens = tokens[:-1]
    first, last = tokens[0], tokens[-1]
    start = first.idx
    text = clause.doc[first.i : last.i + 1].text.strip(" ,")
    return Quote(
        QuoteKind.INDIRECT,
        text,
        Span(start, start + len(text)),
        speaker,
        verb,
        index,
    )


def _sentence_index(sentences: list[SpacySpan], char: int) -> int:
    for index, sentence in enumerate(sentences):
        if sentence.start_char <= char < sentence.end_char:
            return index
    return max(0, len(sentences) - 1)


def apply_disputes(
    events: list[Event],
    quotes: list[Quote],
    doc: Doc,
    resolver: ActorResolution,
    rules: QuoteRules,
) -> tuple[list[Event], list[Quote]]:
    """Mark events and quotes answered by a denial; a denial's target is the claimant."""
    sentences = list(doc.sents)
    for sentence_index, sentence in enumerate(sentences):
        for token in sentence:
            if token.pos_ != "VERB" or token.lemma_.lower() not in rules.denial_verbs:
                continue
            subject = rules.grammar.subject_of(token)
            denier = resolver.resolve(subject) if subject is not None else None
            if denier is None:
                continue
            span = _denied_span(token, sentences, sentence_index, quotes, rules)
            if span is None:
                continue
            claimant = _claimant(quotes, events, span, denier)
            events = [_dispute_event(e, span, denier, token, claimant) for e in events]
            quotes = [
                replace(q, disputed_by=(*q.disputed_by, denier))
                if span[0] <= q.span.start < span[1] and q.speaker != denier
                else q
                for q in quotes
            ]
    return events, quotes


def _denied_span(
    verb: Token, sentences: list[SpacySpan], index: int, quotes: list[Quote], rules: QuoteRules
) -> tuple[int, int] | None:
    """The text a denial answers: its own clause, or the claim it points back to."""
    clause = next((c for c in verb.children if c.dep_ == "ccomp"), None)
    if clause is not None:
        return clause.left_edge.idx, clause.right_edge.idx + len(clause.right_edge.text)
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")), None)
    if obj is None:
        return None
    if obj.lower_ in rules.claim_pronouns and index > 0:
        before = sentences[index - 1]
        return before.start_char, before.end_char
    if obj.lemma_.lower() in rules.claim_nouns:
        # "denied the report": the latest reported claim before the denial
        earlier = [q for q in quotes if q.span.end <= verb.idx and q.kind is QuoteKind.INDIRECT]
        if earlier:
            return earlier[-1].span.start, earlier[-1].span.end
    return None


def _claimant(
    quotes: list[Quote], events: list[Event], span: tuple[int, int], denier: Actor
) -> Actor | None:
    """Who made the claim a denial answers. The denier is never its own claimant: in "Peskov
    denied that troops attack civilians" the denied clause is Peskov's own words."""
    speakers = [q.speaker for q in quotes if span[0] <= q.span.start < span[1]]
    speakers += [e.attributed_to for e in events if span[0] <= e.trigger.span.start < span[1]]
    return next(
        (s for s in speakers if s is not None and _party(s) != _party(denier)),
        None,
    )


def _dispute_event(
    event: Event, span: tuple[int, int], denier: Actor, verb: Token, claimant: Actor | None
) -> Event:
    if event.trigger.span.start == verb.idx:
        if event.target is None and claimant is not None:
            return replace(event, target=claimant)
        return event
    if span[0] <= event.trigger.span.start < span[1] and event.source != denier:
        return replace(event, disputed_by=(*event.disputed_by, denier))
    return event


def gather_attributions(events: list[Event]) -> list[Event]:
    """Where several parties report the same act, every event lists all of them. The same act:
    same code and source, and the same target or one of them unnamed."""
    return [replace(e, attributions=_reporters(e, events)) for e in events]


def _reporters(event: Event, events: list[Event]) -> tuple[Actor, ...]:
    found: list[Actor] = []
    for other in events:
        if other.attributed_to is None or not _same_act(event, other):
            continue
        if all(a.text != other.attributed_to.text for a in found):
            found.append(other.attributed_to)
    return tuple(found)


def _same_act(a: Event, b: Event) -> bool:
    if a.cameo != b.cameo or _party(a.source) != _party(b.source):
        return False
    return a.target is None or b.target is None or _party(a.target) == _party(b.target)


def _party(actor: Actor) -> str:
    return actor.name or actor.code or actor.text
