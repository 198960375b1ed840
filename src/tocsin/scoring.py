"""Score coded events against hand-coded gold at article level, by the evaluation's own rules.

Per story, gold and output become sets of (CAMEO root, source key, target key) tuples. An actor's
key is its ISO3 country, else its organisation key (UN, EU, NATO, ...), else `@` and its sector,
else nothing. A gold tuple with a target is not matched by an output without one; a symmetric
event matches in either direction; several outputs matching one gold tuple count once; outputs
matching an optional gold tuple count neither way; a gold tuple's `acceptable` codes match too.
Dates and location countries are scored on the matched gold events that have them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Actor, Event


@dataclass(frozen=True, slots=True)
class Tuple:
    """One scored event: root, source key, target key, with what matching and scoring need."""

    root: str
    source: str | None
    target: str | None
    symmetric: bool = False
    roots: frozenset[str] = frozenset()
    optional: bool = False
    plover: str | None = None
    dates: frozenset[str] = frozenset()
    location: str | None = None
    label: str = ""

    def matches(self, gold: Tuple) -> bool:
        """Whether this output tuple matches a gold one."""
        if self.root not in (gold.roots or {gold.root}):
            return False
        if (self.source, self.target) == (gold.source, gold.target):
            return True
        either_way = self.symmetric or gold.symmetric
        return either_way and (self.source, self.target) == (gold.target, gold.source)


@dataclass(slots=True)
class Counts:
    """True and false positives and negatives, and the matched events' dates and places."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    dated: int = 0
    dates_right: int = 0
    located: int = 0
    locations_right: int = 0
    gold_events: int = 0
    output_events: int = 0

    def add(self, other: Counts) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "dates_right": _share(self.dates_right, self.dated),
            "locations_right": _share(self.locations_right, self.located),
            "gold_events": self.gold_events,
            "output_events": self.output_events,
        }


@dataclass(slots=True)
class StoryScore:
    """One story's counts, and which gold tuples were found or missed and which output tuples
    were wrong (the lists are shown for the dev split only)."""

    story: str
    counts: Counts
    found: list[Tuple] = field(default_factory=list)
    missed: list[Tuple] = field(default_factory=list)
    wrong: list[Tuple] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """Scores over a set of stories: overall (micro), per story, and per PLOVER type."""

    total: Counts = field(default_factory=Counts)
    stories: list[StoryScore] = field(default_factory=list)
    by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def as_dict(self) -> dict[str, Any]:
        stories = len(self.stories)
        return {
            **self.total.as_dict(),
            "stories": stories,
            "gold_per_story": round(self.total.gold_events / stories, 2) if stories else None,
            "output_per_story": round(self.total.output_events / stories, 2) if stories else None,
            "by_plover_type": {
                name: counts.as_dict() for name, counts in sorted(self.by_type.items())
            },
        }


def actor_key(actor: Actor | dict[str, Any] | None) -> str | None:
    """ISO3 country, else organisation key, else `@` + sector, else None."""
    if actor is None:
        return None
    if isinstance(actor, Actor):
        country, org, sector = actor.country, actor.org, actor.sector
    else:
        country, org, sector = actor.get("country"), actor.get("org"), actor.get("sector")
    if country:
        return str(country)
    if org:
        return str(org).upper()
    return f"@{sector}" if sector else None


def gold_tuple(record: dict[str, Any]) -> Tuple:
    """A gold record as a tuple; `acceptable` codes widen the roots it matches."""
    cameo = str(record.get("cameo") or "")
    root = str(record.get("root") or cameo[:2])
    if len(root) != 2 or not root.isdigit():
        raise InputError(f"event {record.get('eid', '?')}: no CAMEO root in {cameo!r}")
    acceptable = {str(code)[:2] for code in record.get("acceptable") or ()}
    dates = {str(d) for d in (record.get("date"), record.get("date_alt")) if d}
    location = record.get("location") or {}
    source, target = actor_key(record.get("source")), actor_key(record.get("target"))
    return Tuple(
        root,
        source,
        target,
        symmetric=bool(record.get("symmetric")),
        roots=frozenset({root, *acceptable}),
        optional=bool(record.get("optional")),
        plover=record.get("plover"),
        dates=frozenset(dates),
        location=location.get("country") if isinstance(location, dict) else None,
        label=f"{source or '-'} {cameo} {target or '-'}: {record.get('sentence', '')[:90]}",
    )


