"""Load the knowledge files under `tocsin/data/` (and a user's own) into typed, indexed records.

Each file declares its kind on its first line (`# tocsin:verbs v1`), so a user folder can hold
any mix of files; see `data/README.md` for the formats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataFileError
from .model import Place

PACKAGED_DATA = Path(__file__).parent / "data"
FORMAT_VERSION = 1
HEADER = re.compile(r"^#\s*tocsin:(\w+)\s+v(\d+)\s*$")
CAMEO_CODE = re.compile(r"^\d{2,4}$")
SECTORS = frozenset(
    [
        "GOV",
        "MIL",
        "COP",
        "JUD",
        "LEG",
        "PTY",
        "OPP",
        "REB",
        "UAF",
        "SPY",
        "PRM",
        "CVL",
        "PRO",
        "REF",
        "BUS",
        "MED",
        "HLH",
        "EDU",
        "LAB",
        "AGR",
        "REL",
        "CRM",
        "NGO",
        "IGO",
        "ELI",
        "PRE",
        "UNK",
    ]
)


@dataclass(frozen=True, slots=True)
class CameoCode:
    code: str
    name: str
    goldstein: float
    plover_type: str | None
    plover_mode: str | None
    plover_context: str | None


@dataclass(frozen=True, slots=True)
class Country:
    iso3: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    capitals: tuple[str, ...]
    seats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    aliases: tuple[str, ...]
    country: str | None
    sector: str | None
    org: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Role:
    phrase: str
    sector: str
    person: bool


@dataclass(frozen=True, slots=True)
class OfficeTerm:
    name: str
    aliases: tuple[str, ...]
    country: str | None
    sector: str
    office: str
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """A place the city gazetteer lacks: a region, an area, a sea or a well-known site."""

    place: Place
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TargetSlot:
    """One place a pattern looks for its target: `obj`, `dative` or `prep` with prepositions."""

    kind: str
    preps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VerbPattern:
    id: str
    code: str
    lemma: str
    particle: str | None
    objects: frozenset[str]
    targets: tuple[TargetSlot, ...]
    example: str

    @property
    def is_family(self) -> bool:
        return self.code.endswith("*")

    @property
    def is_support(self) -> bool:
        return self.code == "="

    @property
    def specificity(self) -> int:
        return 2 * bool(self.particle) + bool(self.objects)


@dataclass(frozen=True, slots=True)
class NounPattern:
    id: str
    code: str
    lemma: str
    modifiers: tuple[str, ...]
    targets: tuple[TargetSlot, ...]
    example: str

    @property
    def is_family(self) -> bool:
        return self.code.endswith("*")


@dataclass(slots=True)
class Knowledge:
    """Everything tocsin knows, indexed for the stages that use it."""

    cameo: dict[str, CameoCode] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    officeholders: list[OfficeTerm] = field(default_factory=list)
    places: list[PlaceRecord] = field(default_factory=list)
    verbs: dict[str, list[VerbPattern]] = field(default_factory=lambda: defaultdict(list))
    nouns: dict[str, list[NounPattern]] = field(default_factory=lambda: defaultdict(list))
    complements: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def code_info(self, code: str) -> CameoCode:
        """The record for `code`, falling back to its parent for codes users add."""
        for prefix in (code, code[:3], code[:2]):
            if prefix in self.cameo:
                return self.cameo[prefix]
        raise KeyError(code)

    def refine(self, family: str, inner: str) -> str | None:
        """The family's code for a complement coded `inner`, longest matching prefix first."""
        rules = self.complements.get(family, {})
        for length in range(len(inner), 1, -1):
            if inner[:length] in rules:
                return rules[inner[:length]]
        return None


def load_knowledge(extra: Iterable[Path] = ()) -> Knowledge:
    """Read the packaged files, then the user's (files or folders), later records winning."""
    knowledge = Knowledge()
    for path in _data_files(PACKAGED_DATA):
        _load_file(path, knowledge)
    for item in extra:
        item = Path(item)
        if not item.exists():
            raise DataFileError(f"{item}: no such data file or folder")
        for path in [item] if item.is_file() else _data_files(item):
            _load_file(path, knowledge)
    _check_codes(knowledge)
    for patterns in knowledge.verbs.values():
        patterns.sort(key=lambda p: -p.specificity)
    return knowledge


