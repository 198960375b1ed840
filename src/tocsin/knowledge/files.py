"""Read the knowledge files under `tocsin/data/` (and a user's own) into typed, indexed records.

Each file declares its kind on its first line (`# tocsin:verbs v1`), so a user folder can hold
any mix of files; see `data/README.md` for the formats.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import DataFileError
from ..model import Place, QuadClass
from .records import (
    SECTOR_GROUPS,
    CameoCode,
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

PACKAGED_DATA = Path(__file__).parent.parent / "data"
FORMAT_VERSION = 1
FINGERPRINT_LENGTH = 12
HEADER = re.compile(r"^#\s*tocsin:(\w+)\s+v(\d+)\s*$")
CAMEO_CODE = re.compile(r"^\d{2,4}$")
# Sectors load first so that every other file's sector codes are checked against them.
FIRST_KINDS = ("sectors",)


def load_knowledge(extra: Iterable[Path] = ()) -> Knowledge:
    """Read the packaged files, then the user's (files or folders), later records winning."""
    knowledge = Knowledge()
    packaged = [_read_file(path) for path in _data_files(PACKAGED_DATA)]
    user = []
    for item in extra:
        item = Path(item)
        if not item.exists():
            raise DataFileError(f"{item}: no such data file or folder")
        user += [_read_file(path) for path in ([item] if item.is_file() else _data_files(item))]
    first = [f for f in packaged + user if f.kind in FIRST_KINDS]
    later = [f for f in user if f.kind not in FIRST_KINDS]
    for data in first + [f for f in packaged if f.kind not in FIRST_KINDS]:
        _load_records(data, knowledge)
    packaged_lists = set(knowledge.word_lists)
    for data in later:
        _load_records(data, knowledge)
    knowledge.fingerprint = fingerprint(
        first + [f for f in packaged if f.kind not in FIRST_KINDS] + later
    )
    unknown = set(knowledge.word_lists) - packaged_lists
    if unknown:
        raise DataFileError(
            f"unknown word list {sorted(unknown)[0]!r}: users add to, remove from or replace "
            "the packaged lists named in data/README.md"
        )
    _check_codes(knowledge)
    for patterns in knowledge.verbs.values():
        patterns.sort(key=lambda p: -p.specificity)
    return knowledge


def fingerprint(files: Iterable[_DataFile]) -> str:
    """A short, stable hash of the files' contents in load order: the same files give the same
    coding, so a store can tell articles coded with other knowledge."""
    digest = hashlib.sha256()
    for data in files:
        digest.update(hashlib.sha256(data.content).digest())
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def _data_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.tsv"))


@dataclass(frozen=True, slots=True)
class _DataFile:
    path: Path
    kind: str
    lines: list[str]
    content: bytes


def _read_file(path: Path) -> _DataFile:
    try:
        content = path.read_bytes()
        text = content.decode("utf-8")
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
    return _DataFile(path, kind, lines, content)


def _load_records(data: _DataFile, knowledge: Knowledge) -> None:
    path, kind = data.path, data.kind
    width, add = LOADERS[kind]
    for number, fields in _records(data.lines):
        if fields[0].startswith(REMOVE):
            _remove_record(path, number, kind, fields, knowledge)
            continue
        if len(fields) != width:
            raise DataFileError(
                f"{path}:{number}: expected {width} tab-separated fields, found {len(fields)}"
            )
        try:
            add(knowledge, fields)
        except ValueError as exc:
            raise DataFileError(f"{path}:{number}: {exc}") from exc


def _remove_record(
    path: Path, number: int, kind: str, fields: list[str], knowledge: Knowledge
) -> None:
    """A line whose first field starts with `~` removes the record with that key."""
    key = fields[0][len(REMOVE) :]
    if kind in ("words", "complements") and len(fields) < 2:
        raise DataFileError(f"{path}:{number}: removing from {kind} needs the second field too")
    if not REMOVERS[kind](knowledge, key, fields[1:]):
        raise DataFileError(f"{path}:{number}: nothing to remove: no {kind} record {key!r}")


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


def _sector(k: Knowledge, cell: str) -> str | None:
    value = _optional(cell)
    if value is not None and value not in k.sectors:
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


