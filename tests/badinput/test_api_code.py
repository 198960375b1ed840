"""The corpus's story records, one `POST /api/v1/code` each: no 500, a good story coded, a
bad one answered 400 with the message the CLI gives, or, where the request schema answers
first (a body too deep to parse, a field no string), with the answer the case names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tocsin import Coder
from tocsin.api import create_app

from .corpus import LIMITS, RECORDS, RecordCase

pytestmark = pytest.mark.timeout(120)


def body(case: RecordCase) -> bytes:
    """The request body: the record as a story, or the raw line when it is no object."""
    if case.raw is not None:
        return case.raw.encode("utf-8", "surrogatepass")
    record = dict(case.record or {})
    if "published" in record and not isinstance(record["published"], str | None):
        record["published"] = json.dumps(record["published"])
    return json.dumps(record).encode()


def test_post_code_answers_every_record(coder: Coder, tmp_path: Path) -> None:
    small = Coder(nlp=coder.nlp, limits=LIMITS)
    client = TestClient(
        create_app(tmp_path / "api.duckdb", coder=small), base_url="http://127.0.0.1"
    )
    wrong = []
    for case in RECORDS:
        answer = client.post(
            "/api/v1/code", content=body(case), headers={"content-type": "application/json"}
        )
        if case.api is not None:
            ok = answer.status_code == case.api[0] and case.api[1] in answer.json()["error"]
        elif case.good:
            ok = answer.status_code == 200 and (answer.json()["events"] or not case.events)
        elif answer.status_code == 400:
            ok = case.message in answer.json()["error"]
        else:
            ok = answer.status_code == 422 and bool(answer.json()["error"])
        if not ok:
            wrong.append((case.name, answer.status_code, answer.text[:200]))
    assert wrong == [], "\n".join(map(str, wrong))
