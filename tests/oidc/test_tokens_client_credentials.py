"""The client-credentials grant: an API client gets an access token for itself (no
citizen), within the scopes it registered; each token response is counted."""

from __future__ import annotations

from dinhdanh.partners.usage import usage
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import basic


async def api_client(db, app, **fields):
    values = {
        "grant_types": ["client_credentials"],
        "scopes": [],
        "required_claims": [],
        "redirect_uris": [],
        "post_logout_redirect_uris": [],
        "refresh_token_seconds": 0,
        "access_token_seconds": 300,
    }
    values.update(fields)
    return await create_relying_party(db, app, kind="biller", **values)


async def test_an_api_client_gets_an_access_token_for_itself(db, app, client):
    rp = await api_client(db, app)
    response = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(rp)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["expires_in"] == 300

    seen = await client.post(
        "/oidc/introspect", data={"token": body["access_token"]}, headers=basic(rp)
    )
    assert seen.json()["active"] is True
    assert seen.json()["sub"] == rp.client_id and seen.json()["client_id"] == rp.client_id
    # No citizen behind it: userinfo has nothing to say.
    info = await client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 403
    assert info.json()["error"] == "insufficient_scope"


async def test_scopes_are_limited_to_those_registered(db, app, client):
    rp = await api_client(db, app, scopes=["openid", "profile"])
    narrowed = await client.post(
        "/oidc/token",
        data={"grant_type": "client_credentials", "scope": "profile"},
        headers=basic(rp),
    )
    assert narrowed.json()["scope"] == "profile"
    whole = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(rp)
    )
    assert whole.json()["scope"] == "openid profile"
    wider = await client.post(
        "/oidc/token",
        data={"grant_type": "client_credentials", "scope": "profile identity"},
        headers=basic(rp),
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


async def test_a_client_not_registered_for_the_grant_is_unauthorized(client, oidc_client):
    response = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(oidc_client)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_a_suspended_api_client_is_refused(db, app, client):
    rp = await api_client(db, app, status="suspended")
    response = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(rp)
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_each_token_response_is_counted_and_failures_are_not(db, app, client, kv):
    rp = await api_client(db, app)
    for _ in range(3):
        await client.post(
            "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(rp)
        )
    await client.post(
        "/oidc/token",
        data={"grant_type": "client_credentials", "scope": "identity"},
        headers=basic(rp),
    )
    assert (await usage(kv, rp.client_id, days=1)).totals["token"] == 3
