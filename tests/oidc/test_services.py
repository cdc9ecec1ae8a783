"""The citizen's connected services: the page, the app's API, withdrawing a consent (which
ends the service's tokens), and what the activity log says about services."""

from __future__ import annotations

import httpx
import pytest

from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import FORM, basic, redeem
from tests.oidc.front_channel import Flow, events, full_sign_in, location

API = "/api/app/v1"


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


async def _connected(db, app, client, **rp_fields):
    rp = await create_relying_party(db, app, **rp_fields)
    holder = await create_holder(db, app)
    flow = Flow(rp)
    got = await full_sign_in(client, flow, holder, ticked=[])
    return rp, holder, flow, got


async def _phone(app, holder) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("113.161.2.2", 41000))
    phone = httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"X-Device-Name": "Pixel 8", "Accept-Language": "en"},
    )
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    phone.headers["Authorization"] = f"Bearer {step.json()['token']}"
    return phone


async def test_the_page_lists_what_each_service_may_receive_and_when_it_last_did(db, app, client):
    rp, _, flow, got = await _connected(db, app, client)
    page = await client.get("/me/services")
    assert page.status_code == 200
    card = page.text.split(f'id="service-{rp.client_id}"')[1].split("</article>")[0]
    for text in ("Đăng ký tạm trú", "Cổng Dịch vụ công thử nghiệm", "Điền sẵn tờ khai"):
        assert text in card
    assert "Full name" in card and "Personal ID" in card
    assert "Sex" not in card  # unticked
    assert "Never" in card.split('class="last-release"')[1]
    tokens = (await redeem(client, rp, got["code"], flow.verifier)).json()
    await client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    page = await client.get("/me/services")
    last = page.text.split('class="last-release"')[1].split("</dd>")[0]
    assert "Never" not in last and "/" in last
    # The navigation leads there.
    assert 'href="/me/services"' in (await client.get("/me")).text


async def test_the_activity_log_says_which_data_went_to_which_service(db, app, client):
    rp, holder, flow, got = await _connected(db, app, client)
    tokens = (await redeem(client, rp, got["code"], flow.verifier)).json()
    await client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    log = (await client.get("/me/activity")).text
    assert "Your data was sent to a connected service" in log
    assert (
        "Đăng ký tạm trú (Cổng Dịch vụ công thử nghiệm) received: "
        "Full name, Date of birth, Personal ID" in log
    )
    assert "You allowed a service to receive your data" in log
    assert "Signed in to a connected service" in log
    assert holder.personal_id not in log.split('id="activity"')[1]


async def test_withdrawing_on_the_page_ends_the_services_tokens(db, app, client):
    rp, holder, flow, got = await _connected(db, app, client)
    tokens = (await redeem(client, rp, got["code"], flow.verifier)).json()
    withdrawn = await client.post(f"/me/services/{rp.client_id}/revoke")
    assert location(withdrawn) == "/me/services?done=revoked"
    page = await client.get("/me/services?done=revoked")
    assert "Access withdrawn" in page.text
    assert 'id="no-services"' in page.text
    refreshed = await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers={**FORM, **basic(rp)},
    )
    assert refreshed.status_code == 400
    userinfo = await client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    revoked = await events(db, holder, "oidc.consent_revoked")
    assert len(revoked) == 1
    assert revoked[0].data["client_id"] == rp.client_id
    assert revoked[0].data["tokens_revoked"] == 1
    assert "You withdrew a service" in (await client.get("/me/activity")).text


async def test_withdrawing_needs_the_csrf_token_and_a_consent(db, app, client):
    rp, _, _, _ = await _connected(db, app, client)
    csrf = client.headers.pop("X-CSRF-Token")
    assert (await client.post(f"/me/services/{rp.client_id}/revoke")).status_code == 403
    client.headers["X-CSRF-Token"] = csrf
    assert (await client.post("/me/services/rp-unknown/revoke")).status_code == 404


async def test_another_citizens_services_are_not_shown(db, app, client):
    rp, _, _, _ = await _connected(db, app, client)
    await client.post("/me/logout")
    other = await create_holder(db, app, phone="0987654321")
    phone = await _phone(app, other)
    assert (await phone.get(f"{API}/services")).json() == []
    gone = await phone.delete(f"{API}/services/{rp.client_id}", headers={"Idempotency-Key": "k"})
    assert gone.status_code == 404
    await phone.aclose()


async def test_the_app_lists_and_withdraws_services_once_per_key(db, app, client):
    rp, holder, _, _ = await _connected(db, app, client)
    phone = await _phone(app, holder)
    listed = await phone.get(f"{API}/services")
    assert listed.status_code == 200
    [service] = listed.json()
    assert service["client_id"] == rp.client_id
    assert service["partner"] == "Cổng Dịch vụ công thử nghiệm"
    assert service["claims"] == ["sub", "name", "birthdate", "dinhdanh_personal_id"]
    assert service["claim_labels"][1] == "Full name"
    assert service["last_release"] is None
    assert service["active"] is True

    no_key = await phone.delete(f"{API}/services/{rp.client_id}")
    assert no_key.status_code == 428
    first = await phone.delete(f"{API}/services/{rp.client_id}", headers={"Idempotency-Key": "a"})
    assert first.status_code == 204
    replay = await phone.delete(f"{API}/services/{rp.client_id}", headers={"Idempotency-Key": "a"})
    assert replay.status_code == 204
    assert replay.headers["idempotent-replayed"] == "true"
    again = await phone.delete(f"{API}/services/{rp.client_id}", headers={"Idempotency-Key": "b"})
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert len(await events(db, holder, "oidc.consent_revoked")) == 1
    assert (await phone.get(f"{API}/services")).json() == []
    assert (await phone.get(f"{API}/services", headers={"Authorization": ""})).status_code == 401
    await phone.aclose()


async def test_the_page_needs_a_signed_in_citizen(client):
    response = await client.get("/me/services")
    assert location(response).startswith("/me/login?next=/me/services")
