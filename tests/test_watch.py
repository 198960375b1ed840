"""The watcher against a real web server on loopback: new items are coded once, unchanged
feeds cost a 304, every fault is one log line, and a killed watcher resumes to the same rows."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from newsfeeds import Newsroom, Route, item, page, rss
from typer.testing import CliRunner

from tocsin import Coder
from tocsin.cli import app
from tocsin.errors import InputError
from tocsin.fetch import Fetcher, FetchSettings
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store
from tocsin.watch import Source, SourceKind, Watcher, parse_every, read_sources

FAST = FetchSettings(
    user_agent="tocsin-test",
    timeout=1.0,
    deadline=3.0,
    max_bytes=1024 * 1024,
    retries=1,
    backoff=0.05,
    host_interval=0.0,
)
RSS = "application/rss+xml"
ROOT = Path(__file__).parent.parent


def _watcher(coder: Coder, store: Store, sources: list[Source], log: list[str]) -> Watcher:
    return Watcher(
        coder,
        sources,
        write=lambda job: job(store),
        fetcher=Fetcher(FAST),
        log=log.append,
        clock=lambda: dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
    )


def _url(room: Newsroom, path: str) -> Source:
    return Source(SourceKind.URL, room.url + path)


def test_a_new_item_is_coded_once_and_an_unchanged_feed_costs_a_304(
    coder: Coder, newsroom: Newsroom, tmp_path: Path
) -> None:
    room = newsroom
    room.routes["/news/airspace"] = Route(page("airspace"))
    room.routes["/news/trade"] = Route(page("trade"))
    room.routes["/feed"] = Route(rss(room.url, [item("airspace")]), content_type=RSS, etag='"1"')
    log: list[str] = []
    with Store(tmp_path / "news.duckdb") as store:
        watcher = _watcher(coder, store, [_url(room, "/feed")], log)
        first = watcher.run_once()
        assert (first.items, first.stored.new, first.problems) == (1, 1, 0), log
        assert first.stored.events_new >= 1
        second = watcher.run_once()
        assert (second.unchanged, second.items, second.stored.new) == (1, 0, 0)
        feed = rss(room.url, [item("trade"), item("airspace")])
        room.routes["/feed"] = Route(feed, content_type=RSS, etag='"2"')
        third = watcher.run_once()
        assert (third.items, third.stored.new) == (1, 1)
        rows = store._db.execute("SELECT url, title, source FROM articles ORDER BY url").fetchall()
    assert rows == [
        (f"{room.url}/news/airspace", "Greece accuses Turkey over airspace", "Loopback News"),
        (f"{room.url}/news/trade", "Chile and Peru sign trade pact", "Loopback News"),
    ]
    assert room.asked.count("/news/airspace") == 1 and room.asked.count("/news/trade") == 1
    assert log == []


def test_each_fault_is_one_line_and_the_watcher_goes_on(
    coder: Coder, newsroom: Newsroom, tmp_path: Path
) -> None:
    room = newsroom
    with_missing = rss(
        room.url,
        [
            item("airspace"),
            item("ambassador", guid="urn:same"),
            item("islands", guid="urn:same"),  # a repeated GUID: the first one counts
            {**item("floods", guid=""), "date": None},  # no GUID (its link), no date
            {"guid": "", "link": None, "title": None, "text": None},  # nothing at all
        ],
    )
    undated = page("floods", date=None)
    room.routes.update(
        {
            "/good": Route(with_missing, content_type=RSS),
            "/news/airspace": Route(page("airspace")),
            "/news/ambassador": Route(page("ambassador")),
            "/news/floods": Route(undated),
            "/missing": Route(b"gone", status=404),
            "/broken": Route(b"oops", status=500),
            "/bad-xml": Route(b"<?xml version='1.0'?><rss><channel><item>", content_type=RSS),
            "/pdf": Route(b"%PDF-1.4 not a page", content_type="application/pdf"),
            "/huge": Route(size=50 * 1024 * 1024),
            "/loop": Route(status=302, location="/loop"),
            "/stall": Route(page("trade"), stall=5.0),
        }
    )
    sources = [
        Source(SourceKind.URL, "http://127.0.0.1:9/feed"),  # a port nobody listens on
        *(
            _url(room, p)
            for p in ("/missing", "/broken", "/bad-xml", "/pdf", "/huge", "/loop", "/stall")
        ),
        _url(room, "/good"),
    ]
    log: list[str] = []
    with Store(tmp_path / "news.duckdb") as store:
        watcher = _watcher(coder, store, sources, log)
        first = watcher.run_once()
        again = watcher.run_once()
        urls = sorted(r[0] for r in store._db.execute("SELECT url FROM articles").fetchall())
        published = store._db.execute(
            "SELECT published FROM articles WHERE url LIKE '%floods'"
        ).fetchone()
    expected = [
        "127.0.0.1:9/feed",
        "/missing: HTTP 404",
        "/broken: HTTP 500",
        "/bad-xml: not a readable feed",
        "/pdf: not an HTML page (application/pdf)",
        "/huge: over the 1 MB cap",
        "/loop: more than 5 redirects",
        "/stall: ReadTimeout",
        "item 3 repeats the id 'urn:same'",
        "item 5 has no link, title or text",
        "/news/floods: no date; dated 2026-12-01, when seen",
    ]
    for part in expected:
        assert sum(part in line for line in log[: first.problems]) == 1, (part, log)
    assert first.problems == len(expected)
    assert urls == [f"{room.url}/news/{n}" for n in ("airspace", "ambassador", "floods")]
    assert published == (dt.datetime(2026, 12, 1),)
    assert again.stored.new == 0 and again.items == 0


def test_a_page_listed_as_a_source_is_fetched_once(
    coder: Coder, newsroom: Newsroom, tmp_path: Path
) -> None:
    newsroom.routes["/news/islands"] = Route(page("islands"))
    log: list[str] = []
    with Store(tmp_path / "news.duckdb") as store:
        watcher = _watcher(coder, store, [_url(newsroom, "/news/islands")], log)
        assert watcher.run_once().stored.new == 1
        assert watcher.run_once().items == 0
        title = store._db.execute("SELECT title, published FROM articles").fetchone()
    assert title == ("Japan condemns China over islands", dt.datetime(2026, 11, 30))
    assert newsroom.asked == ["/news/islands"]


def test_a_folder_gives_its_new_files_once(coder: Coder, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    story = folder / "one.txt"
    story.write_text("PUBLISHED: 2026-11-30\n\nChile and Peru signed a trade agreement in Lima.")
    old = time.time() - 60
    os.utime(story, (old, old))
    log: list[str] = []
    with Store(tmp_path / "news.duckdb") as store:
        watcher = Watcher(
            coder,
            [Source(SourceKind.FOLDER, str(folder))],
            write=lambda job: job(store),
            fetcher=Fetcher(FAST),
            log=log.append,
        )
        assert watcher.run_once().stored.new == 1
        assert watcher.run_once().items == 0
        fresh = folder / "two.jsonl"
        fresh.write_text('{"id": "t2", "text": "Norway pledged aid to Kenya on Monday."}\n')
        os.utime(fresh, (old, old))
        assert watcher.run_once().stored.new == 1
        assert store.count_articles() == 2
    assert log == []


def test_sources_and_periods_are_read_or_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    listed = tmp_path / "sources.txt"
    listed.write_text("# feeds\nhttps://example.org/feed.xml\n\ninbox\n")
    assert read_sources(listed) == [
        Source(SourceKind.URL, "https://example.org/feed.xml"),
        Source(SourceKind.FOLDER, str((tmp_path / "inbox").resolve())),
    ]
    listed.write_text("ftp://example.org/x\n")
    with pytest.raises(InputError, match=r"sources.txt:1: 'ftp://example.org/x' is neither"):
        read_sources(listed)
    assert [parse_every(t) for t in ("90", "30s", "15m", "1h", "1d")] == [
        90,
        30,
        900,
        3600,
        86400,
    ]
    with pytest.raises(InputError, match="--every 'soon'"):
        parse_every("soon")


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, without the columns that record when something was stored."""
    timed = {"ingested_at", "first_seen", "last_seen", "seen_at", "checked_at", "raised_at"}
    found = {}
    with duckdb.connect(str(db), read_only=True) as db_:
        for table in ("articles", "events", "mentions", "quotes", "watch_items", "signatures"):
            names = [r[0] for r in db_.execute(f"DESCRIBE {table}").fetchall()]
            kept = ", ".join(n for n in names if n not in timed)
            found[table] = db_.execute(f"SELECT {kept} FROM {table} ORDER BY ALL").fetchall()
    return found


