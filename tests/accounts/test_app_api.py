"""The app's JSON API: bearer tokens, one app device at a time, problem+json, and
Idempotency-Key on effects."""

from __future__ import annotations

import httpx
import pyotp
from sqlalchemy import func, select

from dinhdanh.platform.outbox import OutboxMessage
from tests.factories.accounts import PASSCODE, PASSWORD, code_in, create_holder, last_sms

API = "/api/app/v1"


async def _app(app, device: str) -> httpx.AsyncClient:
    """A phone running the app: no cookies, no CSRF token, a device name header."""
    transport = httpx.ASGITransport(app=app, client=("113.161.2.2", 41000))
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"X-Device-Name": device, "Accept-Language": "en"},
    )


async def _sign_in(phone: httpx.AsyncClient, holder) -> str:
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert step.status_code == 200, step.text
    assert step.json()["stage"] == "ok"
    return step.json()["token"]


async def _sms_count(db) -> int:
    async with db.unit_of_work() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage))


async def test_activation_over_the_app_then_signed_in_with_a_bearer_token(db, app):
    holder = await create_holder(db, app, activate=False)
    phone = await _app(app, "Pixel 8")
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert step.json()["stage"] == "change"
    pending = {"Authorization": f"Bearer {step.json()['token']}"}
    # A pending token opens nothing but the next step.
    assert (await phone.get(f"{API}/account", headers=pending)).status_code == 401
    weak = await phone.post(
        f"{API}/activate", json={"password": "123456789012", "passcode": "111111"}, headers=pending
    )
    assert weak.status_code == 422
    assert weak.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in weak.json()["errors"]} == {"password", "passcode"}
    done = await phone.post(
        f"{API}/activate", json={"password": PASSWORD, "passcode": PASSCODE}, headers=pending
    )
    token = done.json()["token"]
    assert token != step.json()["token"]  # rotated
    me = await phone.get(f"{API}/account", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["personal_id"] == holder.personal_id
    assert me.json()["level"] == 2
    passcode = await phone.post(
        f"{API}/passcode/check",
        json={"passcode": "000000"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert passcode.status_code == 401
    ok = await phone.post(
        f"{API}/passcode/check",
        json={"passcode": PASSCODE},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert ok.status_code == 204
    await phone.aclose()


async def test_one_app_device_at_a_time(db, app):
    holder = await create_holder(db, app)
    first, second = await _app(app, "Pixel 8"), await _app(app, "iPhone 15")
    token1 = await _sign_in(first, holder)
    token2 = await _sign_in(second, holder)
    assert (
        await first.get(f"{API}/account", headers={"Authorization": f"Bearer {token1}"})
    ).status_code == 401
    devices = await second.get(f"{API}/devices", headers={"Authorization": f"Bearer {token2}"})
    assert [d["name"] for d in devices.json()] == ["iPhone 15"]
    assert devices.json()[0]["channel"] == "app"
    await first.aclose()
    await second.aclose()


async def test_idempotency_key_replays_instead_of_sending_a_second_code(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}"}
    body = {"value": "0987654321", "password": holder.password}
    missing = await phone.post(f"{API}/contact/phone", json=body, headers=auth)
    assert missing.status_code == 428
    before = await _sms_count(db)
    first = await phone.post(
        f"{API}/contact/phone", json=body, headers={**auth, "Idempotency-Key": "k-1"}
    )
    again = await phone.post(
        f"{API}/contact/phone", json=body, headers={**auth, "Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() == {"sent_to": "0987***321"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _sms_count(db) == before + 1
    other = {**body, "value": "0977777777"}
    reused = await phone.post(
        f"{API}/contact/phone", json=other, headers={**auth, "Idempotency-Key": "k-1"}
    )
    assert reused.status_code == 422
    code = code_in(await last_sms(db, "0987654321"))
    confirmed = await phone.post(
        f"{API}/contact/phone/confirm",
        json={"code": code},
        headers={**auth, "Idempotency-Key": "k-2"},
    )
    assert confirmed.json() == {"phone": "0987***321"}
    await phone.aclose()


async def test_panic_lock_from_the_app_and_unlock_with_the_sms_code(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}"}
    locked = await phone.post(f"{API}/lock", headers={**auth, "Idempotency-Key": "lock-1"})
    assert locked.json() == {"locked": True}
    assert (await phone.get(f"{API}/account", headers=auth)).status_code == 401
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert step.json()["stage"] == "mfa"
    assert step.json()["methods"] == ["sms"]
    pending = {"Authorization": f"Bearer {step.json()['token']}"}
    sent = await phone.post(f"{API}/sign-in/code", headers={**pending, "Idempotency-Key": "c-1"})
    assert sent.status_code == 202
    code = code_in(await last_sms(db, holder.phone))
    verified = await phone.post(
        f"{API}/sign-in/verify", json={"method": "sms", "code": code}, headers=pending
    )
    assert verified.json()["stage"] == "locked"
    unlocked = await phone.post(
        f"{API}/unlock", headers={"Authorization": f"Bearer {verified.json()['token']}"}
    )
    assert unlocked.json()["stage"] == "ok"
    me = await phone.get(
        f"{API}/account", headers={"Authorization": f"Bearer {unlocked.json()['token']}"}
    )
    assert me.json()["locked"] is False
    await phone.aclose()


async def test_api_is_in_the_openapi_document(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/api/app/v1/sign-in", "/api/app/v1/lock", "/api/app/v1/password-reset"):
        assert path in paths
    lock = paths["/api/app/v1/lock"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in lock["parameters"])


async def test_profile_report_and_activity_over_the_app(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}"}
    me = await phone.get(f"{API}/profile", headers=auth)
    assert me.status_code == 200
    assert me.json()["record"]["personal_id"] == holder.personal_id
    report = {"field": "name", "message": "My middle name is spelt wrongly on the record."}
    headers = {**auth, "Idempotency-Key": "report-1"}
    first = await phone.post(f"{API}/profile/reports", json=report, headers=headers)
    again = await phone.post(f"{API}/profile/reports", json=report, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len((await phone.get(f"{API}/profile", headers=auth)).json()["requests"]) == 1
    log = await phone.get(f"{API}/activity", headers=auth)
    actions = [e["action"] for e in log.json()["entries"]]
    assert "account.correction_requested" in actions
    assert "account.signed_in" in actions
    await phone.aclose()


async def test_authenticator_app_set_up_from_the_app_then_asked_at_sign_in(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}"}
    setup = await phone.post(f"{API}/factors/totp/setup", headers=auth)
    secret = setup.json()["secret"]
    assert setup.json()["uri"].startswith("otpauth://totp/")
    confirm = await phone.post(
        f"{API}/factors/totp/confirm",
        json={"code": pyotp.TOTP(secret).now(), "password": holder.password},
        headers={**auth, "Idempotency-Key": "totp-1"},
    )
    assert confirm.status_code == 200, confirm.text
    assert len(confirm.json()["recovery_codes"]) == 10
    listed = (await phone.get(f"{API}/factors", headers=auth)).json()
    assert listed["methods"] == ["totp", "recovery"]
    assert listed["recovery_codes_left"] == 10
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert step.json()["stage"] == "mfa"
    # The code that confirmed the set-up cannot sign in again: a recovery code does.
    pending = {"Authorization": f"Bearer {step.json()['token']}"}
    done = await phone.post(
        f"{API}/sign-in/verify",
        json={"method": "recovery", "code": confirm.json()["recovery_codes"][0]},
        headers=pending,
    )
    assert done.json()["stage"] == "ok"
    await phone.aclose()


async def test_a_wrong_passcode_is_written_to_the_activity_log(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}"}
    wrong = await phone.post(f"{API}/passcode/check", json={"passcode": "000000"}, headers=auth)
    assert wrong.status_code == 401
    log = (await phone.get(f"{API}/activity", headers=auth)).json()["entries"]
    assert "account.passcode_failed" in [e["action"] for e in log]
    await phone.aclose()


async def test_control_characters_are_refused_not_a_server_error(db, app):
    holder = await create_holder(db, app)
    phone = await _app(app, "Pixel 8")
    auth = {"Authorization": f"Bearer {await _sign_in(phone, holder)}", "Idempotency-Key": "nul"}
    body = {"value": "an\x00@example.com", "password": holder.password}
    refused = await phone.post(f"{API}/contact/email", json=body, headers=auth)
    assert refused.status_code == 422
    await phone.aclose()
