"""The actors stage: who a noun phrase is (country, sector, organisation, person), with
in-article coreference. `lexicon` holds the names, `resolver` works through one article."""

from .lexicon import ActorLexicon
from .resolver import ActorResolver

__all__ = ["ActorLexicon", "ActorResolver"]
