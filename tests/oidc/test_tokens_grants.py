"""`revoke_grants`: what consent revocation and logout call to end a citizen's tokens at a
client, or those of one provider session, including access tokens of a client that gets
no refresh tokens, and codes not yet redeemed."""

from __future__ import annotations

from dinhdanh.accounts import locks
from dinhdanh.accounts.models import Account
from dinhdanh.oidc.grants import revoke_grants
from dinhdanh.partners import relying_parties
from dinhdanh.platform.auth import Principal
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic, issue_test_code, new_verifier, redeem, sign_in_tokens


async def active(http, rp, token: str) -> bool:
    response = await http.post("/oidc/introspect", data={"token": token}, headers=basic(rp))
    return response.json()["active"]


async def test_a_citizens_grants_at_one_client_end_and_others_stay(
    db, app, client, oidc_client, holder, kv
):
    here = await sign_in_tokens(db, app, client, oidc_client, holder)
    other = await create_relying_party(db, app)
    there = await sign_in_tokens(db, app, client, other, holder)
    async with db.unit_of_work() as session:
        ended = await revoke_grants(
            session=session, kv=kv, citizen_id=holder.citizen_id, client_id=oidc_client.client_id
        )
    assert ended == 1
    assert not await active(client, oidc_client, here["access_token"])
    assert not await active(client, oidc_client, here["refresh_token"])
    assert await active(client, other, there["access_token"])
    assert await active(client, other, there["refresh_token"])


async def test_the_access_token_of_a_client_without_refresh_tokens_ends_too(
    db, app, client, holder, kv
):
    rp = await create_relying_party(db, app, grant_types=["authorization_code"])
    tokens = await sign_in_tokens(db, app, client, rp, holder)
    assert "refresh_token" not in tokens
    async with db.unit_of_work() as session:
        assert await revoke_grants(session=session, kv=kv, citizen_id=holder.citizen_id) == 1
    assert not await active(client, rp, tokens["access_token"])


async def test_only_the_tokens_of_one_session_end_at_logout(
    db, app, client, oidc_client, holder, kv
):
    browser = await sign_in_tokens(db, app, client, oidc_client, holder, sid="sid-browser")
    phone = await sign_in_tokens(db, app, client, oidc_client, holder, sid="sid-phone")
    async with db.unit_of_work() as session:
        await revoke_grants(session=session, kv=kv, citizen_id=holder.citizen_id, sid="sid-browser")
    assert not await active(client, oidc_client, browser["access_token"])
    assert await active(client, oidc_client, phone["access_token"])


async def test_a_code_not_yet_redeemed_is_voided(db, app, client, oidc_client, holder, kv):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    async with db.unit_of_work() as session:
        await revoke_grants(
            session=session, kv=kv, citizen_id=holder.citizen_id, client_id=oidc_client.client_id
        )
    response = await redeem(client, oidc_client, code, verifier)
    assert response.json()["error"] == "invalid_grant"


async def test_an_unlock_revives_no_token_the_lock_ended(
    db, app, client, oidc_client, holder, moving_clock
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    actor = Principal(kind="citizen", id=str(holder.account_id), citizen_id=holder.citizen_id)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        await locks.panic_lock(
            session=session, tools=app.state.account_tools, actor=actor, account=account
        )
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 401
    moving_clock.advance(seconds=5)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        await locks.holder_unlock(session=session, actor=actor, account=account)
    # Unlocked: the tokens given out before the lock stay dead, a new sign-in works.
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 401
    refreshed = await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(oidc_client),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    fresh = await sign_in_tokens(db, app, client, oidc_client, holder)
    renewed = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert (await client.get("/oidc/userinfo", headers=renewed)).status_code == 200


async def test_enabling_a_client_again_revives_none_of_its_tokens(
    db, app, client, oidc_client, holder
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    actor = Principal.system("test")
    for active in (False, True):
        async with db.unit_of_work() as session:
            await relying_parties.set_client_active(
                session,
                actor=actor,
                partner_id=oidc_client.partner_id,
                client_id=oidc_client.client_id,
                active=active,
            )
    refreshed = await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(oidc_client),
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
