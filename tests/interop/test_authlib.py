"""Authlib's OAuth 2 client (httpx) against dinhdanh: the code flow with PKCE, the ID token
validated with Authlib's own OpenID claims rules against the JWKS, userinfo, refresh,
introspection and revocation; and the negative cases of the issue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.httpx_client.oauth2_client import OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet

from tests.interop.conftest import REDIRECT_URI, Browser, Provider, query_of

pytestmark = pytest.mark.e2e

SCOPE = "openid profile identity residence"


@pytest.fixture(scope="module")
def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document."""
    return httpx.get(f"{provider.url}/.well-known/openid-configuration").json()


@pytest.fixture
def rp(provider: Provider) -> Iterator[OAuth2Client]:
    """Authlib's client registered as `interop-rp`."""
    with OAuth2Client(
        "interop-rp",
        provider.secret("interop-rp"),
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    ) as client:
        yield client


class Attempt:
    """One authorization request made by Authlib: its URL, verifier and nonce."""

    def __init__(self, rp: OAuth2Client, metadata: dict[str, Any], **params: str) -> None:
        self.verifier = generate_token(48)
        self.nonce = generate_token(20)
        self.url, self.state = rp.create_authorization_url(
            metadata["authorization_endpoint"],
            code_verifier=self.verifier,
            nonce=self.nonce,
            **params,
        )


def validated_id_token(
    metadata: dict[str, Any], token: dict[str, Any], nonce: str, client_id: str = "interop-rp"
) -> CodeIDToken:
    """The ID token's signature checked against the JWKS, then its claims by Authlib's
    OpenID Connect rules (iss, aud, exp, iat, nonce, at_hash)."""
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["ES256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [metadata["issuer"]]}, "aud": {"essential": True, "value": client_id}},
        {"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=30)
    return claims


def test_the_whole_flow_with_authlib(
    rp: OAuth2Client, metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    attempt = Attempt(rp, metadata)
    callback = browser.authorize(attempt.url, provider.people["level2"])
    assert query_of(callback)["iss"] == metadata["issuer"]
    token = rp.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=attempt.verifier
    )
    claims = validated_id_token(metadata, token, attempt.nonce)
    assert claims["acr"] == "urn:dinhdanh:loa:2"
    assert "dinhdanh_personal_id" not in claims  # the data comes from userinfo

    userinfo = rp.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["dinhdanh_personal_id"] == provider.people["level2"]
    assert userinfo["birthdate"] == "1990-05-17"

    refreshed = rp.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    active = rp.introspect_token(metadata["introspection_endpoint"], refreshed["access_token"])
    assert active.json()["active"] is True

    rp.revoke_token(metadata["revocation_endpoint"], refreshed["refresh_token"])
    with pytest.raises(OAuthError) as refused:
        rp.refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
    assert refused.value.error == "invalid_grant"
    # Revoking the refresh token ended its family: the access token died with it.
    gone = rp.introspect_token(metadata["introspection_endpoint"], refreshed["access_token"])
    assert gone.json() == {"active": False}


def test_a_replayed_code_is_refused_and_revokes_the_first_tokens(
    rp: OAuth2Client, metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    attempt = Attempt(rp, metadata)
    callback = browser.authorize(attempt.url, provider.people["level2"])
    first = rp.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=attempt.verifier
    )
    with pytest.raises(OAuthError) as replay:
        rp.fetch_token(
            metadata["token_endpoint"],
            authorization_response=callback,
            code_verifier=attempt.verifier,
        )
    assert replay.value.error == "invalid_grant"
    check = rp.introspect_token(metadata["introspection_endpoint"], first["access_token"])
    assert check.json() == {"active": False}


def test_a_wrong_client_secret_is_refused(
    metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    with OAuth2Client(
        "interop-rp", "wrong", scope=SCOPE, redirect_uri=REDIRECT_URI, code_challenge_method="S256"
    ) as wrong:
        attempt = Attempt(wrong, metadata)
        callback = browser.authorize(attempt.url, provider.people["level2"])
        with pytest.raises(OAuthError) as refused:
            wrong.fetch_token(
                metadata["token_endpoint"],
                authorization_response=callback,
                code_verifier=attempt.verifier,
            )
    assert refused.value.error == "invalid_client"


def test_a_nonce_mismatch_fails_authlib_s_checks(
    rp: OAuth2Client, metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    attempt = Attempt(rp, metadata)
    callback = browser.authorize(attempt.url, provider.people["level2"])
    token = rp.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=attempt.verifier
    )
    with pytest.raises(InvalidClaimError, match="nonce"):
        validated_id_token(metadata, token, "not-the-nonce-sent")


def test_a_wrong_redirect_uri_never_redirects(
    metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    with OAuth2Client(
        "interop-rp",
        provider.secret("interop-rp"),
        scope=SCOPE,
        redirect_uri="https://attacker.example/cb",
        code_challenge_method="S256",
    ) as evil:
        attempt = Attempt(evil, metadata)
    page = browser.http.get(attempt.url)
    assert page.status_code == 400
    assert "attacker.example" not in page.headers.get("location", "")


def test_missing_pkce_goes_back_as_an_error(
    metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    with OAuth2Client(
        "interop-rp", provider.secret("interop-rp"), scope=SCOPE, redirect_uri=REDIRECT_URI
    ) as no_pkce:
        url, state = no_pkce.create_authorization_url(
            metadata["authorization_endpoint"], nonce=generate_token(20)
        )
    back = browser.authorize(url, None)
    assert query_of(back)["error"] == "invalid_request"
    assert query_of(back)["state"] == state


def test_a_suspended_partner_gets_no_sign_in(
    metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    with OAuth2Client(
        "interop-suspended",
        provider.secret("interop-suspended"),
        scope="openid profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    ) as suspended:
        attempt = Attempt(suspended, metadata)
    page = browser.http.get(attempt.url)
    assert page.status_code in (400, 403)
    assert "location" not in page.headers


def test_a_level_1_citizen_meets_a_level_2_service(
    rp: OAuth2Client, metadata: dict[str, Any], provider: Provider, browser: Browser
) -> None:
    attempt = Attempt(rp, metadata)
    response = browser.http.get(attempt.url)
    signed = browser.sign_in(
        provider.people["level1"], query_of(response.headers["location"])["next"]
    )
    page = browser.http.get(signed.headers["location"])
    while page.status_code in (302, 303):
        page = browser.http.get(page.headers["location"])
    assert page.status_code == 403
    assert "2" in page.text  # the page names the level needed
    back = query_of(_go_back_link(page.text))
    assert back["error"] == "access_denied"
    assert back["state"] == attempt.state


def _go_back_link(html: str) -> str:
    found = re.search(r'href="(http://127\.0\.0\.1:9/cb\?[^"]+)"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")
