"""The demo service against a fake identity provider: an in-process Starlette app that
publishes discovery and a JWKS, and answers the token endpoint with an ES256 ID token for
the codes a test grants. (The real provider's flow is the interoperability tests' job.)"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tamtru.app import create_app
from tamtru.settings import Settings

ISSUER = "http://provider.test"
SERVICE = "http://tamtru.test"
CLIENT_ID = "tamtru-demo"
CLIENT_SECRET = "tamtru-demo-secret"
# 10:00 in Hà Nội on 15 September 2025.
NOW = datetime(2025, 9, 15, 3, 0, tzinfo=UTC)

CLAIMS: dict[str, Any] = {
    "name": "Nguyễn Thị Minh Anh",
    "family_name": "Nguyễn",
    "middle_name": "Thị Minh",
    "given_name": "Anh",
    "birthdate": "1990-05-17",
    "gender": "female",
    "dinhdanh_personal_id": "001190012345",
    "dinhdanh_permanent_residence": {
        "formatted": "Số 5 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "street_address": "Số 5 phố Hàng Bạc",
        "commune_code": "00070",
        "commune": "Phường Hoàn Kiếm",
        "province": "Thành phố Hà Nội",
    },
    "phone_number": "+84912345678",
    "phone_number_verified": True,
    "email": "minhanh@example.vn",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    """What the fake provider remembers of an authorization it granted."""

    nonce: str | None
    challenge: str
    redirect_uri: str
    claims: dict[str, Any]
    acr: str


@dataclass
class FakeProvider:
    """Discovery, JWKS, token and logout endpoints, like any OpenID provider."""

    key: ECKey = field(
        default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "k1"})
    )
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    # The key ID tokens are signed with (a test may swap in one the JWKS does not hold).
    signing_key: ECKey | None = None

    def app(self) -> Starlette:
        """The provider as an ASGI app."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/oidc/jwks", self.jwks),
                Route("/oidc/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/oidc/authorize",
                "token_endpoint": f"{ISSUER}/oidc/token",
                "jwks_uri": f"{ISSUER}/oidc/jwks",
                "end_session_endpoint": f"{ISSUER}/oidc/logout",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False, alg="ES256", use="sig")]})

    def grant(
        self, authorize_url: str, claims: dict[str, Any], *, acr: str = "urn:dinhdanh:loa:2"
    ) -> str:
        """Approve an authorization request: the callback URL the browser would follow."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            params.get("nonce"), params["code_challenge"], params["redirect_uri"], claims, acr
        )
        query = urlencode({"code": code, "state": params["state"], "iss": ISSUER})
        return f"{params['redirect_uri']}?{query}"

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.token_requests.append(
            {"form": form, "authorization": request.headers.get("authorization")}
        )
        basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != basic:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "sub": "pairwise-subject-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": grant.nonce,
            "acr": grant.acr,
            "amr": ["pwd"],
            "azp": CLIENT_ID,
            "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
            **grant.claims,
            **self.id_token_overrides,
        }
        id_token = jwt.encode({"alg": "ES256", "kid": "k1"}, payload, self.signing_key or self.key)
        self.issued.append(id_token)
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
                "scope": "openid profile address phone email identity residence",
            }
        )


@pytest.fixture
def provider() -> FakeProvider:
    """A fresh fake identity provider."""
    return FakeProvider()


@pytest.fixture
def service_settings(tmp_path: Path) -> Settings:
    """The service pointed at the fake provider, its files in a temporary folder."""
    return Settings(
        issuer=ISSUER,
        redirect_uri=f"{SERVICE}/auth/callback",
        post_logout_redirect_uri=f"{SERVICE}/",
        data_dir=tmp_path / "tamtru",
        session_secret="test-session-secret",
    )


@pytest.fixture
def service_app(service_settings: Settings, provider: FakeProvider) -> Starlette:
    """The service, talking to the fake provider, at a fixed time."""
    return create_app(
        service_settings, transport=httpx.ASGITransport(app=provider.app()), clock=lambda: NOW
    )


def browser(app: Starlette) -> httpx.AsyncClient:
    """A browser-like client of the service: cookies kept, redirects not followed."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVICE)


@pytest.fixture
async def service(service_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A citizen's browser."""
    async with browser(service_app) as client:
        yield client


async def sign_in(
    service: httpx.AsyncClient,
    provider: FakeProvider,
    claims: dict[str, Any] | None = None,
    *,
    acr: str = "urn:dinhdanh:loa:2",
) -> httpx.Response:
    """Go through the sign-in: the service's redirect, the provider's approval, the callback."""
    start = await service.get("/auth/login")
    assert start.status_code == 302, start.text
    callback = provider.grant(
        start.headers["location"], CLAIMS if claims is None else claims, acr=acr
    )
    return await service.get(callback)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
