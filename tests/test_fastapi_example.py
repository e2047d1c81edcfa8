"""The FastAPI example (examples/fastapi_pageviews.py) through FastAPI's TestClient, on
embedded ClickHouse (chDB) in a database of its own."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickorm import ConnectionManager, use
from clickorm.connection.manager import reset_managers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import fastapi_pageviews  # noqa: E402


@pytest.fixture
def client() -> Iterator[TestClient]:
    reset_managers()
    database = f"api_{uuid.uuid4().hex[:8]}"
    manager = use(ConnectionManager("clickhouse+embedded://", database=database))
    try:
        with TestClient(fastapi_pageviews.app) as test_client:
            yield test_client
        manager.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
    finally:
        reset_managers()


def view(path: str, ms: int, ts: str = "2026-11-02T10:00:00", **extra: Any) -> dict[str, Any]:
    return {"ts": ts, "user_id": 7, "path": path, "country": "NO", "device": "mobile",
            "latency_ms": ms, **extra}


def test_write_then_read_through_the_api(client: TestClient) -> None:
    created = client.post("/views", json=view("/docs", 120))
    assert created.status_code == 201, created.text
    assert created.json() == {**view("/docs", 120), "status": 200}

    batch = [view("/", 10 + i, ts=f"2026-11-02T11:00:{i:02d}") for i in range(30)]
    batch += [view("/pricing", 50, status=404)]
    assert client.post("/views/batch", json=batch).json() == {"inserted": 31}

    top = client.get("/pages/top", params={"limit": 2}).json()
    assert top == [{"path": "/", "views": 30}, {"path": "/docs", "views": 1}]

    latest = client.get("/views", params={"path": "/", "limit": 3}).json()
    assert [v["latency_ms"] for v in latest] == [39, 38, 37]
    assert client.get("/views").status_code == 200

    stats = client.get("/pages/stats", params={"path": "/"}).json()
    assert stats["views"] == 30 and stats["last_seen"] == "2026-11-02T11:00:29"
    assert 36 <= stats["p95_ms"] <= 39
    assert client.get("/pages/stats", params={"path": "/nowhere"}).status_code == 404


def test_the_model_validates_request_bodies(client: TestClient) -> None:
    too_slow = client.post("/views", json=view("/", 2**32))  # latency_ms is a UInt32
    assert too_slow.status_code == 422
    assert client.post("/views", json=view("/", 1, device="fridge")).status_code == 422
    assert client.get("/pages/top").json() == []


def test_the_openapi_schema_comes_from_the_model(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    fields = schema["components"]["schemas"]["PageView"]["properties"]
    assert {"ts", "user_id", "path", "country", "device", "latency_ms", "status"} <= set(fields)
