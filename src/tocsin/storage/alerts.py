"""Escalation alerts: a dyad or actor whose latest period turns sharply towards conflict
compared with its own recent past.

For each dyad (two countries, either direction) and each actor (a country, or the actor code
of one with none) the events are counted per period (a day or a week). The latest period is the
one holding the store's latest event date; its baseline is the `baseline` periods before it,
periods without events counting as zero. Two measures are compared with their baseline:

- `conflict`: the Goldstein-weighted conflict score, the sum of -goldstein over the period's
  verbal and material conflict events (quad classes 3 and 4). It alerts when it is at least
  `threshold` spreads (standard deviations, at least `min_spread`) above the baseline mean and
  at least `min_rise` above it.
- `material_share`: the share of the period's events that are material conflict (quad class 4).
  It alerts when it rises by at least `share_rise` over the baseline periods' share, with at
  least `min_period_events` events in the latest period.

A unit needs `min_events` events over its baseline and latest period. One alert at most is
raised for a unit and period (the conflict measure first); an actor's alert is left out when a
dyad alert of the same period names the actor, since the dyad says more.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DataFileError
from .query import parse_dyad
from .store import Reader, Store, scalar

FREQUENCIES = ("day", "week")
MAX_EVENT_IDS = 200  # the events named behind one alert


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """How alerts are found; the defaults are `data/alerts.toml`, a user's file overrides any
    of them (`--alerts-config`)."""

    freq: str = "week"
    baseline: int = 8
    min_events: int = 10
    threshold: float = 3.0
    min_spread: float = 2.0
    min_rise: float = 10.0
    share_rise: float = 0.3
    min_period_events: int = 3
    dyads: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.freq not in FREQUENCIES:
            raise DataFileError(f"alerts: freq {self.freq!r} must be one of {FREQUENCIES}")
        if self.baseline < 2:
            raise DataFileError(f"alerts: baseline {self.baseline} must be at least 2 periods")

    @classmethod
    def load(cls, path: Path | None = None) -> AlertSettings:
        """The packaged defaults, with the settings a user's file gives in their place."""
        packaged = resources.files("tocsin").joinpath("data", "alerts.toml").read_text()
        values = _parse(packaged, "data/alerts.toml")
        if path is not None:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise DataFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
            values.update(_parse(text, str(path)))
        return cls._from(values, str(path or "data/alerts.toml"))

    @classmethod
    def _from(cls, values: Mapping[str, Any], where: str) -> AlertSettings:
        kinds = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(kinds))
        if unknown:
            raise DataFileError(f"{where}: unknown setting {unknown[0]!r}; see docs/live.md")
        converted: dict[str, Any] = {}
        for name, value in values.items():
            converted[name] = _converted(name, value, str(kinds[name]), where)
        return cls(**converted)

    def watched_dyads(self) -> frozenset[tuple[str, str]]:
        return frozenset(_pair(*parse_dyad(d)) for d in self.dyads)


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{where}: not valid TOML ({exc})") from None


def _converted(name: str, value: Any, kind: str, where: str) -> Any:
    wanted: tuple[type, ...]
    if "tuple" in kind:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DataFileError(f"{where}: {name} must be a list of strings")
        return tuple(v.upper() for v in value)
    wanted = (int, float) if kind == "float" else (int,) if kind == "int" else (str,)
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise DataFileError(f"{where}: {name} = {value!r} must be {kind.replace('str', 'text')}")
    return float(value) if kind == "float" else value


@dataclass(frozen=True, slots=True)
class Alert:
    """One escalation: the unit, its period, the measure, baseline against now, the events."""

    kind: str  # "dyad" or "actor"
    unit: str  # "RUS-UKR" (codes in order) or "RUS"
    freq: str
    period_start: dt.date
    period_end: dt.date
    measure: str  # "conflict" or "material_share"
    baseline_mean: float
    baseline_spread: float
    value: float
    events: int
    event_ids: tuple[int, ...]
    alert_id: int | None = None
    raised_at: dt.datetime | None = None

    def record(self) -> dict[str, Any]:
        """The alert as JSON-ready fields (what `--on-alert` gets and the API answers)."""
        return {
            "alert_id": self.alert_id,
            "raised_at": self.raised_at.isoformat() if self.raised_at else None,
            "kind": self.kind,
            "unit": self.unit,
            "freq": self.freq,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "measure": self.measure,
            "baseline_mean": round(self.baseline_mean, 3),
            "baseline_spread": round(self.baseline_spread, 3),
            "value": round(self.value, 3),
            "events": self.events,
            "event_ids": list(self.event_ids),
        }


