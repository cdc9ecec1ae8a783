"""Introspection (RFC 7662) and revocation (RFC 7009): a client sees and ends only its own
tokens; revoking a refresh token ends its family."""

from __future__ import annotations

from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic, sign_in_tokens


async def introspect(http, rp, token: str, **more: str):
    return await http.post("/oidc/introspect", data={"token": token, **more}, headers=basic(rp))


async def revoke(http, rp, token: str, **more: str):
    return await http.post("/oidc/revoke", data={"token": token, **more}, headers=basic(rp))


async def test_an_access_token_is_described_to_its_client(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    response = await introspect(client, oidc_client, tokens["access_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == oidc_client.client_id
    assert body["scope"] == "openid profile identity"
    assert body["token_type"] == "Bearer"
    assert body["acr"] == "urn:dinhdanh:loa:2"
    assert body["exp"] - body["iat"] == 600
    assert body["sub"] not in (holder.personal_id, str(holder.citizen_id))


async def test_a_refresh_token_is_described_to_its_client(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    body = (
        await introspect(
            client, oidc_client, tokens["refresh_token"], token_type_hint="refresh_token"
        )
    ).json()
    assert body["active"] is True and body["token_type"] == "refresh_token"
    # Without the hint it is found too.
    assert (await introspect(client, oidc_client, tokens["refresh_token"])).json()["active"]


async def test_another_clients_token_is_inactive(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    other = await create_relying_party(db, app)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await introspect(client, other, token)).json() == {"active": False}


async def test_unknown_tokens_are_inactive(client, oidc_client):
    assert (await introspect(client, oidc_client, "nothing")).json() == {"active": False}


async def test_introspection_needs_client_authentication(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    response = await client.post("/oidc/introspect", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "active" not in response.json()


async def test_revoking_an_access_token_ends_that_token_only(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    response = await revoke(client, oidc_client, tokens["access_token"])
    assert response.status_code == 200
    assert (await introspect(client, oidc_client, tokens["access_token"])).json() == {
        "active": False
    }
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 401
    assert (await introspect(client, oidc_client, tokens["refresh_token"])).json()["active"]


async def test_revoking_a_refresh_token_ends_its_family(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    response = await revoke(
        client, oidc_client, tokens["refresh_token"], token_type_hint="refresh_token"
    )
    assert response.status_code == 200
    for token in (tokens["refresh_token"], tokens["access_token"]):
        assert (await introspect(client, oidc_client, token)).json() == {"active": False}
    refreshed = await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(oidc_client),
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_revoking_an_unknown_token_is_200(client, oidc_client):
    assert (await revoke(client, oidc_client, "never-issued")).status_code == 200


async def test_a_client_cannot_revoke_another_clients_token(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    other = await create_relying_party(db, app)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await revoke(client, other, token)).status_code == 200
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert (await introspect(client, oidc_client, token)).json()["active"] is True


async def test_revocation_needs_a_token_and_client_authentication(client, oidc_client):
    assert (await client.post("/oidc/revoke", data={"token": "x"})).status_code == 401
    missing = await client.post("/oidc/revoke", data={}, headers=basic(oidc_client))
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


async def test_a_wrong_hint_does_not_hide_a_token(db, app, client, oidc_client, holder):
    # RFC 7662 §2.1 / RFC 7009 §2.1: the hint only says where to look first.
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    access = tokens["access_token"]
    described = await introspect(client, oidc_client, access, token_type_hint="refresh_token")
    assert described.json()["active"] is True
    assert (
        await revoke(client, oidc_client, access, token_type_hint="refresh_token")
    ).status_code == 200
    bearer = {"Authorization": f"Bearer {access}"}
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 401
