"""The refresh-token grant: rotation at each use, a reused token ends its whole family
(its live access token too), scope may narrow and never widen, and a locked account or a
suspended partner ends the tokens."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from dinhdanh.accounts.locks import lock
from dinhdanh.accounts.models import Account
from dinhdanh.oidc.models import RefreshToken
from dinhdanh.partners.service import suspend_partner
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import token_digest
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic, sign_in_tokens


async def refresh(http, rp, token: str, **more: str):
    return await http.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": token, **more},
        headers=basic(rp),
    )


async def userinfo(http, access_token: str):
    return await http.get("/oidc/userinfo", headers={"Authorization": f"Bearer {access_token}"})


async def claims_of_id_token(http, token: str) -> dict:
    keys = KeySet.import_key_set((await http.get("/oidc/jwks")).json())
    return jwt.decode(token, keys, algorithms=["ES256"]).claims


async def test_each_refresh_rotates_the_refresh_token(db, app, client, oidc_client, holder):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    second = await refresh(client, oidc_client, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["scope"] == first["scope"]
    third = await refresh(client, oidc_client, body["refresh_token"])
    assert third.status_code == 200
    async with db.unit_of_work() as session:
        rows = list(
            await session.scalars(
                select(RefreshToken).where(RefreshToken.client_id == oidc_client.client_id)
            )
        )
    assert len(rows) == 3 and len({r.family_id for r in rows}) == 1
    assert sum(r.used_at is None for r in rows) == 1


async def test_a_reused_refresh_token_revokes_the_family_and_its_live_access_token(
    db, app, client, oidc_client, holder
):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    rotated = (await refresh(client, oidc_client, first["refresh_token"])).json()
    assert (await userinfo(client, rotated["access_token"])).status_code == 200

    reuse = await refresh(client, oidc_client, first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    # The whole family ended: the newest refresh token and the live access token too.
    assert (await refresh(client, oidc_client, rotated["refresh_token"])).json()[
        "error"
    ] == "invalid_grant"
    refused = await userinfo(client, rotated["access_token"])
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    async with db.unit_of_work() as session:
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "oidc.tokens_revoked",
                AuditEvent.citizen_id == holder.citizen_id,
            )
        )
    assert event is not None and event.data["reason"] == "refresh_token_reused"


async def test_scope_may_narrow_but_never_widen(db, app, client, oidc_client, holder):
    first = await sign_in_tokens(
        db, app, client, oidc_client, holder, scopes=["openid", "profile", "identity"]
    )
    narrow = await refresh(client, oidc_client, first["refresh_token"], scope="openid profile")
    assert narrow.status_code == 200
    body = narrow.json()
    assert body["scope"] == "openid profile"
    info = (await userinfo(client, body["access_token"])).json()
    assert info["name"] == "Nguyễn Văn An"
    assert "dinhdanh_personal_id" not in info
    # The rotated refresh token keeps the whole grant: a later refresh may ask it all.
    full = await refresh(client, oidc_client, body["refresh_token"])
    assert full.json()["scope"] == "openid profile identity"

    wider = await refresh(
        client, oidc_client, full.json()["refresh_token"], scope="openid profile phone"
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


async def test_the_refreshed_id_token_names_the_sign_in_but_releases_no_data(
    db, app, client, oidc_client, holder
):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    original = await claims_of_id_token(client, first["id_token"])
    body = (await refresh(client, oidc_client, first["refresh_token"])).json()
    renewed = await claims_of_id_token(client, body["id_token"])
    assert renewed["sub"] == original["sub"]
    assert renewed["auth_time"] == original["auth_time"]
    assert renewed["acr"] == original["acr"] and renewed["sid"] == original["sid"]
    assert "nonce" not in renewed
    assert "name" not in renewed and "dinhdanh_personal_id" not in renewed


async def test_another_clients_refresh_token_is_refused_and_left_usable(
    db, app, client, oidc_client, holder
):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    other = await create_relying_party(db, app)
    stolen = await refresh(client, other, first["refresh_token"])
    assert stolen.json()["error"] == "invalid_grant"
    assert (await refresh(client, oidc_client, first["refresh_token"])).status_code == 200


async def test_an_expired_refresh_token_is_refused(db, app, client, holder, moving_clock):
    rp = await create_relying_party(db, app, refresh_token_seconds=3600)
    first = await sign_in_tokens(db, app, client, rp, holder)
    moving_clock.advance(seconds=3601)
    assert (await refresh(client, rp, first["refresh_token"])).json()["error"] == "invalid_grant"


async def test_rotation_keeps_the_familys_expiry(db, app, client, holder, moving_clock):
    rp = await create_relying_party(db, app, refresh_token_seconds=3600)
    token = (await sign_in_tokens(db, app, client, rp, holder))["refresh_token"]
    for _ in range(3):
        moving_clock.advance(seconds=1000)
        token = (await refresh(client, rp, token)).json()["refresh_token"]
    moving_clock.advance(seconds=601)
    assert (await refresh(client, rp, token)).json()["error"] == "invalid_grant"


async def test_a_locked_account_ends_the_refresh_and_access_tokens(
    db, app, client, oidc_client, holder
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        await lock(
            session=session,
            tools=None,
            actor=Principal.system("test"),
            account=account,
            reason="holder_request",
        )
    async with db.unit_of_work() as session:
        row = await session.get(RefreshToken, token_digest(tokens["refresh_token"]))
    assert row is not None and row.revoked_at is not None
    assert (await refresh(client, oidc_client, tokens["refresh_token"])).json()[
        "error"
    ] == "invalid_grant"
    assert (await userinfo(client, tokens["access_token"])).status_code == 401


async def test_a_suspended_partner_is_refused_and_its_refresh_tokens_end(
    db, app, client, oidc_client, holder
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    async with db.unit_of_work() as session:
        await suspend_partner(
            session,
            actor=Principal.system("test"),
            partner_id=oidc_client.partner_id,
            reason="Vi phạm điều khoản sử dụng dữ liệu",
        )
    response = await refresh(client, oidc_client, tokens["refresh_token"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert (await userinfo(client, tokens["access_token"])).status_code == 401
    async with db.unit_of_work() as session:
        row = await session.get(RefreshToken, token_digest(tokens["refresh_token"]))
    assert row is not None and row.revoked_at is not None


async def test_a_refresh_without_the_token_is_invalid_request(client, oidc_client):
    response = await client.post(
        "/oidc/token", data={"grant_type": "refresh_token"}, headers=basic(oidc_client)
    )
    assert response.json()["error"] == "invalid_request"
