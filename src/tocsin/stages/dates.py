"""Find date expressions in a sentence and resolve them against the publication date.

News dates events relative to the story ("yesterday", "on Tuesday"), so an event's date is only as
good as this resolution; each resolved date says whether it was explicit or relative. Every word
the expressions are made of comes from the `dates.*` lists in `data/words-dates.tsv`; this module
only knows their shape (a day number, a month word, an optional year, ...).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ..errors import DataFileError
from ..model import DateBasis
from ..syntax import clause_family, clause_mark, clause_verb, token_at

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

    from ..knowledge import Knowledge

V = TypeVar("V")
_NEVER = "(?!)"
BACKGROUND_DAYS = 30
YEAR = "year"
MONTH = "month"
_BARE_YEAR = r"(?:19|20)\d\d"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_ISO = r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"


class _Kind(enum.Enum):
    """The shapes of date expression, in the order they are tried."""

    ISO = enum.auto()
    MONTH_DAY = enum.auto()
    DAY_MONTH = enum.auto()
    DAYS_FROM_PUBLICATION = enum.auto()
    THIS_WEEK = enum.auto()
    DAYS_AGO = enum.auto()
    DAYS_BEFORE_CLAUSE = enum.auto()
    WEEKDAY = enum.auto()


class WeekdayShift(enum.Enum):
    """How a word before a weekday ('last Monday') picks the day; values as in the data file."""

    ON_OR_BEFORE = "on-or-before"
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression at [start, end) of the sentence text, resolved to a day."""

    start: int
    end: int
    text: str
    date: dt.date
    basis: DateBasis
    own_clause_only: bool = False


@dataclass(frozen=True, slots=True)
class _Phrases(Generic[V]):
    """One word list as a regular expression: its entries, longest first, so that at any one
    place the longest entry wins; and the value of the entry a piece of matched text is."""

    pattern: str
    entries: tuple[tuple[re.Pattern[str], V], ...]

    @classmethod
    def of(cls, words: Mapping[str, V]) -> _Phrases[V]:
        ordered = sorted(
            ((word, value) for word, value in words.items() if word.split()),
            key=lambda item: (-len(item[0]), item[0]),
        )
        regexes = [r"\s+".join(re.escape(part) for part in word.split()) for word, _ in ordered]
        pattern = "(?:" + "|".join(regexes) + ")" if regexes else _NEVER
        entries = tuple(
            (re.compile(regex, re.I), value)
            for regex, (_, value) in zip(regexes, ordered, strict=True)
        )
        return cls(pattern, entries)

    def value(self, text: str) -> V:
        """The value of the first entry matching all of `text`: the one the pattern chose."""
        for regex, value in self.entries:
            if regex.fullmatch(text):
                return value
        raise KeyError(text)


