"""Find date expressions in a sentence and resolve them against the publication date.

News dates events relative to the story ("yesterday", "on Tuesday"), so an event's date is only as
good as this resolution; each resolved date says whether it was explicit or relative.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .model import DateBasis

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_ABBREVIATIONS = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "a": 1,
    "several": 3,
    "a few": 3,
    "few": 3,
}

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")),
    ("month_day", re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}", re.I)),
    ("day_month", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("last_night", re.compile(r"\blast\s+night\b|\bovernight\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("earlier_week", re.compile(r"\b(?:earlier\s+this\s+week|this\s+week)\b", re.I)),
    ("last_week", re.compile(r"\blast\s+week\b", re.I)),
    (
        "days_ago",
        re.compile(
            r"\b(?P<n>\d+|one|two|three|four|five|six|seven|a few|several)"
            r"\s+days?\s+(?:ago|earlier)\b",
            re.I,
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?:(?P<rel>last|next|this)\s+)?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(?:morning|afternoon|evening|night))?\b",
            re.I,
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression at [start, end) of the sentence text, resolved to a day."""

    start: int
    end: int
    text: str
    date: dt.date
    basis: DateBasis


def find_dates(text: str, reference: dt.date | None) -> list[DateMention]:
    """All date expressions in `text` that can be resolved; overlapping matches keep the first."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            resolved = _resolve(kind, match, reference)
            if resolved is None:
                continue
            day, basis = resolved
            taken.append((match.start(), match.end()))
            found.append(DateMention(match.start(), match.end(), match.group(0), day, basis))
    return sorted(found, key=lambda m: m.start)


def _resolve(kind: str, m: re.Match[str], ref: dt.date | None) -> tuple[dt.date, DateBasis] | None:
    if kind in ("iso", "month_day", "day_month"):
        return _explicit(m, ref)
    if ref is None:
        return None
    offsets = {"yesterday": -1, "last_night": -1, "today": 0, "tomorrow": 1, "last_week": -7}
    if kind in offsets:
        return ref + dt.timedelta(days=offsets[kind]), DateBasis.RELATIVE
    if kind == "earlier_week":
        monday = ref - dt.timedelta(days=ref.weekday())
        return (monday if monday < ref else ref), DateBasis.RELATIVE
    if kind == "days_ago":
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw, 1)
        return ref - dt.timedelta(days=n), DateBasis.RELATIVE
    return _weekday(m, ref), DateBasis.RELATIVE


def _weekday(m: re.Match[str], ref: dt.date) -> dt.date:
    """News uses bare weekdays for the past week: 'on Tuesday' in a Wednesday story is yesterday."""
    target = WEEKDAYS.index(m.group("weekday").lower())
    rel = (m.group("rel") or "").lower()
    back = (ref.weekday() - target) % 7
    if rel == "next":
        return ref + dt.timedelta(days=(target - ref.weekday()) % 7 or 7)
    if rel == "last" and back == 0:
        back = 7
    return ref - dt.timedelta(days=back)


def _explicit(m: re.Match[str], ref: dt.date | None) -> tuple[dt.date, DateBasis] | None:
    month_text = m.group("month").lower().rstrip(".")
    month = int(month_text) if month_text.isdigit() else MONTH_ABBREVIATIONS.get(month_text[:3])
    if month_text == "sept":
        month = 9
    day = int(m.group("day"))
    year_text = m.group("year")
    if year_text:
        year = int(year_text)
    elif ref is not None:
        year = ref.year
    else:
        return None
    try:
        value = dt.date(year, month or 0, day)
    except ValueError:
        return None
    if not year_text and ref is not None and value > ref + dt.timedelta(days=31):
        value = value.replace(year=year - 1)
    return value, DateBasis.EXPLICIT
