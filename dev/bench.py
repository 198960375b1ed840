"""Benchmark: tocsin against a bare spaCy `nlp.pipe` over the same stories, in one run.

    python dev/bench.py [--corpus PATH] [--processes N] [--repeat N]
    python dev/bench.py --queries N     # store queries over N synthetic events
    python dev/bench.py --load N        # the HTTP API under load over N synthetic events
    python dev/bench.py --server N      # reads while stories are coded; an idle-connection flood
    python dev/bench.py --long-story MB # peak memory coding one story of MB megabytes
    python dev/bench.py --reingest      # ingesting the corpus into a new store, then again

Reports articles per second, the ratio of tocsin's time to the bare full English pipeline, and
the peak resident memory of tocsin and its workers. Skips cleanly when the corpus is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tocsin.knowledge import load_knowledge
from tocsin.model import Article
from tocsin.stages.read import InputProblem, StoryReader

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "voa_stories.jsonl"
RATIO_BAR = 1.3
MEMORY_BAR_MB = 1536
FIXTURE_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "corpus"


@dataclass(frozen=True, slots=True)
class BenchResult:
    articles: int
    events: int
    baseline_seconds: float
    tocsin_seconds: float
    setup_seconds: float
    peak_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.tocsin_seconds / self.baseline_seconds

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.tocsin_seconds


class PeakMemory:
    """Samples the resident memory of this process and its children (worker processes)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
            time.sleep(self.interval)


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants (shared pages counted in each)."""
    total = _rss_kb(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_rss_kb(int(child)) for child in children)


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_articles(corpus: Path) -> list[Article]:
    reader = StoryReader(load_knowledge())
    return [a for a in reader.read([str(corpus)]) if not isinstance(a, InputProblem)]


def run(corpus: Path, *, processes: int, repeat: int) -> BenchResult:
    from tocsin.nlp import load_pipeline
    from tocsin.pipeline import Coder

    articles = load_articles(corpus) * repeat
    texts = [a.text for a in articles]
    baseline_nlp = load_pipeline()
    started = time.perf_counter()
    for _ in baseline_nlp.pipe(texts, batch_size=16):
        pass
    baseline = time.perf_counter() - started
    del baseline_nlp
    with PeakMemory() as memory:
        started = time.perf_counter()
        coder = Coder()
        _ = coder.lexicon
        setup = time.perf_counter() - started
        started = time.perf_counter()
        events = sum(len(c.events) for c in coder.code_many(articles, n_process=processes))
        elapsed = time.perf_counter() - started
    return BenchResult(len(articles), events, baseline, elapsed, setup, memory.peak_kb / 1024)


def report(result: BenchResult, processes: int) -> str:
    ratio_ok = "ok" if result.ratio <= RATIO_BAR else "OVER BAR"
    memory_ok = "ok" if result.peak_rss_mb < MEMORY_BAR_MB else "OVER BAR"
    return "\n".join(
        [
            f"articles                 {result.articles}",
            f"events                   {result.events}",
            f"bare nlp.pipe            {result.baseline_seconds:.2f} s (full pipeline, 1 process)",
            f"tocsin                   {result.tocsin_seconds:.2f} s ({processes} processes)",
            f"tocsin setup             {result.setup_seconds:.2f} s (model, dictionaries)",
            f"articles per second      {result.articles_per_second:.1f}",
            f"time ratio               {result.ratio:.2f} (bar {RATIO_BAR}: {ratio_ok})",
            f"peak RSS                 {result.peak_rss_mb:.0f} MB ({memory_ok})",
        ]
    )


def long_story(corpus: Path, megabytes: float) -> tuple[int, int, float, float]:
    """Code one story of about `megabytes` MB, the corpus's stories joined as paragraphs: its
    length, events, seconds and the peak resident memory in MB (model included). A long story
    is parsed in pieces (`Limits.chunk_chars`), so memory stays bounded."""
    from tocsin.pipeline import Coder

    stories = [a.text for a in load_articles(corpus)]
    paragraphs: list[str] = []
    while sum(map(len, paragraphs)) < megabytes * 1_000_000:
        paragraphs += stories
    with PeakMemory() as memory:
        coder = Coder()
        article = coder.article_from_text("\n\n".join(paragraphs), published="2024-01-01")
        started = time.perf_counter()
        events = len(coder.code_article(article).events)
        seconds = time.perf_counter() - started
    return len(article.text), events, seconds, memory.peak_kb / 1024


def reingest(corpus: Path, folder: Path, *, processes: int) -> tuple[float, float]:
    """Seconds to ingest the corpus into a new store, and to ingest it again (nothing new:
    known articles are skipped before coding)."""
    from tocsin.pipeline import Coder, ingest_articles
    from tocsin.storage.store import Store

    coder = Coder()
    _ = coder.lexicon
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with Store(folder / "bench.duckdb") as store:
            articles = load_articles(corpus)
            ingest_articles(coder, store, articles, n_process=processes)
        timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


def query_benchmark(size: int, path: Path) -> list[tuple[str, float]]:
    """Build a store of `size` synthetic events and time the queries analysts run most."""
    from tocsin.storage.alerts import AlertSettings, find_alerts
    from tocsin.storage.query import EventFilter, dyad, events, top_actors
    from tocsin.storage.store import Store

    synthetic_store(size, path)
    timings = []
    with Store(path, read_only=True) as store:
        for name, run_query in (
            ("dyad RUS-UKR by month", lambda: dyad(store, "RUS", "UKR", freq="month")),
            ("dyad RUS-UKR by day", lambda: dyad(store, "RUS", "UKR", freq="day")),
            (
                "events page: RUS, root 19, 2024",
                lambda: events(
                    store, EventFilter(actor="RUS", root="19", since=dt.date(2024, 1, 1))
                ),
            ),
            ("events page 20, no filter", lambda: events(store, EventFilter(), offset=1000)),
            ("top 20 actors", lambda: top_actors(store, top=20)),
            # run after every ingest batch: every dyad and actor, latest week vs eight before
            ("escalation alerts, every dyad", lambda: find_alerts(store, AlertSettings.load())),
        ):
            started = time.perf_counter()
            run_query()
            timings.append((name, time.perf_counter() - started))
    return timings


def synthetic_store(size: int, path: Path) -> None:
    """A store of `size` events over 20 countries, 20 CAMEO codes and six years."""
    import random

    from tocsin.storage.store import Store

    path.unlink(missing_ok=True)
    rng = random.Random(7)
    countries = [
        "RUS",
        "UKR",
        "USA",
        "CHN",
        "ISR",
        "PSE",
        "IRN",
        "SYR",
        "TUR",
        "IND",
        "PAK",
        "FRA",
        "DEU",
        "GBR",
        "SDN",
        "ETH",
        "NGA",
        "AFG",
        "IRQ",
        "YEM",
    ]
    codes = [
        "010",
        "020",
        "036",
        "040",
        "042",
        "051",
        "061",
        "071",
        "087",
        "112",
        "120",
        "130",
        "141",
        "154",
        "163",
        "173",
        "181",
        "190",
        "193",
        "195",
    ]
    with Store(path) as store:
        store.load_events(
            SYNTHETIC_COLUMNS, [_synthetic(i, rng, countries, codes) for i in range(1, size + 1)]
        )


LOAD_PATHS = (
    ("events", "/api/v1/events?actor=RUS&root=19&limit=50"),
    ("dyad", "/api/v1/dyad/RUS/UKR?freq=month"),
)


def load_test(size: int, requests: int, concurrency: int) -> dict[str, float]:
    """Serve a synthetic store on loopback and time `requests` calls, `concurrency` at once.

    Two rounds: the dashboard's questions asked again and again (answered from the server's
    cache after the first time), then the same two endpoints with a different date range on
    every call, so that every request runs its query. The client is `http.client` on kept-alive
    connections, light enough not to take the two cores from the server it measures.
    """
    with _serving(size) as port:
        repeated = _fire(port, requests, concurrency, distinct=False)
        distinct = _fire(port, requests, concurrency, distinct=True)
    report: dict[str, float] = {}
    for label, results in (("repeated", repeated), ("distinct", distinct)):
        report[f"{label} errors"] = sum(status != 200 for _, _, status in results)
        for name, _ in LOAD_PATHS:
            times = sorted(t for n, t, _ in results if n == name)
            report[f"{label} {name} p50 ms"] = 1000 * times[len(times) // 2]
            report[f"{label} {name} p95 ms"] = 1000 * times[int(len(times) * 0.95)]
    return report


@contextlib.contextmanager
def _serving(size: int) -> Iterator[int]:
    """`tocsin serve` over a synthetic store of `size` events on a free loopback port."""
    import socket
    import subprocess

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "load.duckdb"
        synthetic_store(size, path)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "tocsin.cli", "serve", "--db", str(path), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(port)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


CODERS = 60
IDLE = 10_000
READS = (
    ("health", "/api/v1/health"),
    ("events", "/api/v1/events?actor=RUS&root=19&limit=50"),
)


def server_test(size: int, story: str) -> dict[str, float]:
    """Two things a public server must survive, over a synthetic store of `size` events.

    Coding: 60 clients post a story to /code at once while one client asks /health and another
    an events page (a different `since` each time, so every page runs its query) until the last
    story is answered; the coded, the refused (429) and the read latencies are reported. Idle
    flood: 10,000 connections are opened and left silent, then 20 new requests are made; the
    report says how many were answered and how many idle connections the server closed."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with _serving(size) as port:
        _post_story(port, story)  # the first story loads the model: not measured
        report = _coding_while_reading(port, story)
        report.update(_idle_flood(port))
    return report