CAMEO_ROLES = frozenset(
    {
        "speech",
        "comment",
        "addressed",
        "located",
        "destination",
        "grievance",
        "threat",
        "mobilize",
        "arrest",
        "violent",
        "untargeted",
        "implied",
        "own-country",
        "visit",
        "host",
        "needs-verb",
        "voiced",
    }
)
REWRITE_CONDITIONS = frozenset({"to-border", "future", "sought", "by-protesters"})


def _add_cameo(k: Knowledge, f: list[str]) -> None:
    code = _event_code(f[0])
    try:
        goldstein = float(f[2])
    except ValueError:
        raise ValueError(f"goldstein {f[2]!r} is not a number") from None
    quad = None if _optional(f[6]) is None else _quad(f[6])
    roles = None if _optional(f[9]) is None else frozenset(_choices(f[9]))
    if roles is not None and not roles <= CAMEO_ROLES:
        raise ValueError(f"unknown role {sorted(roles - CAMEO_ROLES)[0]!r}; see data/README.md")
    row = CameoCode(
        code,
        f[1],
        goldstein,
        _optional(f[3]),
        _optional(f[4]),
        _optional(f[5]),
        quad,
        _yes_no(f[7]),
        _yes_no(f[8]),
        roles,
    )
    if len(code) == 2 and None in (quad, row.symmetric, row.reciprocal):
        raise ValueError(f"root {code} must give quad, symmetric and reciprocal")
    k.cameo[code] = row


def _quad(cell: str) -> QuadClass:
    if cell not in ("1", "2", "3", "4"):
        raise ValueError(f"quad class {cell!r} must be 1-4")
    return QuadClass(int(cell))


def _yes_no(cell: str) -> bool | None:
    if _optional(cell) is None:
        return None
    if cell not in ("yes", "no"):
        raise ValueError(f"{cell!r} must be yes, no or -")
    return cell == "yes"


def _add_rewrite(k: Knowledge, f: list[str]) -> None:
    if f[1] not in REWRITE_CONDITIONS:
        raise ValueError(
            f"condition {f[1]!r} must be one of {', '.join(sorted(REWRITE_CONDITIONS))}"
        )
    codes = tuple(_event_code(c) for c in _choices(f[2]))
    if not codes:
        raise ValueError("a rewrite needs the codes it applies to")
    k.rewrites[f[0]] = Rewrite(f[0], f[1], codes, _event_code(f[3]))


def _add_country(k: Knowledge, f: list[str]) -> None:
    iso3 = _iso3(f[0])
    if iso3 is None:
        raise ValueError("a country needs its ISO3 code")
    k.countries[iso3] = Country(
        iso3, _choices(f[1]), _choices(f[2]), _choices(f[3]), _choices(f[4])
    )


def _add_organization(k: Knowledge, f: list[str]) -> None:
    k.organizations[f[0]] = Organization(
        f[0], _choices(f[1]), _iso3(f[2]), _sector(k, f[3]), _optional(f[4]), _optional(f[5])
    )


def _add_role(k: Knowledge, f: list[str]) -> None:
    sector = _sector(k, f[1])
    if sector is None or f[2] not in ("yes", "no"):
        raise ValueError("a role needs a sector and person yes|no")
    k.roles[f[0].lower()] = Role(f[0].lower(), sector, f[2] == "yes")


def _add_officeholder(k: Knowledge, f: list[str]) -> None:
    sector = _sector(k, f[3])
    start = _date(f[5])
    end = None if _optional(f[6]) is None else _date(f[6])
    if end is not None and end < start:
        raise ValueError(f"term ends ({end}) before it starts ({start})")
    k.officeholders.append(
        OfficeTerm(f[0], _choices(f[1]), _iso3(f[2]), sector or "GOV", f[4], start, end)
    )


Pattern = TypeVar("Pattern", VerbPattern, NounPattern)
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


def _replace(patterns: list[Pattern], pattern: Pattern) -> None:
    """A user pattern with a packaged pattern's id replaces it."""
    patterns[:] = [p for p in patterns if p.id != pattern.id]
    patterns.append(pattern)


def _add_complement(k: Knowledge, f: list[str]) -> None:
    k.complements[_event_code(f[0])][_event_code(f[1])] = _event_code(f[2])


