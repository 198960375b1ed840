"""The rules that make a store out of coded articles, as pure functions: an article's identity,
the order articles are taken in, when two articles are near-duplicates, and which earlier event
a new report of an event merges into.

The DuckDB store applies them one article at a time; the Spark job applies them to a whole
corpus at once (`tocsin.spark`). Both call these functions, so the two paths cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

NUM_PERM = 64
MINHASH_SCHEME = "affine32"  # stored signatures are only comparable within one scheme
SHINGLE = 5
LSH_THRESHOLD = 0.5
DUPLICATE_JACCARD = 0.6
DUPLICATE_CONTAINMENT = 0.8
DEFAULT_MERGE_WINDOW = 1

_WORD = re.compile(r"\w+")
_LATEST = dt.datetime.max


def content_key(text: str) -> str:
    """The article's identity: a hash of its words, so whitespace edits do not make it new."""
    normal = " ".join(_WORD.findall(text.lower()))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + SHINGLE]) for i in range(max(len(words) - SHINGLE + 1, 1))}


def minhash(text: str) -> MinHash:
    from datasketch import MinHash

    signature = MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME)
    signature.update_batch([s.encode("utf-8") for s in shingles(text)])
    return signature


def resemblance(words: set[str], other: set[str]) -> float | None:
    """How alike two articles' shingles are, when they are near-duplicates (one wire story
    republished, or one contained in the other); None when they are not. MinHash only proposes
    pairs: this exact check decides."""
    common = len(words & other)
    jaccard = common / max(len(words | other), 1)
    containment = common / max(min(len(words), len(other)), 1)
    if jaccard >= DUPLICATE_JACCARD or containment >= DUPLICATE_CONTAINMENT:
        return max(jaccard, containment)
    return None


OrderKey = tuple[bool, dt.datetime, str, str]


def article_order(published: dt.datetime | None, article_id: str, key: str) -> OrderKey:
    """The one order articles are stored in, whoever stores them: by publication time (UTC;
    undated articles last), then id, then content key. Which article is the original of a
    near-duplicate and which event a report merges into depend on it."""
    when = _LATEST if published is None else published
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return (published is None, when, article_id, key)


def original(candidates: Iterable[tuple[float, OrderKey, str]]) -> str | None:
    """Of the earlier articles an article resembles (score, their order, the article each
    counts as), the one it is a near-duplicate of: the most alike, then the earliest."""
    best = min(candidates, key=lambda c: (-c[0], c[1]), default=None)
    return best[2] if best is not None else None


@dataclass(frozen=True, slots=True)
class EventKeys:
    """What decides whether two reports are of one event."""

    base_code: str
    source: str | None
    target: str | None
    symmetric: bool
    date: dt.date | None


def same_event(event: EventKeys, report: EventKeys, window: int) -> bool:
    """Whether `report` is another report of the stored `event`: same CAMEO base code, same
    actors (swapped too when the event is symmetric), dates at most `window` days apart."""
    if report.date is None or event.date is None or event.base_code != report.base_code:
        return False
    if abs((event.date - report.date).days) > window:
        return False
    actors = (event.source, event.target)
    return actors == (report.source, report.target) or (
        event.symmetric and actors == (report.target, report.source)
    )


def merge_into(report: EventKeys, events: Sequence[EventKeys], window: int) -> int | None:
    """The index of the event (of `events`, in the order they were made) that `report` merges
    into: the nearest in date, then the earliest made; None for a new event."""
    matches = [
        (abs((event.date - report.date).days), index)
        for index, event in enumerate(events)
        if event.date is not None and report.date is not None and same_event(event, report, window)
    ]
    return min(matches)[1] if matches else None


def merge_reports(reports: Iterable[EventKeys], window: int) -> list[int]:
    """For reports in article order, the index of the report that made the event each one
    belongs to (its own index for a new event): the store's merge over a whole corpus. Events
    are looked up by day, so a busy dyad costs the events within the window, not all of them."""
    made: list[tuple[int, EventKeys]] = []
    by_day: dict[dt.date, list[int]] = {}
    assigned: list[int] = []
    for index, report in enumerate(reports):
        near: list[int] = []
        if report.date is not None:
            for day in _days_around(report.date, window):
                near.extend(by_day.get(day, ()))
        near.sort()
        found = merge_into(report, [made[i][1] for i in near], window)
        if found is not None:
            assigned.append(made[near[found]][0])
            continue
        if report.date is not None:
            by_day.setdefault(report.date, []).append(len(made))
        made.append((index, report))
        assigned.append(index)
    return assigned


def _days_around(day: dt.date, window: int) -> Iterable[dt.date]:
    for offset in range(-window, window + 1):
        try:
            yield day + dt.timedelta(days=offset)
        except OverflowError:  # the first or last days of the calendar
            continue
