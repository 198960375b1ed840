"""A real `tocsin serve --watch` process over a store: it ingests a loopback newsroom's feed
in the background, other `tocsin` processes hand it their work, and the dashboard (in real
headless Chromium) shows a new alert without a reload."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from newsfeeds import Newsroom, Route, item, open_newsroom, page, rss
from playwright.sync_api import sync_playwright
from test_web import CHROMIUM, CHROMIUM_FLAGS, Browser, _free_port
from typer.testing import CliRunner

from tocsin.cli import app
from tocsin.local import server_file
from tocsin.storage.store import Store

ROOT = Path(__file__).parent.parent
RSS = "application/rss+xml"
POLL = 2  # seconds between the server's passes over its sources
# Serbian fire on Croatia in the week of 30 November 2026, after eight calm weeks.
ATTACKS = [
    "Serbian forces shelled Croatian border posts on Monday, Croatian officials said.",
    "Serbian troops attacked Croatian police near Vukovar on Tuesday.",
    "Serbia fired artillery at Croatian villages on Wednesday, the Croatian army said.",
    "Serbian jets bombed Croatian positions along the Danube on Thursday.",
]


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TOCSIN_FETCH_HOST_INTERVAL": "0"}
    env["TOCSIN_PROGRESS_SECONDS"] = "0"
    return env


def _tocsin(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tocsin.cli", *args]
    return subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)


def _get(url: str) -> Any:
    with urlopen(url, timeout=10) as answer:
        return json.load(answer)


def _until(check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _seed(db: Path) -> None:
    """Eight calm weeks of talks and complaints between Serbia and Croatia."""
    columns = ("event_id", "date", "cameo", "base_code", "root", "quad_class", "goldstein")
    columns += ("source_code", "source_country", "target_code", "target_country")
    rows = []
    for week in range(8):
        monday = dt.date(2026, 10, 5) + dt.timedelta(weeks=week)
        kinds = [("040", 1, 1.0), ("040", 1, 1.0), ("111", 3, -2.0), ("111", 3, -2.0)]
        for day, (cameo, quad, goldstein) in enumerate(kinds):
            when = monday + dt.timedelta(days=day)
            rows.append((1000 + len(rows), when, cameo, cameo, cameo[:2], quad, goldstein))
            rows[-1] += ("SRB", "SRB", "HRV", "HRV")
    with Store(db) as store:
        store.load_events(columns, rows)


@pytest.fixture(scope="module")
def room() -> Iterator[Newsroom]:
    with open_newsroom() as newsroom:
        newsroom.routes["/news/airspace"] = Route(page("airspace"))
        newsroom.routes["/news/islands"] = Route(page("islands"))
        feed = rss(newsroom.url, [item("airspace")])
        newsroom.routes["/feed"] = Route(feed, content_type=RSS, etag='"1"')
        yield newsroom


@pytest.fixture(scope="module")
def served(room: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("live")
    db = folder / "news.duckdb"
    _seed(db)
    sources = folder / "sources.txt"
    sources.write_text(f"# the newsroom on loopback\n{room.url}/feed\n")
    hooked = folder / "hooked.jsonl"
    port = _free_port()
    command = [sys.executable, "-m", "tocsin.cli", "serve", "--db", str(db), "--port", str(port)]
    command += ["--watch", str(sources), "--every", f"{POLL}s"]
    command += ["--on-alert", f"cat >> {hooked}"]
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen(command, env=_env(), stderr=log)
    address = f"http://127.0.0.1:{port}"
    try:
        up = _until(lambda: process.poll() is not None or server_file(db).exists(), 120)
        assert up and process.poll() is None, (folder / "serve.log").read_text()
        yield {"url": address, "db": db, "hooked": hooked, "process": process, "log": folder}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    assert not server_file(db).exists()


def _events(served: dict[str, Any], actor: str) -> list[dict[str, Any]]:
    try:
        return list(_get(f"{served['url']}/api/v1/events?actor={actor}")["events"])
    except OSError:
        return []


def test_a_new_feed_item_is_served_within_one_poll_and_the_next_adds_nothing(
    served: dict[str, Any], room: Newsroom
) -> None:
    assert _until(lambda: _events(served, "GRC"), 120), (served["log"] / "serve.log").read_text()
    feed = rss(room.url, [item("islands"), item("airspace")])
    room.routes["/feed"] = Route(feed, content_type=RSS, etag='"2"')
    asked = len(room.asked)
    found = _until(lambda: _events(served, "JPN"), 3 * POLL + 30)
    assert [(e["source_code"], e["target_code"]) for e in found] == [("JPN", "CHN")]
    health = _get(f"{served['url']}/api/v1/health")
    _until(lambda: room.asked[asked:].count("/feed") >= 3, 4 * POLL + 10)
    assert _get(f"{served['url']}/api/v1/health")["events"] == health["events"]
    assert room.asked.count("/news/islands") == 1 and room.asked.count("/news/airspace") == 1


def test_cli_commands_go_through_the_server(served: dict[str, Any], tmp_path: Path) -> None:
    db = served["db"]
    assert stat.S_IMODE(server_file(db).stat().st_mode) == 0o600
    held = _tocsin("events", "--db", str(db), "--actor", "GRC", "--format", "jsonl")
    assert held.returncode == 0, held.stderr
    assert [json.loads(line)["target_code"] for line in held.stdout.splitlines()] == ["TUR"]
    stats = _tocsin("stats", "--db", str(db))
    assert stats.returncode == 0 and "articles" in stats.stdout
    out = tmp_path / "events.jsonl"
    exported = _tocsin("export", "--db", str(db), "--format", "plover", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert len(out.read_text().splitlines()) >= 33
    refused = _tocsin("watch", str(tmp_path / "none.txt"), "--db", str(db))
    assert refused.returncode == 2


def test_an_ingest_handed_to_the_server_raises_one_alert_the_dashboard_shows(
    served: dict[str, Any], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    stories = tmp_path / "attacks.jsonl"
    lines = [
        {"id": f"attack-{i}", "text": text, "published": "2026-12-04"}
        for i, text in enumerate(ATTACKS)
    ]
    stories.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        watched = Browser(page)
        page.goto(served["url"] + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#updated[data-updated]")
        assert page.locator("#alerts .alert").count() == 0

        done = _tocsin("ingest", str(stories), "--db", str(served["db"]))
        assert done.returncode == 0, done.stderr
        assert "articles: 4 new" in done.stderr and "1 alert raised" in done.stderr
        assert "through the server" in done.stderr

        page.wait_for_selector("#alerts .alert.new")  # no reload: the page polls
        assert "HRV – SRB" in page.inner_text("#alerts")
        watched.shot("live-alert")
        page.click("#alerts .alert-open")
        page.wait_for_function("document.querySelector('#selection').textContent.includes('HRV')")
        page.wait_for_selector("#events .event")
        assert page.locator("#events .event").count() == 4
        assert watched.errors == [] and watched.foreign == []
        chromium.close()
    listed = _tocsin("alerts", "--db", str(served["db"]), "--format", "jsonl")
    (alert,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (alert["unit"], alert["period_start"], alert["measure"]) == (
        "HRV-SRB",
        "2026-11-30",
        "conflict",
    )
    hooked = _until(lambda: served["hooked"].exists() and served["hooked"].read_text(), 30)
    assert [json.loads(line) for line in hooked.splitlines()] == [alert]


def test_a_server_file_left_by_a_dead_server_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    record = {"url": "http://127.0.0.1:9", "pid": int(dead), "key": "x"}
    server_file(db).write_text(json.dumps(record))
    result = CliRunner().invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 0 and "events" in result.stdout
