"""The authorization endpoint: validation of the request (errors shown on a page until the
client and redirect URI are known, redirected after), and the whole front channel of a
first sign-in: sign-in page, consent page, code."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from dinhdanh.platform import clock
from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.front_channel import (
    ISSUER,
    Flow,
    answer,
    code_count,
    code_row,
    decide,
    events,
    location,
    request_id,
    sign_in,
    to_consent_page,
)


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


async def test_a_first_sign_in_goes_through_sign_in_and_consent_to_a_code(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    flow = Flow(rp)
    start = await flow.start(client)
    assert start.status_code == 303
    login = location(start)
    assert login.startswith("/me/login?next=")
    resume = parse_qs(urlsplit(login).query)["next"][0]
    assert resume.startswith("/oidc/authorize/resume/")

    signed = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "next": resume},
    )
    assert location(signed) == resume
    to_consent = await client.get(resume)
    page = await client.get(location(to_consent))
    assert page.status_code == 200
    # The service, its partner and purpose, and the citizen's own values.
    for text in ("Đăng ký tạm trú", "Cổng Dịch vụ công thử nghiệm", "Điền sẵn tờ khai"):
        assert text in page.text
    assert holder.personal_id in page.text
    assert "Personal ID" in page.text and "Required" in page.text

    before = clock.now()
    got = answer(await decide(client, page), rp)
    assert set(got) == {"code", "state", "iss"}
    assert got["state"] == flow.state
    assert got["iss"] == ISSUER
    row = await code_row(db, got["code"])
    assert row.client_id == rp.client_id
    assert row.citizen_id == holder.citizen_id
    assert row.redirect_uri == rp.redirect_uri
    assert row.nonce == flow.nonce
    assert row.code_challenge == flow.params["code_challenge"]
    assert row.scopes == ["openid", "profile", "identity", "residence"]
    assert {"sub", "name", "dinhdanh_personal_id"} <= set(row.claims)
    assert row.level == 2
    assert row.amr == ["pwd"]
    assert row.sid and len(row.sid) == 20  # the session's public handle, never its id
    assert row.redeemed_at is None
    assert dt.timedelta(seconds=55) <= row.expires_at - before <= dt.timedelta(seconds=65)
    assert before - dt.timedelta(seconds=5) <= row.auth_time <= clock.now()
    granted = await events(db, holder, "oidc.consent_granted")
    assert len(granted) == 1 and granted[0].data["client_id"] == rp.client_id
    signed_in = await events(db, holder, "oidc.signed_in")
    assert len(signed_in) == 1 and signed_in[0].subject_id == rp.client_id


async def test_our_own_pages_hand_the_browser_over_by_a_page(db, app, client):
    """Chromium applies `form-action 'self'` to redirects after a form: a browser coming
    from our consent form gets a page that moves on by itself."""
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    handed = await client.post(
        "/oidc/consent",
        data={"request": request_id(page), "decision": "allow"},
        headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
    )
    assert handed.status_code == 200
    refresh = handed.headers["refresh"]
    assert refresh.startswith(f"0; url={rp.redirect_uri}?")
    assert "code=" in refresh
    assert handed.headers["cache-control"] == "no-store"
    assert 'id="continue"' in handed.text


async def test_an_unknown_redirect_uri_is_an_error_page_and_never_a_redirect(db, app, client):
    rp = await create_relying_party(db, app)
    evil = "https://evil.example/steal"
    for params in (
        {"redirect_uri": evil},
        {"redirect_uri": rp.redirect_uri + "/more"},
        {"redirect_uri": None},
        {"client_id": "no-such-client", "redirect_uri": evil},
        {"client_id": None},
    ):
        response = await Flow(rp, **params).start(client)
        assert response.status_code == 400, params
        assert "location" not in response.headers
        assert 'id="oidc-error"' in response.text
        assert evil not in response.text


async def test_a_repeated_client_or_redirect_uri_is_an_error_page(db, app, client):
    rp = await create_relying_party(db, app)
    flow = Flow(rp)
    query = httpx.QueryParams(flow.params).add("redirect_uri", "https://evil.example/")
    response = await client.get("/oidc/authorize", params=query)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_a_suspended_partner_gets_an_error_page(db, app, client):
    rp = await create_relying_party(db, app, status="suspended")
    response = await Flow(rp).start(client)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "not connected to dinhdanh" in response.text
    disabled = await create_relying_party(db, app, active=False)
    assert (await Flow(disabled).start(client)).status_code == 400


@pytest.mark.parametrize(
    ("params", "error", "description"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request", "PKCE"),
        ({"code_challenge_method": None}, "invalid_request", "S256"),
        ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
        ({"code_challenge": "short"}, "invalid_request", "malformed"),
        ({"response_type": "token"}, "unsupported_response_type", "code"),
        ({"response_type": None}, "unsupported_response_type", "code"),
        ({"scope": "openid household"}, "invalid_scope", "household"),
        ({"scope": "openid payroll"}, "invalid_scope", "unknown"),
        ({"scope": None}, "invalid_scope", "required"),
        ({"nonce": None}, "invalid_request", "nonce"),
        ({"prompt": "none login"}, "invalid_request", "prompt"),
        ({"prompt": "sometimes"}, "invalid_request", "prompt"),
        ({"max_age": "-1"}, "invalid_request", "max_age"),
        ({"claims": "{not json"}, "invalid_request", "claims"),
        ({"claims": '{"userinfo": ["name"]}'}, "invalid_request", "claims"),
        ({"claims": '{"id_token": {"acr": {"values": 5}}}'}, "invalid_request", "acr"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported", "request"),
        ({"response_mode": "fragment"}, "invalid_request", "response_mode"),
    ],
)
async def test_a_bad_request_goes_back_to_the_client_with_its_error(
    db, app, client, params, error, description
):
    rp = await create_relying_party(db, app)
    flow = Flow(rp, **params)
    got = answer(await flow.start(client), rp)
    assert got["error"] == error
    assert description in got["error_description"]
    assert got["state"] == flow.state
    assert got["iss"] == ISSUER
    assert await code_count(db) == 0


async def test_a_repeated_parameter_is_refused(db, app, client):
    rp = await create_relying_party(db, app)
    flow = Flow(rp)
    query = httpx.QueryParams(flow.params).add("scope", "openid")
    got = answer(await client.get("/oidc/authorize", params=query), rp)
    assert got["error"] == "invalid_request"


async def test_a_client_without_the_code_grant_is_refused(db, app, client):
    rp = await create_relying_party(db, app, grant_types=["client_credentials"])
    got = answer(await Flow(rp).start(client), rp)
    assert got["error"] == "unauthorized_client"


async def test_the_request_may_be_form_posted_from_the_service_site(db, app):
    """OIDC Core §3.1.2.1: POST of the same parameters, from another site (no CSRF token)."""
    rp = await create_relying_party(db, app)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        response = await browser.post("/oidc/authorize", data=Flow(rp).params)
        assert response.status_code == 303
        assert location(response).startswith("/me/login?next=/oidc/authorize/resume/")


async def test_the_consent_form_needs_its_csrf_token(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    del client.headers["X-CSRF-Token"]
    forged = await decide(client, page)
    assert forged.status_code == 403
    assert await code_count(db) == 0


async def test_an_expired_or_unknown_request_shows_a_page(db, app, client):
    holder = await create_holder(db, app)
    await sign_in(client, holder)
    for url in ("/oidc/authorize/resume/" + "x" * 32, "/oidc/consent?request=nope"):
        response = await client.get(url)
        assert response.status_code == 400
        assert "expired" in response.text


async def test_the_service_language_is_used_unless_the_citizen_chose_one(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    del client.headers["Accept-Language"]
    page = await to_consent_page(client, Flow(rp, ui_locales="en-US vi"), holder)
    assert "The data it will receive" in page.text
    client.cookies.delete("dd_lang")
    client.cookies.set("dd_lang", "vi")
    page = await to_consent_page(client, Flow(rp, ui_locales="en"))
    assert "Dữ liệu dịch vụ sẽ nhận" in page.text


async def test_a_second_factor_sign_in_is_in_the_codes_amr(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    await sign_in(client, holder)
    await client.post("/me/security/totp/start")
    page = await client.get("/me/security")
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.text).group(1)
    enrolled = await client.post(
        "/me/security/totp/confirm",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "password": holder.password},
    )
    assert enrolled.status_code == 303
    await client.post("/me/logout")

    start = await Flow(rp).start(client)
    resume = parse_qs(urlsplit(location(start)).query)["next"][0]
    step = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "next": resume},
    )
    assert location(step).startswith("/me/login/verify?next=")
    code = pyotp.TOTP(secret).at(clock.now() + dt.timedelta(seconds=30))
    verified = await client.post(
        "/me/login/verify", data={"method": "totp", "code": code, "next": resume}
    )
    assert location(verified) == resume
    consent_page = await client.get(location(await client.get(resume)))
    got = answer(await decide(client, consent_page), rp)
    assert (await code_row(db, got["code"])).amr == ["pwd", "otp", "mfa"]
