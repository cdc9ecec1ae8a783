"""`revoke_grants`: what consent revocation and logout call to end a citizen's tokens at a
client, or those of one provider session, including access tokens of a client that gets
no refresh tokens, and codes not yet redeemed."""

from __future__ import annotations

from dinhdanh.oidc.grants import revoke_grants
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