@dataclass(slots=True)
class _Period:
    events: int = 0
    conflict: float = 0.0
    material: int = 0


def raise_alerts(store: Store, settings: AlertSettings) -> list[Alert]:
    """Find the escalations in the store's latest period and record those not raised before;
    the new ones, numbered."""
    found = find_alerts(store, settings)
    new: list[Alert] = []
    with store.transaction():
        for alert in found:
            if _raised(store, alert):
                continue
            alert_id = int(scalar(store._db, "SELECT nextval('alert_ids')"))
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
            store._db.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    alert_id,
                    now,
                    alert.kind,
                    alert.unit,
                    alert.freq,
                    alert.period_start,
                    alert.period_end,
                    alert.measure,
                    alert.baseline_mean,
                    alert.baseline_spread,
                    alert.value,
                    alert.events,
                    list(alert.event_ids),
                ],
            )
            new.append(_numbered(alert, alert_id, now))
    return new


def _numbered(alert: Alert, alert_id: int, now: dt.datetime) -> Alert:
    values = {f.name: getattr(alert, f.name) for f in fields(alert)}
    return Alert(**{**values, "alert_id": alert_id, "raised_at": now})


def _raised(store: Store, alert: Alert) -> bool:
    """One alert per unit and period; an actor's none when a dyad alert names it."""
    row = store._db.execute(
        "SELECT 1 FROM alerts WHERE freq = ? AND period_start = ? AND ((kind = ? AND unit = ?) "
        "OR (? = 'actor' AND kind = 'dyad' AND list_contains(string_split(unit, '-'), ?)))",
        [alert.freq, alert.period_start, alert.kind, alert.unit, alert.kind, alert.unit],
    ).fetchone()
    return row is not None


def find_alerts(
    store: Store | Reader, settings: AlertSettings, *, today: dt.date | None = None
) -> list[Alert]:
    """The escalations of the latest period, dyads first, without recording them. Events
    dated after `today` (a misread date; by default the UTC day) do not make the latest."""
    today = today or dt.datetime.now(dt.UTC).date()
    latest = store._db.execute("SELECT max(date) FROM events WHERE date <= ?", [today]).fetchone()
    if latest is None or latest[0] is None:
        return []
    freq = settings.freq
    current = _period_start(latest[0], freq)
    first = _shift(current, freq, -settings.baseline)
    rows = store._db.execute(
        f"""SELECT source_country, target_country, coalesce(source_country, source_code),
                   coalesce(target_country, target_code), date_trunc('{freq}', date)::DATE,
                   quad_class, goldstein
            FROM events WHERE date >= ? AND date < ?""",
        [first, _shift(current, freq, 1)],
    ).fetchall()
    dyads: dict[str, dict[dt.date, _Period]] = defaultdict(dict)
    actors: dict[str, dict[dt.date, _Period]] = defaultdict(dict)
    watched = settings.watched_dyads()
    for source_country, target_country, source, target, period, quad, goldstein in rows:
        if source_country and target_country and source_country != target_country:
            pair = _pair(source_country, target_country)
            if not watched or pair in watched:
                _count(dyads["-".join(pair)], period, quad, goldstein)
        for actor in {source, target} - {None}:
            if not settings.actors or actor in settings.actors:
                _count(actors[actor], period, quad, goldstein)
    periods = [_shift(first, freq, i) for i in range(settings.baseline)]
    found = [
        alert
        for kind, units in (("dyad", dyads), ("actor", actors))
        for unit, series in sorted(units.items())
        if (alert := _escalation(kind, unit, series, periods, current, settings)) is not None
    ]
    named = {part for a in found if a.kind == "dyad" for part in a.unit.split("-")}
    found = [a for a in found if a.kind == "dyad" or a.unit not in named]
    return [_with_events(store, a) for a in found]