class DateFinder:
    """Finds and resolves date expressions; built once from the `dates.*` word lists."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._months = _Phrases.of(_numbers(knowledge, "dates.month-numbers", low=1, high=12))
        self._days_from_publication = _Phrases.of(
            _numbers(knowledge, "dates.days-from-publication")
        )
        self._number_words = _Phrases.of(_numbers(knowledge, "dates.number-words", low=0))
        self._units_ago = _Phrases.of(_numbers(knowledge, "dates.units-ago", low=0))
        self._units_before_clause = _Phrases.of(
            _numbers(knowledge, "dates.units-before-clause", low=0)
        )
        self._weekdays = _Phrases.of(_numbers(knowledge, "dates.weekday-numbers", low=1, high=7))
        self._weekday_shifts = _Phrases.of(_shifts(knowledge, "dates.weekday-modifiers"))
        self._patterns = self._compile(knowledge)
        self._past_periods = _Phrases.of(_units(knowledge, "dates.past-periods"))
        preps = _Phrases.of(dict.fromkeys(knowledge.words("dates.period-prepositions"))).pattern
        months = self._months.pattern
        openers = _Phrases.of(dict.fromkeys(knowledge.words("dates.decade-openers"))).pattern
        month_openers = _Phrases.of(dict.fromkeys(knowledge.words("dates.month-openers"))).pattern
        self.temporal_marks = frozenset(knowledge.words("dates.temporal-marks"))
        self._period_pattern = re.compile(
            rf"\b(?:(?P<past>{self._past_periods.pattern})"
            rf"|(?:{preps})\s+(?:(?:{openers})\s*)?(?P<decade>(?:19|20)\d0)s"
            rf"|(?:{preps})\s+(?:(?:{month_openers})\s*)?(?:(?P<pmonth>{months})\.?(?!\s+\d{{1,2}}\b)\s*)?"
            rf"(?P<pyear>(?:19|20)\d\d)?)\b",
            re.I,
        )

    def _compile(self, knowledge: Knowledge) -> list[tuple[_Kind, re.Pattern[str]]]:
        def words(name: str) -> str:
            return _Phrases.of(dict.fromkeys(knowledge.words(name))).pattern

        month = rf"(?P<month>{self._months.pattern})\.?"
        day = rf"(?P<day>[0-3]?\d)(?:{words('dates.ordinal-suffixes')})?"
        links = words("dates.day-month-links")
        number = rf"(?P<n>\d+|{self._number_words.pattern})\s+"
        count = rf"{number}(?P<unit>{self._units_ago.pattern})"
        count_before = rf"{number}(?P<unit>{self._units_before_clause.pattern})"
        weekday = (
            rf"(?:(?P<rel>{self._weekday_shifts.pattern})\s+)?"
            rf"(?P<weekday>{self._weekdays.pattern})"
            rf"(?:\s+{words('dates.weekday-parts')})?"
        )
        sources = [
            (_Kind.ISO, _ISO),
            (_Kind.MONTH_DAY, rf"\b{month}\s+{day}\b{_YEAR}"),
            (_Kind.DAY_MONTH, rf"\b{day}\s+(?:{links}\s+)?{month}{_YEAR}\b"),
            (_Kind.DAYS_FROM_PUBLICATION, rf"\b{self._days_from_publication.pattern}\b"),
            (_Kind.THIS_WEEK, rf"\b{words('dates.this-week')}\b"),
            (_Kind.DAYS_AGO, rf"\b{count}\b"),
            (_Kind.DAYS_BEFORE_CLAUSE, rf"\b{count_before}\b"),
            (_Kind.WEEKDAY, rf"\b{weekday}\b"),
        ]
        return [(kind, re.compile(source, re.I)) for kind, source in sources]

    def periods(self, text: str, reference: dt.date | None) -> list[DateMention]:
        """Months and years an act is placed in ('in 2019', 'in December', 'last year'), each
        resolved to the period's last day: enough to tell background history from news."""
        if reference is None:
            return []
        found = []
        for match in self._period_pattern.finditer(text):
            end = self._period_end(match, reference)
            text = match.group(0).rstrip()
            if end is not None:
                stop = match.start() + len(text)
                found.append(DateMention(match.start(), stop, text, end, DateBasis.EXPLICIT))
        return found

    def _period_end(self, match: re.Match[str], reference: dt.date) -> dt.date | None:
        if match.group("past"):
            unit = self._past_periods.value(match.group("past"))
            if unit == YEAR:
                return _day(reference.year - 1, 12, 31)
            return _days_after(reference.replace(day=1), -1)
        if match.group("decade"):
            return dt.date(int(match.group("decade")) + 9, 12, 31)
        year = int(match.group("pyear")) if match.group("pyear") else None
        if match.group("pmonth") is None:
            return dt.date(year, 12, 31) if year is not None else None
        month = self._months.value(match.group("pmonth"))
        if year is None:
            year = reference.year if month <= reference.month else reference.year - 1
        following = _day(year + month // 12, month % 12 + 1, 1)
        return None if following is None else _days_after(following, -1)

    def find(self, text: str, reference: dt.date | None) -> list[DateMention]:
        """All date expressions in `text` that can be resolved; overlapping matches keep the
        first, in the order of the kinds of expression."""
        found: list[DateMention] = []
        taken: list[tuple[int, int]] = []
        for kind, pattern in self._patterns:
            for match in pattern.finditer(text):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                resolved = self._resolve(kind, match, reference)
                if resolved is None:
                    continue
                day, basis = resolved
                taken.append((match.start(), match.end()))
                own = kind is _Kind.DAYS_BEFORE_CLAUSE
                found.append(
                    DateMention(match.start(), match.end(), match.group(0), day, basis, own)
                )
        return sorted(found, key=lambda m: m.start)

    def _resolve(
        self, kind: _Kind, m: re.Match[str], ref: dt.date | None
    ) -> tuple[dt.date, DateBasis] | None:
        if kind in (_Kind.ISO, _Kind.MONTH_DAY, _Kind.DAY_MONTH):
            return self._explicit(m, ref)
        if ref is None:
            return None
        day = self._relative(kind, m, ref)
        return None if day is None else (day, DateBasis.RELATIVE)

    def _relative(self, kind: _Kind, m: re.Match[str], ref: dt.date) -> dt.date | None:
        if kind is _Kind.DAYS_FROM_PUBLICATION:
            return _days_after(ref, self._days_from_publication.value(m.group(0)))
        if kind is _Kind.THIS_WEEK:
            monday = _days_after(ref, -ref.weekday())
            return monday if monday is not None and monday < ref else ref
        if kind is _Kind.DAYS_AGO:
            return self._count_back(m, ref, self._units_ago)
        if kind is _Kind.DAYS_BEFORE_CLAUSE:
            return self._count_back(m, ref, self._units_before_clause)
        return self._weekday(m, ref)

    def _count_back(self, m: re.Match[str], ref: dt.date, units: _Phrases[int]) -> dt.date | None:
        raw = m.group("n")
        n = int(raw) if raw.isdigit() else self._number_words.value(raw)
        return _days_after(ref, -n * units.value(m.group("unit")))

    def _weekday(self, m: re.Match[str], ref: dt.date) -> dt.date | None:
        """News uses bare weekdays for the past week: 'on Tuesday' in a Wednesday story is
        yesterday."""
        target = self._weekdays.value(m.group("weekday")) - 1
        rel = m.group("rel")
        shift = self._weekday_shifts.value(rel) if rel else WeekdayShift.ON_OR_BEFORE
        back = (ref.weekday() - target) % 7
        if shift is WeekdayShift.AFTER:
            return _days_after(ref, (target - ref.weekday()) % 7 or 7)
        if shift is WeekdayShift.BEFORE and back == 0:
            back = 7
        return _days_after(ref, -back)

    def _explicit(self, m: re.Match[str], ref: dt.date | None) -> tuple[dt.date, DateBasis] | None:
        month_text = m.group("month")
        month = int(month_text) if month_text.isdigit() else self._months.value(month_text)
        day = int(m.group("day"))
        year_text = m.group("year")
        if year_text:
            year = int(year_text)
        elif ref is not None:
            year = ref.year
        else:
            return None
        value = _day(year, month, day)
        if value is not None and not year_text and ref is not None and _too_late(value, ref):
            value = _day(year - 1, month, day)
        return None if value is None else (value, DateBasis.EXPLICIT)


def _day(year: int, month: int, day: int) -> dt.date | None:
    """The day, or None for one the calendar lacks (February 30th, or year 0 when a story
    dated 0001-01-01 says 'last year')."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _days_after(day: dt.date, days: int) -> dt.date | None:
    """`days` after `day` (before, when negative), or None beyond the years 1-9999: a story
    may say '99999999 days ago' or carry a publication date of 0001-01-01, and one such
    expression must leave its date unresolved, not stop the coding."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def _too_late(value: dt.date, ref: dt.date) -> bool:
    """Whether a day without a year lies over a month after publication: it was last
    year's."""
    latest = _days_after(ref, 31)
    return latest is not None and value > latest


def _numbers(
    knowledge: Knowledge, name: str, *, low: int | None = None, high: int | None = None
) -> dict[str, int]:
    out = {}
    for word, value in knowledge.word_values(name).items():
        number = int(value) if re.fullmatch(r"[+-]?\d+", value) else None
        if (
            number is None
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            bounds = f" from {low}" if low is not None else ""
            bounds += f" to {high}" if high is not None else ""
            raise DataFileError(
                f"word list {name!r}: {word!r} has value {value!r}; expected a whole number{bounds}"
            )
        out[word] = number
    return out


def _units(knowledge: Knowledge, name: str) -> dict[str, str]:
    units = knowledge.word_values(name)
    bad = {u for u in units.values() if u not in (YEAR, MONTH)}
    if bad:
        raise DataFileError(f"word list {name!r}: unit {sorted(bad)[0]!r} must be year or month")
    return units


def _shifts(knowledge: Knowledge, name: str) -> dict[str, WeekdayShift]:
    out = {}
    known = ", ".join(shift.value for shift in WeekdayShift)
    for word, value in knowledge.word_values(name).items():
        try:
            out[word] = WeekdayShift(value)
        except ValueError:
            raise DataFileError(
                f"word list {name!r}: {word!r} has value {value!r}; expected one of {known}"
            ) from None
    return out


def event_date(
    anchor: Token, sentence: SpacySpan, mentions: list[DateMention], reference: dt.date | None
) -> tuple[dt.date | None, DateBasis | None]:
    """An event's date: one named in its own clause, else the sentence's only date, else the
    publication date; a sentence with several dates and none in the clause is not guessed.
    'Two days after police detained the mayor' dates the detention alone, never the act
    the clause hangs on."""
    if mentions:
        clause = _clause_dates(anchor, sentence, mentions)
        shared = [m for m in mentions if not m.own_clause_only]
        chosen = clause[0] if clause else (shared[0] if len(shared) == 1 == len(mentions) else None)
        if chosen is not None:
            return chosen.date, chosen.basis
    if reference is not None:
        return reference, DateBasis.PUBLICATION
    return None, None


def is_background(
    anchor: Token,
    sentence: SpacySpan,
    mentions: list[DateMention],
    reference: dt.date | None,
    *,
    temporal_marks: frozenset[str] = frozenset(),
) -> DateMention | None:
    """The date or period in the act's own clause, or in the clause its 'after'/'when'
    clause hangs on, that puts it more than 30 days before publication: background history,
    which the coding guideline does not code as news."""
    cutoff = None if reference is None else _days_after(reference, -BACKGROUND_DAYS)
    if cutoff is None:
        return None
    named = [*_clause_dates(anchor, sentence, mentions), *_year_of_noun(anchor, sentence)]
    verb = anchor if anchor.pos_ in ("VERB", "AUX") else clause_verb(anchor)
    if verb.dep_ == "advcl" and clause_mark(verb) in temporal_marks:
        named += _clause_dates(verb.head, sentence, mentions)
    if verb.dep_ == "relcl":
        named += _year_of_antecedent(verb.head, sentence)
        named += _dates_at(verb.head, sentence, mentions)
    return next((m for m in named if m.date < cutoff), None)


def _year_of_antecedent(noun: Token, sentence: SpacySpan) -> list[DateMention]:
    """'the 2004 bombing of a French base that killed ...': the year of the noun a relative
    clause hangs on, or of the noun whose of/in phrase holds it (the parser hangs the clause
    on the nearest noun)."""
    node = noun
    for _ in range(3):
        found = _year_of_noun(node, sentence)
        if found or node.dep_ != "pobj":
            return found
        node = node.head.head
    return []


def _dates_at(token: Token, sentence: SpacySpan, mentions: list[DateMention]) -> list[DateMention]:
    """'since 2011, when the government sent soldiers': a clause hung on a date names
    its time."""
    offset = token.idx - sentence.start_char
    return [m for m in mentions if m.start <= offset < m.end]


def _year_of_noun(anchor: Token, sentence: SpacySpan) -> list[DateMention]:
    """'the 2004 bombing', 'the 2022 invasion': an act noun dated by a year before it."""
    if anchor.pos_ not in ("NOUN", "PROPN"):
        return []
    years = [c for c in anchor.children if c.i < anchor.i and re.fullmatch(_BARE_YEAR, c.text)]
    return [
        DateMention(
            c.idx - sentence.start_char,
            c.idx - sentence.start_char + len(c.text),
            c.text,
            dt.date(int(c.text), 12, 31),
            DateBasis.EXPLICIT,
        )
        for c in years
    ]


def _clause_dates(
    anchor: Token, sentence: SpacySpan, mentions: list[DateMention]
) -> list[DateMention]:
    family = clause_family(anchor)
    out = []
    for mention in mentions:
        token = token_at(sentence, mention.start)
        if token is not None and clause_verb(token) in family:
            out.append(mention)
    return out