def test_a_watcher_killed_mid_fetch_resumes_to_the_same_rows(
    coder: Coder, newsroom: Newsroom, tmp_path: Path
) -> None:
    room = newsroom
    names = ["airspace", "ambassador", "trade", "islands"]
    room.routes["/feed"] = Route(rss(room.url, [item(n) for n in names]), content_type=RSS)
    for name in names:
        room.routes[f"/news/{name}"] = Route(page(name))
    room.routes["/news/trade"] = Route(page("trade"), stall=2.0)  # slow, not too slow
    whole = tmp_path / "whole.duckdb"
    log: list[str] = []
    with Store(whole) as store:
        watcher = _watcher(coder, store, [_url(room, "/feed")], log)
        watcher.fetcher = Fetcher(replace(FAST, timeout=10.0, deadline=10.0))
        assert watcher.run_once().stored.new == 4, log
    sources = tmp_path / "sources.txt"
    sources.write_text(room.url + "/feed\n")
    killed = tmp_path / "killed.duckdb"
    command = [sys.executable, "-m", "tocsin.cli", "watch", str(sources), "--db", str(killed)]
    env = {**os.environ, "TOCSIN_FETCH_HOST_INTERVAL": "0", "TOCSIN_FETCH_TIMEOUT": "10"}
    env["PYTHONPATH"] = str(ROOT / "src")
    room.asked.clear()
    process = subprocess.Popen([*command, "--once"], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while "/news/trade" not in room.asked and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # in the middle of fetching the third page
    process.wait()
    assert "/news/trade" in room.asked
    with Store(killed, read_only=True) as store:
        assert store.count_articles() == 2
    done = subprocess.run([*command, "--once"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "articles: 2 new, 0 already known" in done.stderr
    assert _rows(killed) == _rows(whole)


def test_watch_once_from_the_command_line_then_alerts_listed(
    newsroom: Newsroom, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newsroom.routes["/feed"] = Route(rss(newsroom.url, [item("floods")]), content_type=RSS)
    newsroom.routes["/news/floods"] = Route(page("floods"))
    sources = tmp_path / "sources.txt"
    sources.write_text(newsroom.url + "/feed\n")
    db = tmp_path / "news.duckdb"
    monkeypatch.setenv("TOCSIN_FETCH_HOST_INTERVAL", "0")
    runner = CliRunner()
    result = runner.invoke(app, ["watch", str(sources), "--db", str(db), "--once", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "pass 1: 1 sources (0 unchanged), 1 new item; articles: 1 new" in result.stderr
    listed = runner.invoke(app, ["alerts", "--db", str(db), "--format", "csv"])
    assert listed.exit_code == 0 and listed.stdout == "" and "0 alerts" in listed.stderr
    config = tmp_path / "alerts.toml"
    config.write_text("treshold = 2\n")
    refused = runner.invoke(
        app, ["watch", str(sources), "--db", str(db), "--alerts-config", str(config)]
    )
    assert refused.exit_code == 2 and "unknown setting 'treshold'" in refused.stderr


def test_progress_without_a_terminal_is_a_line_and_quiet_silences_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stories = tmp_path / "stories.jsonl"
    stories.write_text(
        '{"id": "a", "text": "Chile and Peru signed a trade agreement in Lima."}\n'
        '{"id": "b", "text": "Norway pledged aid to Kenya on Monday."}\n'
    )
    monkeypatch.setenv("TOCSIN_PROGRESS_SECONDS", "0")
    runner = CliRunner()
    shown = runner.invoke(app, ["ingest", str(stories), "--db", str(tmp_path / "a.duckdb")])
    assert shown.exit_code == 0, shown.output
    assert "ingesting: 2/2, " in shown.stderr and "/s" in shown.stderr
    quiet = ["ingest", str(stories), "--db", str(tmp_path / "b.duckdb"), "--quiet"]
    silent = runner.invoke(app, quiet)
    assert silent.exit_code == 0 and "ingesting" not in silent.stderr
    assert "articles: 2 new" in silent.stderr


def test_an_item_whose_link_the_store_holds_is_not_fetched(
    coder: Coder, newsroom: Newsroom, tmp_path: Path
) -> None:
    link = f"{newsroom.url}/news/trade"
    newsroom.routes["/feed"] = Route(rss(newsroom.url, [item("trade")]), content_type=RSS)
    log: list[str] = []
    with Store(tmp_path / "news.duckdb") as store:
        known = coder.article_from_text("Chile and Peru signed a trade agreement.", url=link)
        ingest_articles(coder, store, [known])
        summary = _watcher(coder, store, [_url(newsroom, "/feed")], log).run_once()
        assert (summary.items, summary.stored.known, summary.stored.new) == (1, 1, 0)
        assert store.count_articles() == 1
    assert newsroom.asked == ["/feed"] and log == []


def test_a_server_watcher_outlives_a_failed_pass(coder: Coder, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    story = folder / "one.txt"
    story.write_text("Chile and Peru signed a trade agreement in Lima.")
    os.utime(story, (time.time() - 60, time.time() - 60))
    stop = threading.Event()
    calls: list[int] = []

    def write(job: object) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        stop.set()
        return True  # the file is known: nothing to do

    log: list[str] = []
    source = Source(SourceKind.FOLDER, str(folder))
    Watcher(coder, [source], write=write, fetcher=Fetcher(FAST), log=log.append).run(0, stop)
    assert log == ["a pass failed: RuntimeError: disk full; trying again next pass"]
    assert len(calls) == 2
