"""Pushed authorization requests (RFC 9126): client-authenticated, validated, 90 s, used
once and only by the client that pushed it."""

from __future__ import annotations

import pytest

from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import FORM, basic
from tests.oidc.front_channel import Flow, answer, code_row, decide, location

URN = "urn:ietf:params:oauth:request_uri:"


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


async def _push(http, rp, flow: Flow, secret: str | None = None):
    params = {k: v for k, v in flow.params.items()}
    return await http.post("/oidc/par", data=params, headers={**FORM, **basic(rp, secret)})


async def test_a_pushed_request_signs_the_citizen_in(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    flow = Flow(rp, scope="openid profile")
    pushed = await _push(client, rp, flow)
    assert pushed.status_code == 201, pushed.text
    body = pushed.json()
    assert body["expires_in"] == 90
    assert body["request_uri"].startswith(URN)
    assert pushed.headers["cache-control"] == "no-store"

    start = await client.get(
        "/oidc/authorize", params={"client_id": rp.client_id, "request_uri": body["request_uri"]}
    )
    resume = location(start).split("next=")[1].replace("%2F", "/")
    signed = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "next": resume},
    )
    page = await client.get(location(await client.get(location(signed))))
    got = answer(await decide(client, page), rp)
    assert got["state"] == flow.state
    row = await code_row(db, got["code"])
    assert row.scopes == ["openid", "profile"]
    assert row.nonce == flow.nonce


async def test_a_wrong_client_secret_is_refused(db, app, client):
    rp = await create_relying_party(db, app)
    refused = await _push(client, rp, Flow(rp), secret="not-the-secret")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    anonymous = await client.post("/oidc/par", data=Flow(rp).params, headers=FORM)
    assert anonymous.status_code == 401


async def test_a_pushed_request_is_validated(db, app, client):
    rp = await create_relying_party(db, app)
    plain = await _push(client, rp, Flow(rp, code_challenge_method="plain"))
    assert plain.status_code == 400
    assert plain.json()["error"] == "invalid_request"
    elsewhere = await _push(client, rp, Flow(rp, redirect_uri="https://evil.example/cb"))
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"] == "invalid_request"
    scope = await _push(client, rp, Flow(rp, scope="openid household"))
    assert scope.json()["error"] == "invalid_scope"
    other = await create_relying_party(db, app)
    impostor = await _push(client, rp, Flow(rp, client_id=other.client_id))
    assert impostor.status_code == 400
    nested = await _push(client, rp, Flow(rp, request_uri=URN + "x" * 43))
    assert nested.status_code == 400


async def test_a_request_uri_is_used_once(db, app, client):
    rp = await create_relying_party(db, app)
    request_uri = (await _push(client, rp, Flow(rp))).json()["request_uri"]
    params = {"client_id": rp.client_id, "request_uri": request_uri}
    first = await client.get("/oidc/authorize", params=params)
    assert location(first).startswith("/me/login")
    again = await client.get("/oidc/authorize", params=params)
    assert again.status_code == 400
    assert "location" not in again.headers
    assert "expired or was already used" in again.text


async def test_a_request_uri_works_only_for_the_client_that_pushed_it(db, app, client):
    rp = await create_relying_party(db, app)
    other = await create_relying_party(db, app)
    request_uri = (await _push(client, rp, Flow(rp))).json()["request_uri"]
    stolen = await client.get(
        "/oidc/authorize", params={"client_id": other.client_id, "request_uri": request_uri}
    )
    assert stolen.status_code == 400
    assert "location" not in stolen.headers
    missing = await client.get("/oidc/authorize", params={"request_uri": request_uri})
    assert missing.status_code == 400
    # The attempt did not use it up.
    own = await client.get(
        "/oidc/authorize", params={"client_id": rp.client_id, "request_uri": request_uri}
    )
    assert location(own).startswith("/me/login")


async def test_an_unknown_request_uri_shows_a_page(db, app, client):
    rp = await create_relying_party(db, app)
    for uri in (URN + "A" * 43, "https://evil.example/request.jwt", URN):
        response = await client.get(
            "/oidc/authorize", params={"client_id": rp.client_id, "request_uri": uri}
        )
        assert response.status_code == 400
        assert "location" not in response.headers