def _add_sector(k: Knowledge, f: list[str]) -> None:
    if not re.fullmatch(r"[A-Z]{3}", f[0]):
        raise ValueError(f"sector code {f[0]!r} must be three capital letters")
    groups = frozenset(_choices(f[2]))
    unknown = groups - SECTOR_GROUPS
    if unknown:
        raise ValueError(f"unknown sector group {sorted(unknown)[0]!r}; see data/README.md")
    k.sectors[f[0]] = Sector(f[0], f[1], groups)


def _add_word(k: Knowledge, f: list[str]) -> None:
    name, word = f[0], f[1]
    if not re.fullmatch(r"[a-z]+(?:[.-][a-z]+)+", name):
        raise ValueError(f"list name {name!r} must look like 'stage.what-it-holds'")
    if not word:
        raise ValueError("empty word")
    k.word_lists.setdefault(name, {})[word] = _optional(f[2])


def _remove_word(k: Knowledge, name: str, rest: list[str]) -> bool:
    words = k.word_lists.get(name)
    if words is None:
        return False
    if rest[0] == "*":
        words.clear()
        return True
    return words.pop(rest[0], False) is not False


def _remove_pattern(table: dict[str, list[Pattern]], key: str) -> bool:
    before = sum(len(patterns) for patterns in table.values())
    for patterns in table.values():
        patterns[:] = [p for p in patterns if p.id != key]
    return sum(len(patterns) for patterns in table.values()) < before


def _remove_officeholder(k: Knowledge, key: str) -> bool:
    kept = [t for t in k.officeholders if t.name != key]
    found = len(kept) < len(k.officeholders)
    k.officeholders[:] = kept
    return found


def _remove_place(k: Knowledge, key: str) -> bool:
    kept = [p for p in k.places if p.place.name != key]
    found = len(kept) < len(k.places)
    k.places[:] = kept
    return found


REMOVE = "~"
REMOVERS: dict[str, Callable[[Knowledge, str, list[str]], bool]] = {
    "cameo": lambda k, key, _: k.cameo.pop(key, None) is not None,
    "countries": lambda k, key, _: k.countries.pop(key, None) is not None,
    "organizations": lambda k, key, _: k.organizations.pop(key, None) is not None,
    "roles": lambda k, key, _: k.roles.pop(key.lower(), None) is not None,
    "officeholders": lambda k, key, _: _remove_officeholder(k, key),
    "places": lambda k, key, _: _remove_place(k, key),
    "verbs": lambda k, key, _: _remove_pattern(k.verbs, key),
    "nouns": lambda k, key, _: _remove_pattern(k.nouns, key),
    "complements": lambda k, key, rest: k.complements[key].pop(rest[0], None) is not None,
    "words": _remove_word,
    "sectors": lambda k, key, _: k.sectors.pop(key, None) is not None,
    "rewrites": lambda k, key, _: k.rewrites.pop(key, None) is not None,
}
LOADERS: dict[str, tuple[int, Callable[[Knowledge, list[str]], None]]] = {
    "cameo": (10, _add_cameo),
    "countries": (5, _add_country),
    "organizations": (6, _add_organization),
    "roles": (3, _add_role),
    "officeholders": (7, _add_officeholder),
    "places": (8, _add_place),
    "verbs": (6, _add_verb),
    "nouns": (5, _add_noun),
    "complements": (3, _add_complement),
    "words": (3, _add_word),
    "sectors": (3, _add_sector),
    "rewrites": (4, _add_rewrite),
}


def _check_codes(knowledge: Knowledge) -> None:
    """Every code a pattern can emit must be known, or events would lack names and weights."""
    codes = [p.code for ps in knowledge.verbs.values() for p in ps]
    codes += [p.code for ps in knowledge.nouns.values() for p in ps]
    codes += [c for rules in knowledge.complements.values() for c in rules.values()]
    codes += [r.to for r in knowledge.rewrites.values()]
    for code in codes:
        base = code.rstrip("*")
        if code != "=" and base[:2] not in knowledge.cameo:
            raise DataFileError(f"pattern code {code!r} has no CAMEO root in cameo.tsv")