def _data_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.tsv"))


def _load_file(path: Path, knowledge: Knowledge) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read as UTF-8 text ({exc})") from exc
    lines = text.splitlines()
    header = HEADER.match(lines[0]) if lines else None
    if not header:
        raise DataFileError(f"{path}:1: first line must declare the kind, e.g. '# tocsin:verbs v1'")
    kind, version = header.group(1), int(header.group(2))
    if kind not in LOADERS:
        raise DataFileError(f"{path}:1: unknown kind {kind!r}; known: {', '.join(sorted(LOADERS))}")
    if version > FORMAT_VERSION:
        raise DataFileError(f"{path}:1: format v{version} is newer than this tocsin reads (v1)")
    width, add = LOADERS[kind]
    for number, fields in _records(lines):
        if len(fields) != width:
            raise DataFileError(
                f"{path}:{number}: expected {width} tab-separated fields, found {len(fields)}"
            )
        try:
            add(knowledge, fields)
        except ValueError as exc:
            raise DataFileError(f"{path}:{number}: {exc}") from exc


def _records(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, [cell.strip() for cell in line.rstrip("\n").split("\t")]


def _optional(cell: str) -> str | None:
    return None if cell in ("", "-") else cell


def _choices(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip() and part.strip() != "-")


def _iso3(cell: str) -> str | None:
    value = _optional(cell)
    if value is not None and not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"country {value!r} is not an ISO 3166-1 alpha-3 code")
    return value


def _sector(cell: str) -> str | None:
    value = _optional(cell)
    if value is not None and value not in SECTORS:
        raise ValueError(f"unknown sector {value!r}; see data/README.md for the sector codes")
    return value


def _date(cell: str) -> dt.date:
    try:
        return dt.date.fromisoformat(cell)
    except ValueError:
        raise ValueError(f"date {cell!r} is not YYYY-MM-DD") from None


def _event_code(cell: str, *, support: bool = False) -> str:
    if support and cell == "=":
        return cell
    if not CAMEO_CODE.match(cell.rstrip("*")):
        raise ValueError(f"code {cell!r} is not a CAMEO code (2-4 digits, '*' for a family)")
    return cell


def _targets(cell: str) -> tuple[TargetSlot, ...]:
    slots = []
    for part in cell.split(","):
        part = part.strip()
        if part in ("", "-"):
            continue
        if part in ("obj", "dative"):
            slots.append(TargetSlot(part))
        elif part.startswith("prep:") and len(part) > 5:
            slots.append(TargetSlot("prep", _choices(part[5:].lower())))
        else:
            raise ValueError(f"target {part!r} must be obj, dative or prep:a|b")
    return tuple(slots)


def _add_cameo(k: Knowledge, f: list[str]) -> None:
    code = _event_code(f[0])
    try:
        goldstein = float(f[2])
    except ValueError:
        raise ValueError(f"goldstein {f[2]!r} is not a number") from None
    k.cameo[code] = CameoCode(
        code, f[1], goldstein, _optional(f[3]), _optional(f[4]), _optional(f[5])
    )


def _add_country(k: Knowledge, f: list[str]) -> None:
    iso3 = _iso3(f[0])
    if iso3 is None:
        raise ValueError("a country needs its ISO3 code")
    k.countries[iso3] = Country(
        iso3, _choices(f[1]), _choices(f[2]), _choices(f[3]), _choices(f[4])
    )


def _add_organization(k: Knowledge, f: list[str]) -> None:
    k.organizations[f[0]] = Organization(
        f[0], _choices(f[1]), _iso3(f[2]), _sector(f[3]), _optional(f[4]), _optional(f[5])
    )


