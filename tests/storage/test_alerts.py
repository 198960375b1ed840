"""Escalation alerts over synthetic series in real stores: an escalation raises one alert, a
stable series of the same size none, and nothing is raised twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tocsin.errors import DataFileError
from tocsin.storage.alerts import AlertSettings, find_alerts, list_alerts, raise_alerts
from tocsin.storage.store import Store
from tocsin.watch import hook

COLUMNS = (
    "event_id",
    "date",
    "cameo",
    "base_code",
    "root",
    "quad_class",
    "goldstein",
    "source_code",
    "source_country",
    "target_code",
    "target_country",
)
FIRST_MONDAY = dt.date(2026, 9, 28)
# Nine weeks of talks and complaints between Serbia and Croatia: the first eight are the baseline.
TALKS = ("040", "04", 1, 1.0)
COMPLAINT = ("111", "11", 3, -2.0)
ATTACK = ("190", "19", 4, -10.0)


def _store(path: Path, last_week: list[tuple[str, str, int, float]]) -> Store:
    rows = []
    for week in range(9):
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        kinds = last_week if week == 8 else [TALKS, TALKS, COMPLAINT, COMPLAINT]
        for day, (cameo, root, quad, goldstein) in enumerate(kinds):
            rows.append(
                (
                    len(rows) + 1,
                    monday + dt.timedelta(days=day),
                    cameo,
                    cameo,
                    root,
                    quad,
                    goldstein,
                    "SRB",
                    "SRB",
                    "HRV",
                    "HRV",
                )
            )
    store = Store(path)
    store.load_events(COLUMNS, rows)
    return store


def test_an_escalation_raises_one_alert_once(tmp_path: Path) -> None:
    settings = AlertSettings.load()
    with _store(tmp_path / "escalating.duckdb", [ATTACK, ATTACK, ATTACK, COMPLAINT]) as store:
        raised = raise_alerts(store, settings)
        again = raise_alerts(store, settings)
        stored = list_alerts(store)
    assert len(raised) == 1 and again == [] and stored == raised
    alert = raised[0].record()
    assert {k: alert[k] for k in ("kind", "unit", "freq", "period_start", "measure")} == {
        "kind": "dyad",
        "unit": "HRV-SRB",
        "freq": "week",
        "period_start": "2026-11-23",
        "measure": "conflict",
    }
    assert (alert["baseline_mean"], alert["baseline_spread"], alert["value"]) == (4.0, 0.0, 32.0)
    assert alert["event_ids"] == [33, 34, 35, 36] and alert["events"] == 4


def test_a_stable_series_of_the_same_size_raises_none(tmp_path: Path) -> None:
    last_week = [TALKS, TALKS, COMPLAINT, COMPLAINT]
    with _store(tmp_path / "stable.duckdb", last_week) as store:
        assert find_alerts(store, AlertSettings.load()) == []


def test_a_rising_share_of_material_conflict_alerts(tmp_path: Path) -> None:
    settings = AlertSettings(min_rise=1000)  # only the share can alert
    with _store(tmp_path / "share.duckdb", [ATTACK, TALKS, TALKS]) as store:
        (alert,) = find_alerts(store, settings)
    assert (alert.measure, alert.baseline_mean, round(alert.value, 3)) == (
        "material_share",
        0.0,
        0.333,
    )


def test_watched_dyads_and_a_day_window_come_from_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "alerts.toml"
    config.write_text('dyads = ["RUS-UKR"]\nfreq = "day"\n')
    settings = AlertSettings.load(config)
    assert (settings.freq, settings.dyads, settings.baseline) == ("day", ("RUS-UKR",), 8)
    with _store(tmp_path / "other.duckdb", [ATTACK, ATTACK, ATTACK, ATTACK]) as store:
        found = find_alerts(store, AlertSettings(dyads=("RUS-UKR",)))
    # the dyad is not watched, so each of its countries alerts on its own
    assert [(a.kind, a.unit) for a in found] == [("actor", "HRV"), ("actor", "SRB")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("treshold = 2\n", "unknown setting 'treshold'"),
        ('threshold = "high"\n', "threshold = 'high' must be float"),
        ('freq = "month"\n', "freq 'month' must be one of"),
        ("baseline = [\n", "not valid TOML"),
    ],
)
def test_a_bad_settings_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "alerts.toml"
    config.write_text(text)
    with pytest.raises(DataFileError, match=message):
        AlertSettings.load(config)


def test_the_hook_gets_the_alert_as_json(tmp_path: Path) -> None:
    with _store(tmp_path / "hooked.duckdb", [ATTACK, ATTACK, ATTACK, COMPLAINT]) as store:
        (alert,) = raise_alerts(store, AlertSettings.load())
    received = tmp_path / "received.json"
    problems: list[str] = []
    hook(f"cat > {received}", problems.append)(alert)
    hook("exit 3", problems.append)(alert)
    assert json.loads(received.read_text()) == alert.record()
    assert problems == ["--on-alert 'exit 3' exited 3: "]
