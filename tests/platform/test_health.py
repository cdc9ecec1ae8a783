"""Health, readiness, metrics, OpenAPI and problem+json for unknown paths."""

from __future__ import annotations

import pytest

from dinhdanh.settings import Settings


async def test_healthz_and_readyz_answer(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "kv": "ok"}


async def test_metrics_are_for_the_scraper_only(app, client):
    assert (await client.get("/metrics")).status_code == 403  # a remote caller
    app.state.settings = app.state.settings.model_copy(update={"metrics_token": "scrape-me"})
    assert (
        await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    ).status_code == 403
    await client.get("/healthz")
    body = (await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).text
    assert 'dinhdanh_http_requests_total{method="GET",route="/healthz",status="200"}' in body


async def test_unknown_api_path_is_problem_json(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


async def test_openapi_document_is_served(client):
    doc = (await client.get("/openapi.json")).json()
    assert doc["info"]["title"] == "dinhdanh"


async def test_api_docs_are_served_without_a_cdn(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text
    assert (await client.get("/docs-assets/swagger-ui-bundle.js")).status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_demo_is_on_only_for_the_embedded_default(tmp_path):
    assert Settings(data_dir=tmp_path).demo is True
    pg = "postgresql+asyncpg://u@h/db"
    assert Settings(data_dir=tmp_path, database_url=pg).demo is False
    assert Settings(environment="production", database_url=pg, secret_key="k").demo is False
    with pytest.raises(ValueError, match="production"):
        Settings(environment="production", database_url=pg, secret_key="k", demo=True)
