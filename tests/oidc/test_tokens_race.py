"""Two redemptions of one authorization code at the same moment, on two real database
connections (outside the per-test savepoint, on a database of their own): exactly one
token set comes out, and the losing attempt revokes it. The same for a refresh token
presented twice at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from dinhdanh.app import create_app
from dinhdanh.oidc.models import RefreshToken
from dinhdanh.platform.db import Database
from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic, issue_test_code, new_verifier, redeem, sign_in_tokens


@pytest.fixture
async def live(settings, live_db, kv) -> AsyncIterator[tuple[Database, object, httpx.AsyncClient]]:
    app = create_app(settings, db=live_db, kv=kv)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield live_db, app, http


async def family_rows(db: Database, client_id: str) -> list[RefreshToken]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(RefreshToken).where(RefreshToken.client_id == client_id)
        )
        return list(rows)


@pytest.mark.slow
async def test_a_code_redeemed_twice_at_once_yields_one_token_set_that_the_second_revokes(live):
    db, app, http = live
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app, activate=False)
    verifier = new_verifier()
    code = await issue_test_code(db, app, rp, holder, verifier=verifier)
    await http.get("/oidc/jwks")  # the first signing key, made before the race

    first, second = await asyncio.gather(
        redeem(http, rp, code, verifier), redeem(http, rp, code, verifier)
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 400]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["error"] == "invalid_grant"

    tokens = winner.json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await http.get("/oidc/userinfo", headers=bearer)).status_code == 401
    refreshed = await http.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(rp),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    rows = await family_rows(db, rp.client_id)
    assert len(rows) == 1 and rows[0].revoked_at is not None


@pytest.mark.slow
async def test_a_refresh_token_presented_twice_at_once_ends_the_family(live):
    db, app, http = live
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app, activate=False)
    tokens = await sign_in_tokens(db, app, http, rp, holder)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    first, second = await asyncio.gather(
        http.post("/oidc/token", data=form, headers=basic(rp)),
        http.post("/oidc/token", data=form, headers=basic(rp)),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 400]
    winner = first if first.status_code == 200 else second
    rotated = winner.json()
    bearer = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await http.get("/oidc/userinfo", headers=bearer)).status_code == 401
    rows = await family_rows(db, rp.client_id)
    assert len(rows) == 2 and all(r.revoked_at is not None for r in rows)
