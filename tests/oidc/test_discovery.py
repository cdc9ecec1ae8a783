"""Discovery: the metadata names every endpoint and exactly what the provider supports."""

from __future__ import annotations

import httpx

from dinhdanh.oidc.claims import ALL_CLAIMS, SCOPES

ISSUER = "http://127.0.0.1:8000"


async def test_the_metadata_lists_what_is_supported(client):
    response = await client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    meta = response.json()
    assert meta["issuer"] == ISSUER
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
    ]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["subject_types_supported"] == ["pairwise"]
    assert meta["id_token_signing_alg_values_supported"] == ["ES256"]
    for endpoint in ("token", "revocation", "introspection"):
        assert meta[f"{endpoint}_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "private_key_jwt",
        ]
        assert meta[f"{endpoint}_endpoint_auth_signing_alg_values_supported"] == [
            "ES256",
            "RS256",
        ]
    assert set(ALL_CLAIMS) <= set(meta["claims_supported"])
    assert meta["scopes_supported"] == list(SCOPES)
    assert meta["acr_values_supported"] == ["urn:dinhdanh:loa:1", "urn:dinhdanh:loa:2"]
    assert meta["claims_parameter_supported"] is True
    assert meta["request_uri_parameter_supported"] is False
    assert meta["require_pushed_authorization_requests"] is False
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["frontchannel_logout_supported"] is False
    assert meta["ui_locales_supported"] == ["vi", "en"]
    assert "none" not in meta["token_endpoint_auth_methods_supported"]


async def test_every_endpoint_is_under_the_issuer(client):
    meta = (await client.get("/.well-known/openid-configuration")).json()
    paths = {
        "authorization_endpoint": "/oidc/authorize",
        "pushed_authorization_request_endpoint": "/oidc/par",
        "token_endpoint": "/oidc/token",
        "userinfo_endpoint": "/oidc/userinfo",
        "jwks_uri": "/oidc/jwks",
        "end_session_endpoint": "/oidc/logout",
        "revocation_endpoint": "/oidc/revoke",
        "introspection_endpoint": "/oidc/introspect",
    }
    for name, path in paths.items():
        assert meta[name] == ISSUER + path


async def test_the_published_endpoints_answer_software_without_cookies(app):
    # A relying party's back end: no CSRF cookie or header, as any OAuth client.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as rp:
        meta = (await rp.get("/.well-known/openid-configuration")).json()
        jwks = await rp.get(meta["jwks_uri"].removeprefix(ISSUER))
        assert jwks.status_code == 200 and jwks.json()["keys"]
        for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
            rp.cookies.clear()
            response = await rp.post(meta[name].removeprefix(ISSUER), data={"token": "x"})
            # Reached and asking the client to authenticate: not a 404, not a CSRF refusal.
            assert response.status_code == 401, name
            assert response.json()["error"] == "invalid_client"
        rp.cookies.clear()
        userinfo = await rp.post(meta["userinfo_endpoint"].removeprefix(ISSUER))
        assert userinfo.status_code == 401
        assert userinfo.headers["www-authenticate"] == "Bearer"
