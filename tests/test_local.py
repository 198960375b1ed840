"""The hand-over endpoints a running server offers this machine's own commands, and the alerts
endpoint, through FastAPI's TestClient over real stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tocsin import Coder
from tocsin.api import Settings, create_app
from tocsin.local import KEY_HEADER, article_from_record, article_record, server_file
from tocsin.pipeline import ingest_articles
from tocsin.storage.store import Store

KEY = "local-test-key"
STORY = """Serbia recalls envoy

PUBLISHED: 2026-12-02

BELGRADE (Reuters) - Serbia recalled its ambassador to Croatia on Wednesday after a dispute
over a border crossing.

Reuters
"""


@pytest.fixture
def served(tmp_path: Path, coder: Coder) -> tuple[TestClient, Path]:
    db = tmp_path / "news.duckdb"
    Store(db).close()
    settings = Settings(local_key=KEY, local_url="http://127.0.0.1:1")
    app = create_app(db, coder=coder, settings=settings)
    return TestClient(app, base_url="http://127.0.0.1:8000"), db


def test_an_article_crosses_the_wire_unchanged(coder: Coder) -> None:
    article = coder.article_from_text(STORY, article_id="s1", url="https://example.org/s1")
    assert article.agencies and article.dateline and article.published
    assert article_from_record(json.loads(json.dumps(article_record(article)))) == article


def test_the_local_endpoints_need_the_key(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    assert client.post("/api/v1/local/stats", json={}).status_code == 403
    wrong = client.post("/api/v1/local/stats", json={}, headers={KEY_HEADER: "guess"})
    assert wrong.status_code == 403
    assert "/api/v1/local/{action}" not in client.get("/api/v1/openapi.json").json()["paths"]


def test_an_ingest_handed_over_stores_what_a_direct_one_does(
    served: tuple[TestClient, Path], coder: Coder, tmp_path: Path
) -> None:
    client, db = served
    article = coder.article_from_text(STORY, article_id="s1")
    with client:  # the lifespan writes the server file and removes it
        assert json.loads(server_file(db).read_text())["key"] == KEY
        answer = client.post(
            "/api/v1/local/ingest",
            json={"articles": [article_record(article)]},
            headers={KEY_HEADER: KEY},
        )
        assert answer.status_code == 200, answer.text
        assert (answer.json()["new"], answer.json()["alerts"]) == (1, 0)
        health = client.get("/api/v1/health").json()
        assert health["events"] >= 1 and health["alerts"] == 0 and health["updated"]
        rows = client.post(
            "/api/v1/local/events",
            json={"filter": {"actor": "SRB"}, "limit": 10, "offset": 0, "sort": "date"},
            headers={KEY_HEADER: KEY},
        ).json()
        recoded = client.post("/api/v1/local/recode", json={}, headers={KEY_HEADER: KEY})
        assert recoded.json()["skipped"] == 1 and recoded.json()["recoded"] == 0
        assert client.get("/api/v1/alerts").json() == {"alerts": []}
    assert not server_file(db).exists()
    direct = tmp_path / "direct.duckdb"
    with Store(direct) as store:
        ingest_articles(coder, store, [article])
    with Store(db, read_only=True) as handed, Store(direct, read_only=True) as done:
        query = "SELECT article_key, title, published, dateline, agencies, text FROM articles"
        assert handed._db.execute(query).fetchall() == done._db.execute(query).fetchall()
    assert [(r["source_code"], r["cameo"], r["target_code"]) for r in rows["rows"]] == [
        ("SRB", "161", "HRV")
    ]
    assert rows["total"] == 1


def test_alerts_endpoint_refuses_a_bad_date(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    answer = client.get("/api/v1/alerts?since=soon")
    assert answer.status_code == 400 and "since 'soon'" in answer.json()["error"]