def output_tuple(event: Event) -> Tuple:
    source, target = actor_key(event.source), actor_key(event.target)
    return Tuple(
        event.root,
        source,
        target,
        symmetric=event.symmetric,
        plover=event.plover.type,
        dates=frozenset({event.date.isoformat()} if event.date else ()),
        location=event.location.country if event.location else None,
        label=f"{source or '-'} {event.cameo} {target or '-'}: {event.sentence[:90]}",
    )


def score_story(story: str, gold: Iterable[Tuple], output: Iterable[Tuple]) -> StoryScore:
    """Counts for one story; tuples are deduplicated first, as the sets of the rules are."""
    golds = list(dict.fromkeys(gold))
    outputs = list(dict.fromkeys(output))
    counts = Counts(gold_events=sum(not g.optional for g in golds), output_events=len(outputs))
    result = StoryScore(story, counts)
    for item in golds:
        if item.optional:
            continue
        found = [o for o in outputs if o.matches(item)]
        if not found:
            counts.fn += 1
            result.missed.append(item)
            continue
        counts.tp += 1
        result.found.append(item)
        _score_when_and_where(counts, item, found)
    for item in outputs:
        if not any(item.matches(g) for g in golds):
            counts.fp += 1
            result.wrong.append(item)
    return result


def _score_when_and_where(counts: Counts, gold: Tuple, found: list[Tuple]) -> None:
    if gold.dates:
        counts.dated += 1
        counts.dates_right += any(o.dates & gold.dates for o in found)
    if gold.location:
        counts.located += 1
        counts.locations_right += any(o.location == gold.location for o in found)


def score(gold: dict[str, list[Tuple]], output: dict[str, list[Tuple]]) -> Report:
    """Micro scores over the stories of `gold`, with per-PLOVER-type counts."""
    report = Report()
    for story in sorted(gold):
        result = score_story(story, gold[story], output.get(story, []))
        report.stories.append(result)
        report.total.add(result.counts)
        _count_types(report, result)
    return report


def _count_types(report: Report, result: StoryScore) -> None:
    """Recall by the gold event's PLOVER type, precision by the output's."""
    for item in result.found:
        report.by_type[item.plover or "none"].tp += 1
    for item in result.missed:
        report.by_type[item.plover or "none"].fn += 1
    for item in result.wrong:
        report.by_type[item.plover or "none"].fp += 1


def read_gold(path: Path) -> dict[str, list[Tuple]]:
    """Gold records from a JSONL file or a folder of them, grouped by story (`doc`)."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not all(f.exists() for f in files):
        raise InputError(f"{path}: no gold JSONL file or folder of them")
    gold: dict[str, list[Tuple]] = {}
    for file in files:
        if path.is_dir():
            gold.setdefault(file.stem, [])  # a story with no events is a story all the same
        for number, record in _records(file):
            story = str(record.get("doc") or "")
            if not story:
                raise InputError(f"{file}:{number}: a gold event needs its story id in 'doc'")
            try:
                gold.setdefault(story, []).append(gold_tuple(record))
            except InputError as exc:
                raise InputError(f"{file}:{number}: {exc}") from None
    return gold


def _records(file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{file}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{file}:{number}: a gold event must be a JSON object")
        yield number, record


def output_tuples(events: Iterable[Event]) -> dict[str, list[Tuple]]:
    grouped: dict[str, list[Tuple]] = defaultdict(list)
    for event in events:
        grouped[event.article_id].append(output_tuple(event))
    return grouped


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
