"""RP-initiated logout: a valid `id_token_hint` ends the web session and that session's
tokens and goes back to a registered address; anything else asks the citizen first."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.factories.accounts import create_holder
from tests.factories.partners import LOGOUT_URI, create_relying_party
from tests.oidc.conftest import FORM, basic, redeem
from tests.oidc.front_channel import Flow, events, full_sign_in, location


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


async def _signed_in_with_tokens(db, app, client, rp=None, holder=None):
    rp = rp or await create_relying_party(db, app)
    holder = holder or await create_holder(db, app)
    flow = Flow(rp)
    got = await full_sign_in(client, flow, holder)
    tokens = await redeem(client, rp, got["code"], flow.verifier)
    assert tokens.status_code == 200, tokens.text
    return rp, holder, tokens.json()


async def _refresh(client, rp, tokens):
    return await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers={**FORM, **basic(rp)},
    )


async def test_a_valid_hint_signs_out_ends_the_tokens_and_goes_back(db, app, client):
    rp, holder, tokens = await _signed_in_with_tokens(db, app, client)
    response = await client.get(
        "/oidc/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI,
            "state": "bye-1",
        },
    )
    assert response.status_code == 302
    assert location(response) == LOGOUT_URI + "?state=bye-1"
    assert location(await client.get("/me")).startswith("/me/login")
    refreshed = await _refresh(client, rp, tokens)
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert len(await events(db, holder, "account.signed_out")) == 1
    assert len(await events(db, holder, "oidc.tokens_revoked")) == 1


async def test_a_valid_hint_by_form_post_and_an_unregistered_address(db, app, client):
    _, _, tokens = await _signed_in_with_tokens(db, app, client)
    del client.headers["X-CSRF-Token"]  # a form posted from the service's site
    response = await client.post(
        "/oidc/logout",
        data={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    # Answered by the GET form, where the browser's session cookie (SameSite=Lax) comes.
    assert response.status_code == 303
    followed = await client.get(location(response))
    assert followed.status_code == 200
    assert 'id="logged-out"' in followed.text
    assert 'href="https://evil.example' not in followed.text
    assert location(await client.get("/me")).startswith("/me/login")


def _forged(id_token: str) -> str:
    """The same claims, signed by a key that is not ours under our key's id."""
    header, payload = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in id_token.split(".")[:2]
    )
    return jwt.encode(header, payload, ECKey.generate_key("P-256"))


@pytest.mark.parametrize("hint", ["garbage", "forged", "tampered", "other-client"])
async def test_without_a_valid_hint_the_citizen_confirms_first(db, app, client, hint):
    rp, _, tokens = await _signed_in_with_tokens(db, app, client)
    token = tokens["id_token"]
    other = await create_relying_party(db, app)
    params = {"post_logout_redirect_uri": LOGOUT_URI, "client_id": rp.client_id}
    if hint == "garbage":
        params["id_token_hint"] = "not.a.token"
    elif hint == "forged":
        params["id_token_hint"] = _forged(token)
    elif hint == "tampered":
        head, body, sig = token.split(".")
        params["id_token_hint"] = f"{head}.{body}.{sig[:-4]}AAAA"
    else:
        params["id_token_hint"] = token
        params["client_id"] = other.client_id
    page = await client.get("/oidc/logout", params=params)
    assert page.status_code == 200
    assert 'id="logout-confirm"' in page.text
    # Nothing ended yet.
    assert (await client.get("/me")).status_code == 200
    assert (await _refresh(client, rp, tokens)).status_code == 200


async def test_the_confirmation_needs_its_csrf_token(db, app, client):
    rp, _, tokens = await _signed_in_with_tokens(db, app, client)
    page = await client.get(
        "/oidc/logout",
        params={"client_id": rp.client_id, "post_logout_redirect_uri": LOGOUT_URI, "state": "s"},
    )
    assert f'value="{LOGOUT_URI}"' in page.text
    csrf = client.headers.pop("X-CSRF-Token")
    fields = {"client_id": rp.client_id, "post_logout_redirect_uri": LOGOUT_URI, "state": "s"}
    forged = await client.post("/oidc/logout/confirm", data=fields)
    assert forged.status_code == 403
    assert (await client.get("/me")).status_code == 200
    confirmed = await client.post("/oidc/logout/confirm", data={**fields, "csrf_token": csrf})
    assert location(confirmed) == LOGOUT_URI + "?state=s"
    assert location(await client.get("/me")).startswith("/me/login")
    assert (await _refresh(client, rp, tokens)).status_code == 400


async def test_the_confirmation_does_not_go_to_an_unregistered_address(db, app, client):
    rp, _, _ = await _signed_in_with_tokens(db, app, client)
    page = await client.get(
        "/oidc/logout",
        params={"client_id": rp.client_id, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert 'name="post_logout_redirect_uri" value=""' in page.text
    done = await client.post(
        "/oidc/logout/confirm",
        data={"client_id": rp.client_id, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert done.status_code == 200
    assert 'id="logged-out"' in done.text


async def test_a_hint_of_another_citizen_leaves_this_browser_signed_in(db, app, client):
    rp, _, tokens = await _signed_in_with_tokens(db, app, client)
    await client.post("/me/logout")
    second = await create_holder(db, app, phone="0987654321")
    await _signed_in_with_tokens(db, app, client, rp=rp, holder=second)
    response = await client.get("/oidc/logout", params={"id_token_hint": tokens["id_token"]})
    assert response.status_code == 200
    assert 'id="logout-confirm"' in response.text  # the second citizen decides
    assert (await client.get("/me")).status_code == 200
    # The first citizen's session tokens end all the same.
    assert (await _refresh(client, rp, tokens)).status_code == 400


async def test_a_valid_hint_after_signing_out_here_still_ends_the_tokens(db, app, client):
    rp, _, tokens = await _signed_in_with_tokens(db, app, client)
    await client.post("/me/logout")
    response = await client.get(
        "/oidc/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI},
    )
    assert location(response) == LOGOUT_URI
    assert (await _refresh(client, rp, tokens)).status_code == 400


async def test_the_confirmation_speaks_the_language_the_service_asks_for(db, app, client):
    await _signed_in_with_tokens(db, app, client)
    page = await client.get("/oidc/logout", params={"ui_locales": "vi-VN en"})
    assert "Đăng xuất khỏi dinhdanh?" in page.text
