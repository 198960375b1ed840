"""The typed records the knowledge files load into, and `Knowledge`, which indexes them for
the stages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import DataFileError
from ..model import Place, QuadClass

SECTOR_GROUPS = frozenset(
    {
        "domestic",
        "home",
        "international",
        "authority",
        "grievance",
        "reporter",
        "protester",
        "insurgent",
    }
)


@dataclass(frozen=True, slots=True)
class CameoCode:
    """One row of cameo.tsv; `None` in the last four fields means "as the parent code"."""

    code: str
    name: str
    goldstein: float
    plover_type: str | None
    plover_mode: str | None
    plover_context: str | None
    quad: QuadClass | None = None
    symmetric: bool | None = None
    reciprocal: bool | None = None
    roles: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """What the coder needs to know about a code, inherited from its parents where unsaid."""

    quad: QuadClass
    symmetric: bool
    reciprocal: bool
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A CAMEO policy rule: under a condition, codes starting with one of `codes` become `to`
    (a code, or `NNN*` for the family NNN refined by the complements table)."""

    id: str
    when: str
    codes: tuple[str, ...]
    to: str

    def applies(self, code: str) -> bool:
        return code.startswith(self.codes)


@dataclass(frozen=True, slots=True)
class Sector:
    code: str
    name: str
    groups: frozenset[str]


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
    sectors: dict[str, Sector] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    officeholders: list[OfficeTerm] = field(default_factory=list)
    places: list[PlaceRecord] = field(default_factory=list)
    verbs: dict[str, list[VerbPattern]] = field(default_factory=lambda: defaultdict(list))
    nouns: dict[str, list[NounPattern]] = field(default_factory=lambda: defaultdict(list))
    complements: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    word_lists: dict[str, dict[str, str | None]] = field(default_factory=dict)
    rewrites: dict[str, Rewrite] = field(default_factory=dict)
    # A short hash of every file loaded, in load order: stores record it with each article so
    # that `tocsin recode` knows which articles were coded with other knowledge.
    fingerprint: str = ""
    # Filled as codes are asked for: every event asks several times, and the rows never change
    # once loading is done.
    _facts: dict[str, CodeFacts] = field(default_factory=dict, repr=False)
    _actor_names: dict[str, str] = field(default_factory=dict, repr=False)

    def actor_value(self, name: str) -> str:
        """What an actor a user names is stored as, so that a query for 'Russia', 'Russian',
        'Putin' or 'North Atlantic Alliance' finds what the coder coded: a country's code for
        its name or demonym, an organisation's for its name or alias, an office-holder's
        full name for a short one. Anything else is kept as typed (a code, a sector)."""
        if not self._actor_names:
            self._actor_names.update(self._names_by_priority())
        typed = name.strip()
        return self._actor_names.get(typed.casefold(), typed)

    def _names_by_priority(self) -> dict[str, str]:
        """Lower-cased names to stored values; a country wins over an organisation, and an
        organisation over a person, when they share a name."""
        found: dict[str, str] = {}
        for term in self.officeholders:
            found.update((n.casefold(), term.name) for n in (term.name, *term.aliases))
        for org in self.organizations.values():
            value = org.org or org.code or org.name
            found.update((n.casefold(), value) for n in (org.name, *org.aliases))
        for code, country in self.countries.items():
            found.update((n.casefold(), code) for n in (*country.names, *country.adjectives))
        return found

    def code_info(self, code: str) -> CameoCode:
        """The record for `code`, falling back to its parent for codes users add."""
        for prefix in (code, code[:3], code[:2]):
            if prefix in self.cameo:
                return self.cameo[prefix]
        raise KeyError(code)

    def facts(self, code: str) -> CodeFacts:
        """Quad class, symmetry, reciprocity and roles of a code: its own row's, else its
        parent's (NNN for NNNN), else its root's."""
        known = self._facts.get(code)
        if known is not None:
            return known
        if code[:2] not in self.cameo:
            raise KeyError(code)
        rows = [self.cameo[c] for c in dict.fromkeys((code, code[:3], code[:2])) if c in self.cameo]
        facts = CodeFacts(
            next(r.quad for r in rows if r.quad is not None),
            next(r.symmetric for r in rows if r.symmetric is not None),
            next(r.reciprocal for r in rows if r.reciprocal is not None),
            next((r.roles for r in rows if r.roles is not None), frozenset()),
        )
        self._facts[code] = facts
        return facts

    def roots_with(self, role: str) -> frozenset[str]:
        """The CAMEO roots whose row carries a role (e.g. the violent ones)."""
        return frozenset(
            c for c, row in self.cameo.items() if len(c) == 2 and role in (row.roles or ())
        )

    def sectors_in(self, group: str) -> frozenset[str]:
        """The sector codes of one group in `sectors.tsv` (e.g. the domestic ones)."""
        if group not in SECTOR_GROUPS:
            raise DataFileError(f"no sector group {group!r}; known: {', '.join(SECTOR_GROUPS)}")
        return frozenset(code for code, s in self.sectors.items() if group in s.groups)

    def words(self, name: str) -> frozenset[str]:
        """The words of one list in `words-*.tsv`; a stage asks for each list it uses by name."""
        return frozenset(self._word_list(name))

    def word_fields(self, stage: str, names: Iterable[str]) -> dict[str, frozenset[str]]:
        """The lists `stage.what-it-holds` for a stage's fields named `what_it_holds`."""
        return {name: self.words(f"{stage}.{name.replace('_', '-')}") for name in names}

    def word_values(self, name: str) -> dict[str, str]:
        """A list whose words carry a value (a month's number, a noun's CAMEO roots)."""
        found = self._word_list(name)
        missing = [word for word, value in found.items() if value is None]
        if missing:
            raise DataFileError(f"word list {name!r}: {missing[0]!r} needs a value")
        return {word: value for word, value in found.items() if value is not None}

    def _word_list(self, name: str) -> dict[str, str | None]:
        if name not in self.word_lists:
            raise DataFileError(f"no word list {name!r} in the data files (see data/README.md)")
        return self.word_lists[name]

    def refine(self, family: str, inner: str) -> str | None:
        """The family's code for a complement coded `inner`, longest matching prefix first."""
        rules = self.complements.get(family, {})
        for length in range(len(inner), 1, -1):
            if inner[:length] in rules:
                return rules[inner[:length]]
        return None