def _coding_while_reading(port: int, story: str) -> dict[str, float]:
    from concurrent.futures import ThreadPoolExecutor

    coding = threading.Event()
    coding.set()
    times: dict[str, list[float]] = {name: [] for name, _ in READS}

    def read(name: str, path: str) -> None:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while coding.is_set():
            i += 1
            since = dt.date(2020, 1, 1) + dt.timedelta(days=i)
            url = path if name == "health" else f"{path}&since={since}"
            started = time.perf_counter()
            connection.request("GET", url)
            connection.getresponse().read()
            times[name].append(time.perf_counter() - started)

    readers = [threading.Thread(target=read, args=pair) for pair in READS]
    for reader in readers:
        reader.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(CODERS) as pool:
        statuses = list(pool.map(lambda _: _post_story(port, story), range(CODERS)))
    elapsed = time.perf_counter() - started
    coding.clear()
    for reader in readers:
        reader.join()
    report = {
        "code requests": float(CODERS),
        "coded (200)": float(statuses.count(200)),
        "refused (429)": float(statuses.count(429)),
        "code other": float(len(statuses) - statuses.count(200) - statuses.count(429)),
        "coding seconds": elapsed,
    }
    for name, _ in READS:
        found = sorted(times[name])
        report[f"{name} reads"] = float(len(found))
        report[f"{name} p50 ms"] = 1000 * found[len(found) // 2]
        report[f"{name} p95 ms"] = 1000 * found[int(len(found) * 0.95)]
    return report


def _post_story(port: int, story: str) -> int:
    import http.client
    import json

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = json.dumps({"text": story, "published": "2024-03-05"})
    connection.request("POST", "/api/v1/code", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def _idle_flood(port: int) -> dict[str, float]:
    import http.client
    import socket

    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
    try:
        answered, times = 0, []
        for i in range(20):
            path = READS[i % len(READS)][1]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - started)
            answered += response.status == 200
            connection.close()
        closed = sum(_closed(sock) for sock in idle)
    finally:
        for sock in idle:
            sock.close()
    return {
        "idle connections": float(IDLE),
        "idle closed by server": float(closed),
        "new requests answered": float(answered),
        "new requests of": 20.0,
        "new request max ms": 1000 * max(times),
    }


def _closed(sock: Any) -> bool:
    """Whether the server has closed this connection (looked at without waiting)."""
    sock.setblocking(False)
    try:
        return bool(sock.recv(1) == b"")
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def _fire(
    port: int, requests: int, concurrency: int, *, distinct: bool
) -> list[tuple[str, float, int]]:
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()

    def call(i: int) -> tuple[str, float, int]:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        name, url = LOAD_PATHS[i % len(LOAD_PATHS)]
        if distinct:
            url += f"&since={dt.date(2020, 1, 1) + dt.timedelta(days=i // 2)}"
        started = time.perf_counter()
        local.connection.request("GET", url)
        response = local.connection.getresponse()
        response.read()
        return name, time.perf_counter() - started, response.status

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(call, range(requests)))


