"""Health, readiness, metrics and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from dinhdanh.platform.crypto import constant_time_equals
from dinhdanh.platform.errors import Forbidden
from dinhdanh.platform.i18n import LANGUAGES
from dinhdanh.platform.web import LANG_COOKIE, safe_next

router = APIRouter(tags=["platform"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Readiness: the database and the key-value store both answer."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.db.connection() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash
        checks["database"] = type(exc).__name__
    try:
        await request.app.state.kv.ping()
        checks["kv"] = "ok"
    except Exception as exc:  # report, don't crash
        checks["kv"] = type(exc).__name__
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: for the scraper only (its bearer token, or this machine)."""
    token = request.app.state.settings.metrics_token
    sent = request.headers.get("authorization", "")
    if token:
        allowed = constant_time_equals(sent, f"Bearer {token}")
    else:
        allowed = request.client is not None and request.client.host in ("127.0.0.1", "::1")
    if not allowed:
        raise Forbidden()
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/lang/{lang}", include_in_schema=False)
async def switch_language(lang: str, next: str = "/") -> Response:
    """Switch the page language and go back where the user was."""
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dinhdanh API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script></body></html>"""


@router.get("/docs", include_in_schema=False)
async def api_docs() -> Response:
    """Swagger UI served from the `swagger-ui-bundle` package (no CDN, strict CSP)."""
    return HTMLResponse(DOCS_PAGE)
