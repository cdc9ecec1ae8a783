"""Devices and sessions, and the panic lock with the holder's unlock."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from dinhdanh.accounts.models import Account, AccountLock
from dinhdanh.platform.audit import AuditEvent
from tests.factories.accounts import code_in, create_holder, last_sms, sign_in_web

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


async def _second_browser(app, agent: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("113.161.1.1", 40000))
    browser = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    await browser.get("/healthz")
    browser.headers.update(
        {
            "X-CSRF-Token": browser.cookies.get("dd_csrf", ""),
            "User-Agent": agent,
            "Accept-Language": "en",
        }
    )
    return browser


async def test_devices_list_each_browser_and_signs_one_out(client, db, app):
    holder = await create_holder(db, app)
    client.headers["User-Agent"] = CHROME
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    other = await _second_browser(app, FIREFOX)
    assert (await sign_in_web(other, holder)).headers["location"] == "/me"
    page = await client.get("/me/devices")
    assert "Chrome / Linux" in page.text
    assert "Firefox / Windows" in page.text
    assert "Viet Nam" in page.text  # 113.161.x.x is a Vietnamese address
    assert "this device" in page.text
    # Sign the other browser out from this one.
    ended = await client.post("/me/devices/end-others")
    assert ended.status_code == 303
    assert (await other.get("/me")).status_code == 303
    assert (await client.get("/me")).status_code == 200
    await other.aclose()


async def test_panic_lock_ends_every_session_and_holder_unlocks_with_a_code(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    other = await _second_browser(app, FIREFOX)
    await sign_in_web(other, holder)
    locked = await client.post("/me/lock")
    assert locked.status_code == 200
    assert "Your account is locked" in locked.text
    assert (await other.get("/me")).headers["location"].startswith("/me/login")
    # The password alone no longer opens it: a second factor is asked (SMS at least).
    step = await sign_in_web(client, holder)
    assert step.headers["location"] == "/me/login/verify"
    page = await client.get("/me/login/verify")
    assert "Your account is locked" in page.text
    await client.post("/me/login/send-code")
    code = code_in(await last_sms(db, holder.phone))
    unlock_page = await client.post("/me/login/verify", data={"method": "sms", "code": code})
    assert unlock_page.headers["location"] == "/me/unlock"
    unlock_text = (await client.get("/me/unlock")).text
    assert "At the holder" in unlock_text
    done = await client.post("/me/unlock")
    assert done.headers["location"] == "/me?done=unlocked"
    assert (await client.get("/me")).status_code == 200
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        assert account.locked is False
        lock = await session.scalar(select(AccountLock).where(AccountLock.account_id == account.id))
        assert lock.unlocked_by_kind == "holder"
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.citizen_id == holder.citizen_id)
            )
        )
    assert "account.locked" in actions and "account.unlocked" in actions
    await other.aclose()


async def test_change_phone_needs_the_code_sent_to_the_new_number(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    wrong_pw = await client.post(
        "/me/contact/phone", data={"value": "0987654321", "password": "nope-nope-nope"}
    )
    assert wrong_pw.status_code == 403
    sent = await client.post(
        "/me/contact/phone", data={"value": "0987654321", "password": holder.password}
    )
    assert sent.status_code == 200
    assert "0987***321" in sent.text
    code = code_in(await last_sms(db, "0987654321"))
    bad = await client.post(
        "/me/contact/phone/confirm", data={"code": "000000" if code != "000000" else "111111"}
    )
    assert bad.status_code == 400
    ok = await client.post("/me/contact/phone/confirm", data={"code": code})
    assert ok.headers["location"] == "/me/contact?done=phone"
    # The old number is told.
    assert "was changed to 0987***321" in await last_sms(db, holder.phone)
    async with db.unit_of_work() as session:
        assert (await session.get(Account, holder.account_id)).phone == "0987654321"
