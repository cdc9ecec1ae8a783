"""The administrators' partner pages: register, approve, suspend with a reason, reinstate;
give a client, see its secret once, rotate it, change and disable it; who may see them."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from dinhdanh.partners.clients import secret_matches
from dinhdanh.partners.models import Partner
from dinhdanh.partners.usage import count
from tests.factories.accounts import create_holder, sign_in_web
from tests.partners.support import (
    PARTNER,
    add_client,
    approved_partner,
    audit_actions,
    counts,
    public_jwk,
    relying_party,
)

PAGE = "/admin/partners"
CLIENT_FORM = {
    "name": "Đăng ký tạm trú",
    "purpose": "Điền sẵn tờ khai đăng ký tạm trú từ dữ liệu dân cư.",
    "redirect_uris": "https://dichvucong.example.vn/callback\nhttp://127.0.0.1:8100/cb",
    "post_logout_redirect_uris": "https://dichvucong.example.vn/",
    "scopes": ["openid", "profile", "residence"],
    "required_claims": ["name", "dinhdanh_permanent_residence"],
    "grant_types": ["authorization_code", "refresh_token"],
    "level": "2",
    "auth_method": "client_secret_basic",
    "jwks": "",
    "access_token_seconds": "600",
    "id_token_seconds": "300",
    "refresh_token_days": "14",
}


def _secret_in(html: str) -> str | None:
    found = re.search(r'id="client-secret">([A-Za-z0-9_-]+)<', html)
    return found.group(1) if found else None


async def _partner_id(db, code: str) -> str:
    async with db.unit_of_work() as session:
        return str(
            await session.scalar(select(Partner.id).where(Partner.registration_code == code))
        )


async def test_register_approve_suspend_and_reinstate_on_the_pages(admin, db, suspensions):
    listing = await admin.get(PAGE)
    assert listing.status_code == 200 and 'id="register"' in listing.text
    created = await admin.post(PAGE, data=PARTNER)
    assert created.status_code == 303
    page_url = created.headers["location"].split("?")[0]
    page = await admin.get(created.headers["location"])
    assert "The organisation was registered" in page.text
    assert "Waiting for approval" in page.text and 'id="approve"' in page.text

    approved = await admin.post(f"{page_url}/approve")
    assert approved.headers["location"] == f"{page_url}?done=approved"
    assert 'id="suspend"' in (await admin.get(page_url)).text

    empty = await admin.post(f"{page_url}/suspend", data={"reason": ""})
    assert empty.status_code == 422
    assert 'class="field-error"' in empty.text and "Write the reason" in empty.text
    assert suspensions == []
    suspended = await admin.post(f"{page_url}/suspend", data={"reason": "Rò rỉ dữ liệu công dân"})
    assert suspended.status_code == 303
    shown = await admin.get(suspended.headers["location"])
    assert "The partner was suspended" in shown.text
    assert "Rò rỉ dữ liệu công dân" in shown.text and 'id="reinstate"' in shown.text
    assert len(suspensions) == 1

    reinstated = await admin.post(f"{page_url}/reinstate", data={"reason": ""})
    assert reinstated.headers["location"] == f"{page_url}?done=reinstated"
    assert (await admin.post(f"{page_url}/reinstate", data={})).status_code == 409
    assert await audit_actions(db) == [
        "partner.registered",
        "partner.approved",
        "partner.suspended",
        "partner.reinstated",
    ]


async def test_registration_errors_are_shown_with_the_values_kept(admin, db):
    await admin.post(PAGE, data=PARTNER)
    again = await admin.post(PAGE, data={**PARTNER, "name": "Một tổ chức khác"})
    assert again.status_code == 409
    assert "This registration code is already registered." in again.text
    assert 'value="Một tổ chức khác"' in again.text
    bad = await admin.post(PAGE, data={**PARTNER, "registration_code": "x", "contact_email": "@"})
    assert bad.status_code == 422 and bad.text.count('class="field-error"') == 2
    assert await counts(db) == (1, 0)


async def test_list_filters_and_searches(admin):
    await admin.post(PAGE, data=PARTNER)
    await admin.post(
        PAGE,
        data={**PARTNER, "name": "Ngân hàng Hợp tác", "kind": "bank", "registration_code": "B-1"},
    )
    banks = await admin.get(PAGE, params={"kind": "bank"})
    assert "Ngân hàng Hợp tác" in banks.text and "Cổng Dịch vụ công" not in banks.text
    found = await admin.get(PAGE, params={"q": "dịch vụ"})
    assert "Cổng Dịch vụ công" in found.text and "Ngân hàng Hợp tác" not in found.text
    none = await admin.get(PAGE, params={"status": "suspended"})
    assert "No partner matches these filters." in none.text


async def test_a_client_is_created_on_the_pages_and_its_secret_shown_once(admin, app, db):
    partner = await approved_partner(admin)
    base = f"{PAGE}/{partner['id']}"
    form = await admin.get(f"{base}/clients/new")
    assert form.status_code == 200 and 'name="redirect_uris"' in form.text

    created = await admin.post(f"{base}/clients", data=CLIENT_FORM)
    assert created.status_code == 303, created.text
    assert created.headers["location"].endswith("?done=client-created")
    first = await admin.get(created.headers["location"])
    secret = _secret_in(first.text)
    assert secret and len(secret) >= 43
    client_id = re.search(r'id="client-id">(dd-[0-9a-f]{16})<', first.text).group(1)
    again = await admin.get(created.headers["location"])
    assert _secret_in(again.text) is None and secret not in again.text

    rp = await relying_party(db, client_id)
    assert secret_matches(app.state.cipher, rp, secret)
    assert rp.redirect_uris == (
        "https://dichvucong.example.vn/callback",
        "http://127.0.0.1:8100/cb",
    )
    assert rp.refresh_token_seconds == 14 * 24 * 3600 and rp.id_token_seconds == 300
    listed = await admin.get(base)
    assert client_id in listed.text and secret not in listed.text


async def test_a_bad_client_form_is_shown_again_and_nothing_is_written(admin, db):
    partner = await approved_partner(admin)
    bad = {
        **CLIENT_FORM,
        "redirect_uris": "http://dichvucong.example.vn/cb",
        "scopes": ["openid", "profile"],
        "required_claims": ["dinhdanh_personal_id"],
        "auth_method": "private_key_jwt",
        "jwks": json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k", "d": "c"}]}),
    }
    response = await admin.post(f"{PAGE}/{partner['id']}/clients", data=bad)
    assert response.status_code == 422
    assert "use https (http only for localhost or 127.0.0.1)" in response.text
    assert "is not a claim of the chosen scopes" in response.text
    assert "paste only the public key" in response.text
    assert "http://dichvucong.example.vn/cb</textarea>" in response.text
    assert await counts(db) == (1, 0)
    assert await audit_actions(db, "partner.client") == []


async def test_rotate_change_and_disable_on_the_client_page(admin, app, db):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    url = f"{PAGE}/{partner['id']}/clients/{client['client_id']}"
    rotated = await admin.post(f"{url}/rotate-secret")
    assert rotated.headers["location"] == f"{url}?done=secret-rotated"
    page = await admin.get(rotated.headers["location"])
    new = _secret_in(page.text)
    assert new and new != client["client_secret"]
    assert "Previous secret works until" in page.text
    rp = await relying_party(db, client["client_id"])
    assert secret_matches(app.state.cipher, rp, new)
    assert secret_matches(app.state.cipher, rp, client["client_secret"])

    keys = {"keys": [public_jwk(kid="may-chu-1")]}
    switched = await admin.post(
        url, data={**CLIENT_FORM, "auth_method": "private_key_jwt", "jwks": json.dumps(keys)}
    )
    assert switched.status_code == 303, switched.text
    page = await admin.get(url)
    assert "may-chu-1" in page.text and 'id="rotate"' not in page.text
    assert not secret_matches(app.state.cipher, await relying_party(db, client["client_id"]), new)

    disabled = await admin.post(f"{url}/disable")
    assert disabled.headers["location"] == f"{url}?done=client-disabled"
    page = await admin.get(disabled.headers["location"])
    assert "The client was disabled" in page.text and 'id="enable"' in page.text
    assert not (await relying_party(db, client["client_id"])).usable


async def test_the_partner_page_shows_credentials_and_usage(admin, app):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    for _ in range(4):
        await count(app.state.kv, client["client_id"], "token")
    page = await admin.get(f"{PAGE}/{partner['id']}")
    assert client["client_id"] in page.text
    assert "Client secret (client_secret_basic)" in page.text
    assert "<dt>Requests in the last 30 days</dt><dd>4</dd>" in page.text
    assert "10/03/2026" in page.text


async def test_auditors_read_without_forms(admin, auditor):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    listing = await auditor.get(PAGE)
    assert listing.status_code == 200 and 'id="register"' not in listing.text
    page = await auditor.get(f"{PAGE}/{partner['id']}")
    assert page.status_code == 200 and 'id="suspend"' not in page.text
    client_page = await auditor.get(f"{PAGE}/{partner['id']}/clients/{client['client_id']}")
    assert client_page.status_code == 200 and 'id="rotate"' not in client_page.text
    refused = await auditor.post(f"{PAGE}/{partner['id']}/suspend", data={"reason": "thử xem"})
    assert refused.status_code == 403
    assert (await auditor.get(f"{PAGE}/{partner['id']}/clients/new")).status_code == 403


async def test_everybody_else_is_refused(admin, officer, anonymous, app, db):
    partner = await approved_partner(admin)
    pages = [PAGE, f"{PAGE}/{partner['id']}", f"{PAGE}/{partner['id']}/clients/new"]
    for url in pages:
        assert (await officer.get(url)).status_code == 403
        to_sign_in = await anonymous.get(url)
        assert to_sign_in.status_code == 303 and to_sign_in.headers["location"].startswith("/login")
    assert (
        await officer.post(f"{PAGE}/{partner['id']}/suspend", data={"reason": "xx"})
    ).status_code == 403
    # A signed-in citizen is nobody to the console.
    holder = await create_holder(db, app)
    assert (await sign_in_web(anonymous, holder)).status_code == 303
    assert (await anonymous.get(PAGE)).status_code == 303
    api = await anonymous.get("/api/v1/partners")
    assert api.status_code == 401


async def test_forms_need_the_csrf_token(admin):
    del admin.headers["X-CSRF-Token"]
    response = await admin.post(PAGE, data=PARTNER)
    assert response.status_code == 403 and "The form has expired" in response.text


async def test_pages_speak_vietnamese_by_default(admin):
    del admin.headers["Accept-Language"]
    page = await admin.get(PAGE)
    assert "Đối tác" in page.text and "Đăng ký tổ chức" in page.text
    assert 'href="/admin/partners"' in page.text  # in the navigation
