"""The HTTP API through FastAPI's TestClient, against a real DuckDB store of our stories."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tocsin import Coder
from tocsin.api import MAX_BODY_BYTES, Settings, create_app
from tocsin.model import Article, CodedArticle
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "stories.jsonl"
STORY = "Russian forces shelled Kharkiv on Monday, Ukrainian officials said."
LOCAL = "http://127.0.0.1"  # TestClient's own "testserver" is not a name the API answers to


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    path = tmp_path_factory.mktemp("api") / "events.duckdb"
    with Store(path) as store:
        ingest_articles(coder, store, coder.read_articles([str(CORPUS)], on_problem=print))
    return path


@pytest.fixture(scope="module")
def client(db: Path, coder: Coder) -> TestClient:
    return TestClient(create_app(db, coder=coder), base_url=LOCAL, raise_server_exceptions=False)


def test_health_and_offline_docs(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    docs = client.get("/api/v1/docs").text
    assert "/api/v1/docs-assets/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/api/v1/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "/api/v1/events" in client.get("/api/v1/openapi.json").json()["paths"]


def test_code_a_posted_story(client: TestClient) -> None:
    body = client.post("/api/v1/code", json={"text": STORY, "published": "2022-03-01"}).json()
    event = body["events"][0]
    assert event["root"] == "19" and event["source"]["country"] == "RUS"
    assert event["location"]["name"] == "Kharkiv" and body["places"]


def test_events_page_with_cursor_and_detail(client: TestClient) -> None:
    first = client.get("/api/v1/events", params={"limit": 3}).json()
    assert len(first["events"]) == 3 and first["next_cursor"]
    second = client.get("/api/v1/events", params={"limit": 3, "cursor": first["next_cursor"]})
    ids = {e["event_id"] for e in first["events"]}
    assert not ids & {e["event_id"] for e in second.json()["events"]}
    detail = client.get(f"/api/v1/events/{first['events'][0]['event_id']}").json()
    assert detail["mentions"] and detail["mentions"][0]["sentence"]


def test_filters_dyad_actors_article(client: TestClient) -> None:
    rus = client.get("/api/v1/events", params={"source": "RUS", "root": "19"}).json()["events"]
    assert rus and all(e["source_code"].startswith("RUS") for e in rus)
    series = client.get("/api/v1/dyad/RUS/UKR", params={"freq": "day"}).json()["series"]
    assert series and series[0]["events"] >= 1
    assert client.get("/api/v1/actors", params={"top": 3}).json()["actors"]
    detail = client.get(f"/api/v1/events/{rus[0]['event_id']}").json()
    key = detail["mentions"][0]["article_key"]
    article = client.get(f"/api/v1/articles/{key}").json()
    kinds = {s["kind"] for s in article["spans"]}
    assert {"trigger", "source", "place"} <= kinds and article["text"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("get", "/api/v1/events", {"params": {"root": "42"}}, 400),
        ("get", "/api/v1/events", {"params": {"since": "2022-03-09", "until": "2022-03-01"}}, 400),
        ("get", "/api/v1/events", {"params": {"actor": "RUS' OR 1=1 --"}}, 200),
        ("get", "/api/v1/events", {"params": {"limit": 100000}}, 422),
        ("get", "/api/v1/events/999999", {}, 404),
        ("get", "/api/v1/articles/..%2F..%2Fetc%2Fpasswd", {}, 404),
        ("get", "/api/v1/dyad/RUS/UKR", {"params": {"freq": "fortnight"}}, 400),
        ("get", "/api/v1/events", {"params": {"dyad": "RUS' OR 1=1"}}, 400),
        ("get", "/api/v1/events", {"params": {"acter": "RUS"}}, 400),
        ("get", "/api/v1/series", {"params": {"freq": "month", "limit": 5}}, 400),
        ("get", "/static/..%2F..%2F__init__.py", {}, 404),
        ("get", "/static/../api.py", {}, 404),
        (
            "post",
            "/api/v1/code",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("post", "/api/v1/code", {"json": {"txt": "no text field"}}, 422),
        (
            "post",
            "/api/v1/code",
            {
                "content": b"x" * (MAX_BODY_BYTES + 1),
                "headers": {"content-type": "application/json"},
            },
            413,
        ),
    ],
)
def test_hostile_requests_get_json_errors_and_change_nothing(
    client: TestClient, db: Path, method: str, url: str, kwargs: dict, status: int
) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert "Traceback" not in json.dumps(body)
    if status >= 400:
        assert body["error"]
    if status == 200:
        assert body["events"] == []
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_ingest_needs_a_key_beyond_loopback(tmp_path: Path, coder: Coder) -> None:
    db = tmp_path / "open.duckdb"
    settings = Settings(api_key="s3cret", require_key=True)
    guarded = TestClient(create_app(db, coder=coder, settings=settings), base_url=LOCAL)
    story = {"articles": [{"text": STORY, "published": "2022-03-01", "id": "k1"}]}
    assert guarded.post("/api/v1/ingest", json=story).status_code == 403
    wrong = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "guess"})
    assert wrong.status_code == 403
    done = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "s3cret"})
    assert done.status_code == 200 and done.json()["new"] == 1
    again = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "s3cret"})
    assert again.json()["known"] == 1


def test_repeated_reads_are_cached_until_the_store_changes(tmp_path: Path, coder: Coder) -> None:
    client = TestClient(create_app(tmp_path / "cache.duckdb", coder=coder), base_url=LOCAL)
    first = client.get("/api/v1/events", params={"actor": "RUS"})
    assert first.headers["x-cache"] == "miss" and first.json()["events"] == []
    repeat = client.get("/api/v1/events", params={"actor": "RUS"})
    assert repeat.headers["x-cache"] == "hit" and repeat.content == first.content
    story = {"articles": [{"text": STORY, "published": "2022-03-01", "id": "c1"}]}
    assert client.post("/api/v1/ingest", json=story).json()["new"] == 1
    after = client.get("/api/v1/events", params={"actor": "RUS"})
    assert after.headers["x-cache"] == "miss" and after.json()["events"]


def test_series_places_network_and_evidence(client: TestClient) -> None:
    dyad = client.get("/api/v1/dyad/RUS/UKR", params={"freq": "day"}).json()["series"]
    series = client.get("/api/v1/series", params={"dyad": "UKR,RUS", "freq": "day"}).json()
    assert series["series"] == dyad
    page = client.get("/api/v1/events", params={"dyad": "RUS,UKR", "evidence": "true"}).json()
    assert page["events"]
    for event in page["events"]:
        assert {event["source_code"][:3], event["target_code"][:3]} == {"RUS", "UKR"}
        evidence = event["evidence"]
        trigger = next(m for m in evidence["marks"] if m["kind"] == "trigger")
        assert evidence["sentence"][trigger["start"] : trigger["end"]] == evidence["trigger"]
        assert event["cameo_name"]
    places = client.get("/api/v1/places").json()["places"]
    assert places and all(-90 <= p["latitude"] <= 90 for p in places)
    edges = client.get("/api/v1/network", params={"top": 10}).json()["edges"]
    assert edges and all(e["source"] != e["target"] for e in edges)
    assert any(e["conflict"] > 0 for e in edges)


def test_dashboard_and_its_assets_are_served_locally(client: TestClient) -> None:
    page = client.get("/", params={"dyad": "RUS,UKR", "freq": "week"})
    assert (
        page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    )
    assets = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    script = client.get("/static/app.js").text
    assert "http://" not in script and "https://" not in script
    world = client.get("/static/world_110m.json").json()
    assert world["type"] == "Topology" and len(world["objects"]["countries"]["geometries"]) > 150
    assert (
        client.get("/static/vendor/plotly.min.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_a_streamed_body_over_the_cap_is_refused(client: TestClient, db: Path) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    response = client.post(
        "/api/v1/code", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and "body over" in response.json()["error"]
    small = client.post(
        "/api/v1/code",
        content=iter([b'{"text": "Kerry met Lavrov."}']),
        headers={"content-type": "application/json"},
    )
    assert small.status_code == 200
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_explain_a_posted_sentence(client: TestClient) -> None:
    text = "Armenia and Azerbaijan agreed to hold talks in Geneva, officials said."
    reply = client.post("/api/v1/explain", json={"text": text, "published": "2025-03-01"})
    assert reply.status_code == 200
    body = reply.json()
    triggers = [t for s in body["trace"]["sentences"] for t in s["triggers"]]
    agreed = next(t for t in triggers if t["text"] == "agreed")
    assert agreed["outcome"] == "coded" and agreed["rule"] == body["events"][0]["rule"]
    assert any(step.startswith("modality: asserted") for step in agreed["steps"])
    assert client.post("/api/v1/explain", json={"text": ""}).status_code == 422


def test_only_the_names_of_this_server_are_answered(db: Path, coder: Coder) -> None:
    app = create_app(db, coder=coder, settings=Settings(allowed_hosts=("127.0.0.1", "news.lan")))
    for name in ("http://127.0.0.1:8000", "http://news.lan", "http://NEWS.LAN.:80"):
        assert TestClient(app, base_url=name).get("/api/v1/health").status_code == 200
    for name in ("http://attacker.example", "http://localhost.attacker.example"):
        refused = TestClient(app, base_url=name).get("/api/v1/health")
        assert refused.status_code == 400 and "--allow-host" in refused.json()["error"]
    ipv6 = create_app(db, coder=coder, settings=Settings(allowed_hosts=("::1",)))
    assert TestClient(ipv6, base_url="http://[::1]:8000").get("/").status_code == 200
    anyone = create_app(db, coder=coder, settings=Settings(allowed_hosts=("*",)))
    assert TestClient(anyone, base_url="http://a.example").get("/").status_code == 200


def test_the_cache_keys_on_what_a_query_means(client: TestClient) -> None:
    """Of one name's values the last counts, so their order changes the question; the order
    of different names does not."""
    usa_last = client.get("/api/v1/events?source=RUS&source=USA&limit=5")
    rus_last = client.get("/api/v1/events?source=USA&source=RUS&limit=5")
    assert rus_last.headers["x-cache"] == "miss"
    assert usa_last.json() == client.get("/api/v1/events?source=USA&limit=5").json()
    assert rus_last.json() == client.get("/api/v1/events?source=RUS&limit=5").json()
    assert rus_last.json() != usa_last.json()
    reordered = client.get("/api/v1/events?limit=5&source=RUS&source=USA")
    assert reordered.headers["x-cache"] == "hit" and reordered.content == usa_last.content


def test_a_story_over_the_text_cap_is_refused(db: Path, coder: Coder) -> None:
    app = create_app(db, coder=coder, settings=Settings(max_text=len(STORY)))
    client = TestClient(app, base_url=LOCAL)
    assert client.post("/api/v1/code", json={"text": STORY}).status_code == 200
    longer = client.post("/api/v1/code", json={"text": STORY + " More."})
    assert longer.status_code == 413 and "tocsin ingest" in longer.json()["error"]
    batch = {"articles": [{"text": STORY}, {"text": STORY + " More."}]}
    assert client.post("/api/v1/ingest", json=batch).status_code == 413
    assert client.post("/api/v1/explain", json={"text": STORY * 2}).status_code == 413


def test_a_full_coding_queue_answers_429_with_retry_after(db: Path, coder: Coder) -> None:
    started, release = threading.Event(), threading.Event()

    class Stalled(Coder):
        def code_article(self, article: Article) -> CodedArticle:
            started.set()
            release.wait(30)
            return super().code_article(article)

    app = create_app(db, coder=Stalled(nlp=coder.nlp), settings=Settings(coding_queue=0))
    client = TestClient(app, base_url=LOCAL)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/api/v1/code", json={"text": STORY})
        assert started.wait(30)
        refused = client.post("/api/v1/code", json={"text": STORY})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert client.get("/api/v1/health").status_code == 200  # reads do not wait
        release.set()
        assert first.result(timeout=30).status_code == 200
    assert client.post("/api/v1/code", json={"text": STORY}).status_code == 200


def test_coding_needs_the_key_beyond_loopback(db: Path, coder: Coder) -> None:
    settings = Settings(api_key="s3cret", require_key=True)
    client = TestClient(create_app(db, coder=coder, settings=settings), base_url=LOCAL)
    for path in ("/api/v1/code", "/api/v1/explain"):
        assert client.post(path, json={"text": STORY}).status_code == 403
        keyed = client.post(path, json={"text": STORY}, headers={"x-api-key": "s3cret"})
        assert keyed.status_code == 200
    assert client.get("/api/v1/health").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/static/index.html",
        "/static/app.js",
        "/static/vendor/plotly.min.js",
        "/api/v1/health",
        "/api/v1/events?limit=1",
        "/api/v1/events/999999",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/api/v1/docs-assets/swagger-ui.css",
        "/no/such/page",
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    if answer.headers["content-type"].startswith("text/html"):
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


def test_the_docs_page_allows_only_its_own_inline_script(client: TestClient) -> None:
    policy = client.get("/api/v1/docs").headers["content-security-policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy.split("script-src")[1]


def test_a_cors_preflight_may_ask_for_the_api_key_header(db: Path, coder: Coder) -> None:
    settings = Settings(cors_origins=("https://analyst.example",))
    client = TestClient(create_app(db, coder=coder, settings=settings), base_url=LOCAL)
    preflight = client.options(
        "/api/v1/ingest",
        headers={
            "origin": "https://analyst.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-api-key",
        },
    )
    assert preflight.status_code == 200
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    assert preflight.headers["access-control-allow-origin"] == "https://analyst.example"
