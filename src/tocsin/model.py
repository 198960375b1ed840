"""The plain, typed records that flow between tocsin's stages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Protocol

from .errors import InputError

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token


class Modality(StrEnum):
    """How firmly the text reports an act: only asserted acts are events by default."""

    ASSERTED = "asserted"
    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    FUTURE = "future"
    PROPOSED = "proposed"
    # Reported as done more than 30 days before publication ("in 2019 the two signed ..."):
    # history the story recalls, not news it reports.
    BACKGROUND = "background"
    # A material act told in the simple present ("the government provides new immigrants with
    # specialists"): a standing practice, not one act on one day.
    HABITUAL = "habitual"


class DateBasis(StrEnum):
    """Where an event's date came from, so users can weigh it."""

    EXPLICIT = "explicit"
    RELATIVE = "relative"
    PUBLICATION = "publication"


class LocationBasis(StrEnum):
    """Where an event's location came from: its own clause, its sentence, the dateline, or
    (a country only) its actors: both of one country, or force used against a country; or
    the country the story is about."""

    CLAUSE = "clause"
    SENTENCE = "sentence"
    DATELINE = "dateline"
    ACTORS = "actors"
    STORY = "story"


class QuoteKind(StrEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"


class QuadClass(IntEnum):
    """The four CAMEO quad classes, numbered as in GDELT."""

    VERBAL_COOPERATION = 1
    MATERIAL_COOPERATION = 2
    VERBAL_CONFLICT = 3
    MATERIAL_CONFLICT = 4


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets [start, end) into the article's body text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of one input tocsin takes on. Every bound on the time and memory a single
    story may cost is here, so an operator can tune them and tests can exercise them small."""

    file_bytes: int = 10 * 1024 * 1024  # a story file, or what is read from stdin
    story_chars: int = 2_000_000  # one story's text; a JSONL line may be 4 bytes a character
    chunk_chars: int = 10_000  # what spaCy parses at once: longer stories are cut on paragraphs
    sentence_words: int = 150  # the longest run of words parsed as one sentence: coding a
    # sentence costs the square of its length, so an unpunctuated wall of words is cut

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Limits:
        """The limits, each changed by its TOCSIN_ variable when set (TOCSIN_CHUNK_CHARS for
        `chunk_chars`): read by the entry points, as every setting is."""
        values = {}
        for name in cls.__dataclass_fields__:
            raw = environ.get(f"TOCSIN_{name.upper()}")
            if raw is None:
                continue
            if not raw.isdigit() or int(raw) < 1:
                raise InputError(f"TOCSIN_{name.upper()}={raw!r}: give a whole number above 0")
            values[name] = int(raw)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a web server said identifies the version of a feed it sent (ETag, Last-Modified):
    the watcher keeps them in the store and asks with them next time."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One story as read from input, metadata parsed out of the body."""

    id: str
    text: str
    title: str | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    agencies: tuple[str, ...] = ()
    dateline: str | None = None
    url: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        # The README shows dates as strings; one given so is read here, not met as a str
        # deep inside a worker process.
        for name in ("published", "updated"):
            object.__setattr__(self, name, _datetime(name, getattr(self, name)))
        if not isinstance(self.text, str):
            raise InputError(f"Article {self.id!r}: text must be a str, not {type(self.text)}")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts or is acted upon, resolved as far as the text and the dictionaries allow."""

    text: str
    span: Span
    country: str | None = None
    sector: str | None = None
    org: str | None = None
    name: str | None = None
    code: str | None = None

    @property
    def is_resolved(self) -> bool:
        return any((self.country, self.sector, self.org, self.name))

    @property
    def is_keyed(self) -> bool:
        """An actor event data can key: a country, an organisation or a sector."""
        return bool(self.country or self.org or self.sector)


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry: a city, region, area, sea, site or country."""

    name: str
    country: str | None
    kind: str
    region: str | None
    latitude: float
    longitude: float
    geonames_id: int | None
    population: int = 0


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A name in the text that the dictionaries know as a place or a country."""

    start: int
    end: int
    text: str
    country: str | None
    kind: str
    span: Span


@dataclass(frozen=True, slots=True)
class Location:
    """A place mention resolved to a gazetteer entry."""

    name: str
    text: str
    span: Span | None
    country: str | None
    kind: str
    latitude: float | None
    longitude: float | None
    region: str | None = None
    geonames_id: int | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """Something an actor said: a direct quote or reported (indirect) speech."""

    kind: QuoteKind
    text: str
    span: Span
    speaker: Actor | None
    verb: str | None
    sentence_index: int
    disputed_by: tuple[Actor, ...] = ()

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_by)


@dataclass(frozen=True, slots=True)
class Trigger:
    """The word or phrase that carries the event."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Plover:
    """PLOVER type, mode and context from the CAMEO crosswalk."""

    type: str | None
    mode: str | None = None
    context: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One coded event with the evidence it came from."""

    article_id: str
    cameo: str
    root: str
    quad_class: QuadClass
    goldstein: float
    plover: Plover
    source: Actor
    target: Actor | None
    trigger: Trigger
    sentence: str
    sentence_index: int
    date: dt.date | None
    date_basis: DateBasis | None
    rule: str
    confidence: float
    modality: Modality = Modality.ASSERTED
    symmetric: bool = False
    attributed_to: Actor | None = None
    attributions: tuple[Actor, ...] = ()
    disputed_by: tuple[Actor, ...] = ()
    location: Location | None = None
    location_basis: LocationBasis | None = None

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_by)


@dataclass(frozen=True, slots=True)
class SentenceEvent:
    """An event as the events stage hands it on: with the word it hangs on in the parse, so
    the dates and places stages can read the event's own clause."""

    event: Event
    anchor: Token


@dataclass(frozen=True, slots=True)
class CodedArticle:
    """An article with the events coded from it, and the coder that coded it (None for
    articles built by hand)."""

    article: Article
    events: tuple[Event, ...] = field(default_factory=tuple)
    places: tuple[Location, ...] = field(default_factory=tuple)
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    coded_by: CoderStamp | None = None


@dataclass(frozen=True, slots=True)
class CoderStamp:
    """Which coder coded an article: tocsin's version and the fingerprint of its knowledge.
    Two articles with the same stamp were coded alike; a store recodes the others."""

    version: str
    knowledge: str


class ActorResolution(Protocol):
    """What the events and quotes stages ask of the actors stage for one article: who a noun
    phrase is, which country an unplaced actor belongs to, and the acts met so far."""

    @property
    def most_named(self) -> str | None:
        """The country the story names most often."""
        ...

    @property
    def focus(self) -> str | None:
        """The country the story is about."""
        ...

    def resolve(self, head: Token, *, place_ok: bool = False) -> Actor | None: ...

    def place(
        self,
        actor: Actor,
        *,
        partner: Actor | None = None,
        where: str | None = None,
        harmed: bool = False,
    ) -> Actor: ...

    def setting(self, sentence: SpacySpan) -> str | None: ...

    def both_sides(self, head: Token, exclude: str | None) -> list[Actor]: ...

    def in_name(self, token: Token) -> bool: ...

    def names_place(self, token: Token) -> bool: ...

    def coreference(self, head: Token) -> str | None:
        """How the actor of this word was found as one met earlier, for the explanation."""
        ...

    def remember_act(
        self, sentence: int, root: str, source: Actor, *, reaction: bool = False
    ) -> None: ...

    def recent_doer(
        self,
        roots: frozenset[str],
        *,
        sentence: int,
        window: int,
        exclude: tuple[Actor, ...] = (),
    ) -> Actor | None: ...


def _datetime(name: str, value: object) -> dt.datetime | None:
    """An article's date as a datetime: ISO 8601 text and plain dates are accepted."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"Article {name}={value!r}: give a datetime or ISO 8601 text, e.g. 2024-03-05")
