"""What tocsin knows, as data: the files under `tocsin/data/` (and a user's own), loaded once
into typed records. See `data/README.md` for the formats."""

from .files import LOADERS, PACKAGED_DATA, load_knowledge
from .records import (
    CameoCode,
    CodeFacts,
    Country,
    Knowledge,
    NounPattern,
    OfficeTerm,
    Organization,
    PlaceRecord,
    Rewrite,
    Role,
    Sector,
    TargetSlot,
    VerbPattern,
)

__all__ = [
    "LOADERS",
    "PACKAGED_DATA",
    "CameoCode",
    "CodeFacts",
    "Country",
    "Knowledge",
    "NounPattern",
    "OfficeTerm",
    "Organization",
    "PlaceRecord",
    "Rewrite",
    "Role",
    "Sector",
    "TargetSlot",
    "VerbPattern",
    "load_knowledge",
]
