"""The dashboard in a real headless Chromium (Debian's package) driven by Playwright.

A real `tocsin serve` process serves a DuckDB store built from our example stories; the browser
may talk to that server only. Screenshots land in artifacts/screenshots/ for CI to keep.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

import pytest
from playwright.sync_api import sync_playwright

from tocsin import Coder
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store

ROOT = Path(__file__).parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STORY = """Turkey and Greece agree to resume talks

PUBLISHED : Tuesday, 14 October, 2025, 9:10am

ANKARA (Reuters) - Turkish Foreign Minister Hakan Fidan met his Greek counterpart George
Gerapetritis in Ankara on Monday and the two sides agreed to resume talks on maritime borders.

Greece accused Turkey of violating its airspace last month, Greek officials said.
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Iterator[str]:
    db = tmp_path_factory.mktemp("web") / "events.duckdb"
    inputs = [str(ROOT / "examples"), str(ROOT / "tests" / "fixtures" / "corpus" / "stories.jsonl")]
    with Store(db) as store:
        ingest_articles(coder, store, coder.read_articles(inputs, on_problem=print))
    port = _free_port()
    command = [sys.executable, "-m", "tocsin.cli", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_for(address + "/api/v1/health", process)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tocsin serve exited: {process.stderr.read()}")
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"tocsin serve did not answer {url} within 120 s")


class Browser:
    """One page plus everything it logged and every host it tried to reach."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("data", "blob"):
            return
        if url.hostname not in ("127.0.0.1", "localhost"):
            self.foreign.append(request.url)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium, server: str) -> Iterator[Browser]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    watched = Browser(page)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    yield watched
    context.close()


def _show_dyad(browser: Browser, first: str, second: str) -> None:
    page = browser.page
    page.fill("#actor", first)
    page.fill("#partner", second)
    page.click("#filters button[type=submit]")
    page.wait_for_function(
        "first => document.querySelector('#selection').textContent.includes(first)", arg=first
    )
    page.wait_for_selector("#chart .barlayer .point path", state="attached")


def _tallest_bar(page) -> dict[str, float]:
    boxes = [bar.bounding_box() for bar in page.locator("#chart .barlayer .point path").all()]
    return max((b for b in boxes if b), key=lambda b: b["height"])


def test_dashboard_loads_offline_without_errors(browser: Browser) -> None:
    page = browser.page
    assert "events in the store" in page.inner_text("#totals")
    page.wait_for_selector("#map .scattergeo path.point")
    page.wait_for_selector("#network .scatterlayer .point")
    borders = page.get_attribute("#map .countries path", "d") or ""
    assert len(borders) > 10_000, "the world map drew no country borders"
    browser.shot("dashboard")
    assert browser.errors == []
    assert browser.foreign == []


def test_dyad_chart_points_list_events_with_highlighted_evidence(browser: Browser) -> None:
    page = browser.page
    _show_dyad(browser, "RUS", "UKR")
    assert page.locator("#chart .barlayer .point path").count() > 0
    assert int(page.get_attribute("#chart", "data-points")) >= 2
    browser.shot("dyad-chart")

    box = _tallest_bar(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#events-note').textContent.includes('from')")
    period = page.get_attribute("#periods .period[aria-pressed='true']", "data-period")
    dates = page.locator("#events .event .date").all_inner_texts()
    assert dates and all(d[:7] == period[:7] for d in dates)
    assert page.locator("#events .event mark.trigger").count() >= len(dates)

    page.locator("#events .event-open").first.click()
    page.wait_for_selector("#detail .mentions mark.trigger")
    detail = page.inner_text("#detail")
    assert "Evidence" in detail and "Quad class" in detail
    assert page.locator("#detail mark.source, #detail mark.target").count() >= 1
    browser.shot("event-evidence")
    assert browser.errors == []
    assert browser.foreign == []


def test_the_goldstein_line_breaks_where_periods_have_no_events(browser: Browser) -> None:
    page = browser.page
    _show_dyad(browser, "RUS", "UKR")  # events in 2022 and in 2025, none between
    line = page.evaluate(
        "document.getElementById('chart').data.find((trace) => trace.type === 'scatter')"
    )
    points = list(zip(line["x"], line["y"], strict=True))
    drawn = [y for _, y in points if y is not None]
    assert int(page.get_attribute("#chart", "data-points")) == len(drawn) >= 2
    assert None in line["y"] and line["connectgaps"] is False
    for (start, mean), (end, next_mean) in itertools.pairwise(points):
        if mean is not None and next_mean is not None:  # one segment of the line
            assert end[:7] == _next_month(start[:7])


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def test_pasting_a_story_shows_its_events_in_place(browser: Browser) -> None:
    page = browser.page
    page.fill("#story", STORY)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#coded .story-text mark.trigger")
    assert page.locator("#coded .coded-events .event").count() >= 2
    marked = page.locator("#coded .story-text mark").all_inner_texts()
    assert "met" in marked and "Ankara" in marked
    page.locator("#code").scroll_into_view_if_needed()
    browser.shot("code-a-story")
    assert browser.errors == []


def test_keyboard_reaches_periods_and_events(browser: Browser) -> None:
    page = browser.page
    _show_dyad(browser, "USA", "CHN")
    page.focus("#periods .period")
    page.keyboard.press("Enter")
    page.wait_for_selector("#periods .period[aria-pressed='true']")
    page.wait_for_selector("#events .event-open")
    page.focus("#events .event-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail .mentions mark.trigger")
    assert page.evaluate("document.activeElement.id") == "detail"


def test_reads_on_a_phone(chromium, server: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server + "/?dyad=RUS,UKR")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#chart .barlayer .point path", state="attached")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    context.close()
    assert overflow <= 1