def _add_role(k: Knowledge, f: list[str]) -> None:
    sector = _sector(f[1])
    if sector is None or f[2] not in ("yes", "no"):
        raise ValueError("a role needs a sector and person yes|no")
    k.roles[f[0].lower()] = Role(f[0].lower(), sector, f[2] == "yes")


def _add_officeholder(k: Knowledge, f: list[str]) -> None:
    sector = _sector(f[3])
    start = _date(f[5])
    end = None if _optional(f[6]) is None else _date(f[6])
    if end is not None and end < start:
        raise ValueError(f"term ends ({end}) before it starts ({start})")
    k.officeholders.append(
        OfficeTerm(f[0], _choices(f[1]), _iso3(f[2]), sector or "GOV", f[4], start, end)
    )


REGION_POPULATION = 10**9  # our regions outrank any city of the same name
PLACE_KINDS = frozenset({"region", "area", "sea", "site", "city"})


def _add_place(k: Knowledge, f: list[str]) -> None:
    if f[3] not in PLACE_KINDS:
        raise ValueError(f"kind {f[3]!r} must be one of {', '.join(sorted(PLACE_KINDS))}")
    try:
        latitude, longitude = float(f[5]), float(f[6])
    except ValueError:
        raise ValueError("latitude and longitude must be decimal degrees") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"coordinates {latitude}, {longitude} are out of range")
    geonames = _optional(f[7])
    place = Place(
        f[0],
        _iso3(f[2]),
        f[3],
        _optional(f[4]),
        latitude,
        longitude,
        int(geonames) if geonames else None,
        population=REGION_POPULATION,
    )
    k.places.append(PlaceRecord(place, _choices(f[1])))


def _add_verb(k: Knowledge, f: list[str]) -> None:
    words = f[2].lower().split()
    if not 1 <= len(words) <= 2:
        raise ValueError(f"verb {f[2]!r} must be a lemma and at most one particle")
    objects = frozenset(o.lower() for o in _choices(f[3]))
    pattern = VerbPattern(
        f[0],
        _event_code(f[1], support=True),
        words[0],
        words[1] if len(words) == 2 else None,
        objects,
        _targets(f[4]),
        f[5],
    )
    _replace(k.verbs[words[0]], pattern)


def _add_noun(k: Knowledge, f: list[str]) -> None:
    words = f[2].lower().split()
    if not words:
        raise ValueError("empty noun lemma")
    pattern = NounPattern(
        f[0], _event_code(f[1]), words[-1], tuple(words[:-1]), _targets(f[3]), f[4]
    )
    _replace(k.nouns[words[-1]], pattern)


def _replace(patterns: list, pattern: VerbPattern | NounPattern) -> None:
    """A user pattern with a packaged pattern's id replaces it."""
    patterns[:] = [p for p in patterns if p.id != pattern.id]
    patterns.append(pattern)


def _add_complement(k: Knowledge, f: list[str]) -> None:
    k.complements[_event_code(f[0])][_event_code(f[1])] = _event_code(f[2])


LOADERS: dict[str, tuple[int, Callable[[Knowledge, list[str]], None]]] = {
    "cameo": (6, _add_cameo),
    "countries": (5, _add_country),
    "organizations": (6, _add_organization),
    "roles": (3, _add_role),
    "officeholders": (7, _add_officeholder),
    "places": (8, _add_place),
    "verbs": (6, _add_verb),
    "nouns": (5, _add_noun),
    "complements": (3, _add_complement),
}


def _check_codes(knowledge: Knowledge) -> None:
    """Every code a pattern can emit must be known, or events would lack names and weights."""
    codes = [p.code for ps in knowledge.verbs.values() for p in ps]
    codes += [p.code for ps in knowledge.nouns.values() for p in ps]
    codes += [c for rules in knowledge.complements.values() for c in rules.values()]
    for code in codes:
        base = code.rstrip("*")
        if code != "=" and base[:2] not in knowledge.cameo:
            raise DataFileError(f"pattern code {code!r} has no CAMEO root in cameo.tsv")
