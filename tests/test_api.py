"""The HTTP API through FastAPI's TestClient, against a real DuckDB store of our stories."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tocsin import Coder
from tocsin.api import MAX_BODY_BYTES, create_app
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "stories.jsonl"
STORY = "Russian forces shelled Kharkiv on Monday, Ukrainian officials said."


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    path = tmp_path_factory.mktemp("api") / "events.duckdb"
    with Store(path) as store:
        ingest_articles(coder, store, coder.read_articles([str(CORPUS)], on_problem=print))
    return path


@pytest.fixture(scope="module")
def client(db: Path, coder: Coder) -> TestClient:
    return TestClient(create_app(db, coder=coder), raise_server_exceptions=False)


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
    guarded = TestClient(create_app(db, coder=coder, api_key="s3cret", require_key=True))
    story = {"articles": [{"text": STORY, "published": "2022-03-01", "id": "k1"}]}
    assert guarded.post("/api/v1/ingest", json=story).status_code == 403
    wrong = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "guess"})
    assert wrong.status_code == 403
    done = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "s3cret"})
    assert done.status_code == 200 and done.json()["new"] == 1
    again = guarded.post("/api/v1/ingest", json=story, headers={"x-api-key": "s3cret"})
    assert again.json()["known"] == 1


def test_repeated_reads_are_cached_until_the_store_changes(tmp_path: Path, coder: Coder) -> None:
    client = TestClient(create_app(tmp_path / "cache.duckdb", coder=coder))
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
