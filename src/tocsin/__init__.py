"""tocsin: news text in, political event data out — who did what to whom, when and where."""

from .errors import DataFileError, InputError, ModelError, TocsinError
from .model import (
    Actor,
    Article,
    CodedArticle,
    DateBasis,
    Event,
    Modality,
    Plover,
    QuadClass,
    Span,
    Trigger,
)

__all__ = [
    "Actor",
    "Article",
    "CodedArticle",
    "Coder",
    "DataFileError",
    "DateBasis",
    "Event",
    "InputError",
    "Modality",
    "ModelError",
    "Plover",
    "QuadClass",
    "Span",
    "TocsinError",
    "Trigger",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # Importing tocsin stays cheap: the pipeline (and spaCy with it) loads on first use.
    if name == "Coder":
        from .pipeline import Coder

        return Coder
    raise AttributeError(f"module 'tocsin' has no attribute {name!r}")