def _wait_for(port: int) -> None:
    import http.client

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the API server did not start")


SYNTHETIC_COLUMNS = (
    "event_id",
    "date",
    "cameo",
    "base_code",
    "root",
    "quad_class",
    "goldstein",
    "plover_type",
    "source_code",
    "source_country",
    "target_code",
    "target_country",
    "num_mentions",
    "num_articles",
    "num_sources",
    "confidence",
)


def _synthetic(i: int, rng: Any, countries: list[str], codes: list[str]) -> list[object]:
    code = rng.choice(codes)
    root = code[:2]
    quad = 1 if root <= "05" else 2 if root <= "08" else 3 if root <= "13" else 4
    source, target = rng.sample(countries, 2)
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(6 * 365))
    goldstein = rng.uniform(-10, 10)
    cells = [i, day, code, code, root, quad, goldstein, "CONSULT", source, source, target, target]
    return [*cells, 1, 1, 1, 0.8]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--repeat", type=int, default=1, help="code the corpus N times over")
    parser.add_argument(
        "--queries",
        type=int,
        metavar="N",
        default=0,
        help="instead, time store queries over N synthetic events",
    )
    parser.add_argument(
        "--load",
        type=int,
        metavar="N",
        default=0,
        help="instead, load-test the HTTP API over N synthetic events",
    )
    parser.add_argument(
        "--server",
        type=int,
        metavar="N",
        default=0,
        help="instead, code 60 stories at once over HTTP while reading, then 10,000 idle "
        "connections, over N synthetic events",
    )
    parser.add_argument(
        "--long-story",
        type=float,
        metavar="MB",
        default=0,
        help="instead, peak memory coding one story of MB megabytes",
    )
    parser.add_argument(
        "--reingest", action="store_true", help="instead, time ingesting the corpus twice"
    )
    args = parser.parse_args(argv)
    if args.server:
        corpus = args.corpus if args.corpus.exists() else FIXTURE_CORPUS
        result = server_test(args.server, load_articles(corpus)[0].text)
        for name, value in result.items():
            print(f"{name:<28} {value:8.1f}")
        reads_ok = all(v < 300 for k, v in result.items() if k.endswith("p95 ms"))
        flood_ok = result["new requests answered"] == result["new requests of"]
        return 0 if reads_ok and flood_ok and not result["code other"] else 1
    if args.load:
        latencies = load_test(args.load, requests=2000, concurrency=20)
        for name, value in latencies.items():
            print(f"{name:<28} {value:8.1f}")
        bar = all(v < 300 for k, v in latencies.items() if k.endswith("p95 ms"))
        return 0 if bar and not any(v for k, v in latencies.items() if k.endswith("errors")) else 1
    if args.queries:
        with tempfile.TemporaryDirectory() as folder:
            timings = query_benchmark(args.queries, Path(folder) / "bench.duckdb")
        for name, seconds in timings:
            print(f"{name:<36} {seconds * 1000:8.1f} ms")
        return 0 if all(seconds < 1 for _, seconds in timings) else 1
    if not args.corpus.exists():
        print(f"benchmark skipped: corpus {args.corpus} not found")
        return 0
    if args.long_story:
        chars, events, seconds, peak = long_story(args.corpus, args.long_story)
        verdict = "ok" if peak < MEMORY_BAR_MB else "OVER BAR"
        print(f"one story of {chars:,} characters: {events} events in {seconds:.1f} s")
        print(f"peak RSS                 {peak:.0f} MB (bar {MEMORY_BAR_MB} MB: {verdict})")
        return 0 if peak < MEMORY_BAR_MB else 1
    if args.reingest:
        with tempfile.TemporaryDirectory() as folder:
            first, again = reingest(args.corpus, Path(folder), processes=args.processes)
        print(f"ingest into a new store   {first:.1f} s ({args.processes} processes)")
        print(f"ingest again              {again:.1f} s")
        return 0
    result = run(args.corpus, processes=args.processes, repeat=args.repeat)
    print(report(result, args.processes))
    return 0 if result.ratio <= RATIO_BAR and result.peak_rss_mb < MEMORY_BAR_MB else 1


if __name__ == "__main__":
    sys.exit(main())
