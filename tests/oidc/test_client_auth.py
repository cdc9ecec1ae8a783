"""Client authentication: each client by the method it registered (client_secret_basic or
private_key_jwt), a signed assertion used once, and a client of a partner that is not
approved refused like a wrong secret."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from dinhdanh.oidc.client_auth import ASSERTION_TYPE
from dinhdanh.partners.clients import secret_digest
from dinhdanh.partners.models import PartnerClient
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic

ISSUER = "http://127.0.0.1:8000"
TOKEN_URL = ISSUER + "/oidc/token"
CC = {"grant_type": "client_credentials"}


async def api_client(db, app, **fields):
    values = {
        "grant_types": ["client_credentials"],
        "scopes": [],
        "required_claims": [],
        "redirect_uris": [],
        "post_logout_redirect_uris": [],
    }
    values.update(fields)
    return await create_relying_party(db, app, kind="document_issuer", **values)


@pytest.fixture(scope="module")
def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "ec-1"})


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})


@pytest.fixture
async def jwt_client(db, app, ec_key, rsa_key):
    jwks = {"keys": [ec_key.as_dict(private=False), rsa_key.as_dict(private=False)]}
    return await api_client(db, app, auth_method="private_key_jwt", secret_digest=None, jwks=jwks)


def assertion(client_id: str, key, alg: str = "ES256", **claims) -> str:
    now = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": TOKEN_URL,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    body.update(claims)
    # A claim given as None is left out.
    return jwt.encode(
        {"alg": alg, "kid": key.kid}, {k: v for k, v in body.items() if v is not None}, key
    )


def with_assertion(token: str, **form: str) -> dict[str, str]:
    return {**CC, "client_assertion_type": ASSERTION_TYPE, "client_assertion": token, **form}


async def test_client_secret_basic(db, app, client):
    rp = await api_client(db, app)
    assert (await client.post("/oidc/token", data=CC, headers=basic(rp))).status_code == 200
    wrong = await client.post("/oidc/token", data=CC, headers=basic(rp, "wrong-secret"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


async def test_an_unknown_client_is_invalid_client(client, oidc_client):
    oidc_client.client_id = "rp-nobody"
    response = await client.post("/oidc/token", data=CC, headers=basic(oidc_client))
    assert response.status_code == 401


async def test_malformed_basic_credentials_are_invalid_client(client):
    for header in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = await client.post("/oidc/token", data=CC, headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_the_previous_secret_works_until_its_grace_period_ends(db, app, client):
    rp = await api_client(db, app)
    new_secret = secrets.token_urlsafe(32)
    async with db.unit_of_work() as session:
        row = await session.get(PartnerClient, rp.client_id)
        row.previous_secret_digest = row.secret_digest
        row.previous_secret_expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        row.secret_digest = secret_digest(app.state.cipher, new_secret)
    assert (await client.post("/oidc/token", data=CC, headers=basic(rp))).status_code == 200
    fresh = basic(rp, new_secret)
    assert (await client.post("/oidc/token", data=CC, headers=fresh)).status_code == 200


async def test_a_form_client_id_must_match_the_basic_one(db, app, client):
    rp = await api_client(db, app)
    response = await client.post(
        "/oidc/token", data={**CC, "client_id": "someone-else"}, headers=basic(rp)
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_client_secret_post_is_not_offered(db, app, client):
    rp = await api_client(db, app)
    response = await client.post(
        "/oidc/token", data={**CC, "client_id": rp.client_id, "client_secret": rp.secret}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
async def test_private_key_jwt(client, jwt_client, ec_key, rsa_key, alg):
    key = ec_key if alg == "ES256" else rsa_key
    token = assertion(jwt_client.client_id, key, alg)
    response = await client.post("/oidc/token", data=with_assertion(token))
    assert response.status_code == 200, response.text


async def test_the_issuer_is_an_accepted_audience(client, jwt_client, ec_key):
    token = assertion(jwt_client.client_id, ec_key, aud=[ISSUER])
    assert (await client.post("/oidc/token", data=with_assertion(token))).status_code == 200


async def test_an_assertion_is_used_once(client, jwt_client, ec_key):
    token = assertion(jwt_client.client_id, ec_key)
    assert (await client.post("/oidc/token", data=with_assertion(token))).status_code == 200
    replay = await client.post("/oidc/token", data=with_assertion(token))
    assert replay.status_code == 401
    assert replay.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion already used",
    }


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://elsewhere.example/token"},
        {"exp": int(time.time()) - 120},
        {"sub": "another-client"},
        {"jti": None},
        {"exp": int(time.time()) + 3 * 24 * 3600},
    ],
    ids=["audience", "expired", "subject", "no-jti", "too-long"],
)
async def test_a_wrong_assertion_is_invalid_client(client, jwt_client, ec_key, claims):
    token = assertion(jwt_client.client_id, ec_key, **claims)
    response = await client.post("/oidc/token", data=with_assertion(token))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_an_assertion_signed_by_an_unregistered_key_is_refused(client, jwt_client):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
    token = assertion(jwt_client.client_id, stranger)
    response = await client.post("/oidc/token", data=with_assertion(token))
    assert response.status_code == 401


async def test_each_client_only_by_its_registered_method(db, app, client, jwt_client, ec_key):
    # A private_key_jwt client cannot use a secret, a secret client cannot use a JWT.
    jwt_client.secret = "whatever"
    assert (await client.post("/oidc/token", data=CC, headers=basic(jwt_client))).status_code == 401
    secret_client = await api_client(db, app, jwks={"keys": [ec_key.as_dict(private=False)]})
    token = assertion(secret_client.client_id, ec_key)
    assert (await client.post("/oidc/token", data=with_assertion(token))).status_code == 401


async def test_a_pending_partner_is_invalid_client(db, app, client):
    rp = await api_client(db, app, status="pending")
    assert (await client.post("/oidc/token", data=CC, headers=basic(rp))).status_code == 401


async def test_a_client_of_a_suspended_partner_fails_at_every_endpoint(db, app, client):
    rp = await create_relying_party(db, app, status="suspended")
    for path, form in (
        ("/oidc/token", {"grant_type": "refresh_token", "refresh_token": "x"}),
        ("/oidc/introspect", {"token": "x"}),
        ("/oidc/revoke", {"token": "x"}),
    ):
        response = await client.post(path, data=form, headers=basic(rp))
        assert response.status_code == 401, path
        assert response.json()["error"] == "invalid_client"
