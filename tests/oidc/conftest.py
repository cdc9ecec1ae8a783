"""Shared fixtures of the OpenID provider's tests: a registered relying party, a citizen
with an account, PKCE, HTTP Basic credentials, a clock that can be moved, and a code
written straight to `oidc_codes` (as the authorization endpoint would) to test the token
side on its own."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from dinhdanh.oidc.claims import claims_of
from dinhdanh.oidc.models import AuthorizationCode
from dinhdanh.platform import clock
from dinhdanh.platform.clock import FrozenClock, SystemClock
from dinhdanh.platform.crypto import token_digest
from tests.factories.accounts import Holder, create_holder
from tests.factories.partners import TestClient, create_relying_party

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def oidc_client(db, app) -> TestClient:
    """An approved partner's authorization-code client (refresh tokens, level 2)."""
    return await create_relying_party(db, app)


@pytest.fixture
async def holder(db, app) -> Holder:
    """A level-2 citizen with an e-ID account."""
    return await create_holder(db, app, activate=False)


@pytest.fixture
def moving_clock() -> Iterator[FrozenClock]:
    """The process clock, frozen at the real time and moved by the test."""
    frozen = FrozenClock(dt.datetime.now(dt.UTC))
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(SystemClock())


def basic(client: TestClient, secret: str | None = None) -> dict[str, str]:
    """HTTP Basic credentials of a client (RFC 6749 §2.3.1: form-encoded, then base64)."""
    raw = f"{quote(client.client_id, safe='')}:{quote(secret or client.secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(48)


async def issue_test_code(
    db,
    app,
    client: TestClient,
    holder: Holder,
    *,
    scopes: list[str] | None = None,
    claims: list[str] | None = None,
    nonce: str | None = "n-0S6_WzA2Mj",
    verifier: str,
    redirect_uri: str | None = None,
    level: int = 2,
    sid: str | None = "sid-test",
    seconds: int = 60,
) -> str:
    """An authorization code for the holder and client, as the authorization endpoint
    stores it (digest only, 60 s, S256 challenge of `verifier`); the code."""
    scopes = scopes if scopes is not None else ["openid", "profile", "identity"]
    code = secrets.token_urlsafe(32)
    now = clock.now()
    async with db.unit_of_work() as session:
        session.add(
            AuthorizationCode(
                code_digest=token_digest(code),
                id=uuid.uuid4(),
                client_id=client.client_id,
                citizen_id=holder.citizen_id,
                redirect_uri=redirect_uri or client.redirect_uri,
                scopes=scopes,
                claims=claims if claims is not None else claims_of(scopes),
                nonce=nonce,
                code_challenge=create_s256_code_challenge(verifier),
                level=level,
                amr=["pwd"],
                auth_time=now,
                sid=sid,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=seconds),
            )
        )
    return code


async def redeem(http, client: TestClient, code: str, verifier: str | None, **more: Any) -> Any:
    """POST the authorization_code grant; the response."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri}
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(more)
    return await http.post("/oidc/token", data=form, headers=basic(client))


async def sign_in_tokens(db, app, http, client: TestClient, holder: Holder, **code_args: Any):
    """A full token set for the holder at the client (through a test code); the JSON."""
    verifier = new_verifier()
    code = await issue_test_code(db, app, client, holder, verifier=verifier, **code_args)
    response = await redeem(http, client, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()
