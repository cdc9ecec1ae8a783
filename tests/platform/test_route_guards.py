"""Every route checks who may call it: anonymous callers are refused everywhere but the
few public routes, and officers are refused the administrators' routes."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/lang/{lang}"),
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/totp"),
    ("POST", "/login/totp"),
    ("POST", "/logout"),
    ("GET", "/staff/invite/{token}"),
    ("POST", "/staff/invite/{token}/password"),
    ("POST", "/staff/invite/{token}/totp"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/totp"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/demo/inbox"),  # demo mode only (404 here), and open to anyone there
    # The citizen's sign-in steps: each checks the pending step its cookie or token names.
    ("GET", "/me/login"),
    ("POST", "/me/login"),
    ("GET", "/me/login/verify"),
    ("POST", "/me/login/verify"),
    ("POST", "/me/login/send-code"),
    ("POST", "/me/login/passkey/options"),
    ("POST", "/me/login/passkey"),
    ("GET", "/me/activate"),
    ("POST", "/me/activate"),
    ("GET", "/me/unlock"),
    ("POST", "/me/unlock"),
    ("POST", "/me/logout"),
    ("GET", "/me/forgot"),
    ("POST", "/me/forgot"),
    ("POST", "/me/forgot/code"),
    ("POST", "/me/forgot/factor"),
    ("POST", "/me/forgot/password"),
    ("POST", "/api/app/v1/sign-in"),
    ("POST", "/api/app/v1/sign-out"),
    ("POST", "/api/app/v1/password-reset"),
    ("POST", "/api/app/v1/password-reset/code"),
    ("POST", "/api/app/v1/password-reset/factor"),
    ("POST", "/api/app/v1/password-reset/password"),
    # The OpenID provider: public documents; the front channel, which checks the request
    # and sends an unsigned-in citizen to the sign-in page; the back channel, where each
    # endpoint authenticates the client itself (tests/oidc/test_client_auth.py).
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/oidc/jwks"),
    ("GET", "/oidc/authorize"),
    ("POST", "/oidc/authorize"),
    ("GET", "/oidc/authorize/resume/{pending_id}"),
    ("GET", "/oidc/consent"),
    ("POST", "/oidc/consent"),
    ("POST", "/oidc/par"),
    ("POST", "/oidc/revoke"),
    ("POST", "/oidc/introspect"),
    ("GET", "/oidc/logout"),
    ("POST", "/oidc/logout"),
    ("POST", "/oidc/logout/confirm"),
    # The applicant follows a card application by reference and personal ID (rate-limited).
    ("GET", "/applications/status"),
    ("POST", "/applications/status"),
    # Level-1 registration: the person has no account yet; each later step checks the
    # registration's token (the pages' cookie, the app's bearer token).
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/register/phone"),
    ("POST", "/register/phone"),
    ("POST", "/register/phone/resend"),
    ("GET", "/register/card"),
    ("POST", "/register/card"),
    ("GET", "/register/status"),
    ("POST", "/api/app/v1/level1/registrations"),
}
DUMMY = {"id": "6f1c2b9e-0000-4000-8000-000000000000", "code": "CAX-00004"}


def _api_routes(routes, prefix: str = "") -> list[tuple[APIRoute, str]]:
    """The app's routes with their full paths, looking inside included routers (a router
    included in another carries the prefix it was included under)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append((route, prefix + route.path))
        elif hasattr(route, "original_router"):  # FastAPI's included router
            found += _api_routes(
                route.original_router.routes, prefix + route.include_context.prefix
            )
    return found


def _routes(app) -> list[tuple[str, str, str]]:
    found = []
    for route, path in _api_routes(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            url = re.sub(r"\{(\w+)\}", lambda m: DUMMY.get(m.group(1), "x1"), path)
            found.append((method, path, url))
    return found


async def test_every_private_route_refuses_an_anonymous_caller(app, client):
    checked = 0
    for method, path, url in _routes(app):
        if (method, path) in PUBLIC:
            continue
        response = await client.request(method, url, headers={"Accept": "application/json"})
        assert response.status_code in (401, 403), (method, path, response.status_code)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("prefix", ["/admin/", "/api/v1/staff", "/api/v1/units", "/api/v1/audit"])
async def test_administration_refuses_an_officer(app, client, prefix):
    await sign_in_as(client, app, roles=("officer",), scope=Scope("commune", "01", "00004"))
    routes = [r for r in _routes(app) if r[1].startswith(prefix)]
    assert routes
    for method, path, url in routes:
        response = await client.request(method, url, headers={"Accept": "application/json"})
        assert response.status_code == 403, (method, path, response.status_code)


async def test_a_staff_member_is_rate_limited(app, client):
    app.state.settings = app.state.settings.model_copy(update={"api_rate_limit": "3/minute"})
    await sign_in_as(client, app, roles=("officer",), scope=Scope("commune", "01", "00004"))
    codes = [
        (await client.get("/api/v1/citizens", params={"personal_id": "001090000001"})).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