def _pair(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def _count(series: dict[dt.date, _Period], period: dt.date, quad: int, goldstein: float) -> None:
    counted = series.setdefault(period, _Period())
    counted.events += 1
    if quad in (3, 4):
        counted.conflict -= goldstein
    if quad == 4:
        counted.material += 1


def _escalation(
    kind: str,
    unit: str,
    series: dict[dt.date, _Period],
    periods: list[dt.date],
    current: dt.date,
    settings: AlertSettings,
) -> Alert | None:
    now = series.get(current)
    if now is None or sum(p.events for p in series.values()) < settings.min_events:
        return None
    past = [series.get(p, _Period()) for p in periods]
    scores = [p.conflict for p in past]
    mean = statistics.fmean(scores)
    spread = statistics.pstdev(scores)
    end = _shift(current, settings.freq, 1) - dt.timedelta(days=1)

    def alert(measure: str, base: float, wide: float, value: float) -> Alert:
        return Alert(kind, unit, settings.freq, current, end, measure, base, wide, value, 0, ())

    rise = now.conflict - mean
    if rise >= settings.min_rise and rise >= settings.threshold * max(spread, settings.min_spread):
        return alert("conflict", mean, spread, now.conflict)
    before = sum(p.events for p in past)
    if now.events >= settings.min_period_events and before:
        share_before = sum(p.material for p in past) / before
        share_now = now.material / now.events
        if share_now - share_before >= settings.share_rise - 1e-9:
            return alert("material_share", share_before, 0.0, share_now)
    return None


def _with_events(store: Store | Reader, alert: Alert) -> Alert:
    """The alert with its period's conflict events (all of its events for the share)."""
    if alert.kind == "dyad":
        first, second = alert.unit.split("-")
        pair = "(source_country = ? AND target_country = ?)"
        who = f"({pair} OR {pair})"
        params: list[Any] = [first, second, second, first]
    else:
        who = (
            "(coalesce(source_country, source_code) = ? "
            "OR coalesce(target_country, target_code) = ?)"
        )
        params = [alert.unit, alert.unit]
    quads = "quad_class IN (3, 4)" if alert.measure == "conflict" else "TRUE"
    rows = store._db.execute(
        f"""SELECT event_id FROM events WHERE {who} AND {quads} AND date BETWEEN ? AND ?
            ORDER BY event_id""",
        [*params, alert.period_start, alert.period_end],
    ).fetchall()
    ids = tuple(int(r[0]) for r in rows)
    values = {f.name: getattr(alert, f.name) for f in fields(alert)}
    return Alert(**{**values, "events": len(ids), "event_ids": ids[:MAX_EVENT_IDS]})


def _period_start(day: dt.date, freq: str) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if freq == "week" else day


def _shift(start: dt.date, freq: str, count: int) -> dt.date:
    """`count` periods later (earlier when negative), held within the calendar: a store may
    hold a misread date in the year 9999."""
    try:
        return start + dt.timedelta(days=count * (7 if freq == "week" else 1))
    except OverflowError:
        return dt.date.max if count > 0 else dt.date.min


def list_alerts(
    store: Store | Reader, *, since: dt.date | None = None, limit: int = 1000
) -> list[Alert]:
    """Recorded alerts, the newest first; `since` keeps those of periods ending on or after."""
    rows = store._db.execute(
        """SELECT kind, unit, freq, period_start, period_end, measure, baseline_mean,
                  baseline_spread, value, events, event_ids, alert_id, raised_at
           FROM alerts WHERE ? IS NULL OR period_end >= ? ORDER BY alert_id DESC LIMIT ?""",
        [since, since, limit],
    ).fetchall()
    return [_stored(row) for row in rows]


def _stored(row: Iterable[Any]) -> Alert:
    values = list(row)
    values[10] = tuple(values[10] or ())
    return Alert(*values)


def count_alerts(store: Store | Reader) -> int:
    return int(scalar(store._db, "SELECT count(*) FROM alerts"))
