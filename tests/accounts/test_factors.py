"""The security page: password and passcode changes, the authenticator app, codes by SMS,
recovery codes and the passkey-alone switch — each confirmed with the password, audited,
and (for factors) told to the holder by SMS."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from sqlalchemy import select

from dinhdanh.accounts import passwords
from dinhdanh.accounts.models import Account, RecoveryCode
from dinhdanh.platform import clock, i18n
from dinhdanh.platform.audit import AuditEvent
from tests.factories.accounts import (
    PASSWORD,
    code_in,
    create_holder,
    last_sms,
    sign_in_web,
)

NEW_PASSWORD = "Dong-song-Huong-chay-mai-9"


@pytest.fixture(autouse=True)
def english_notices() -> Iterator[None]:
    """Services called outside a request (the factories) write in English too."""
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


async def _events(db, citizen_id, action: str) -> list[dict]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent.data)
            .where(AuditEvent.citizen_id == citizen_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def _account(db, holder) -> Account:
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        session.expunge(account)
        return account


def _codes_shown(page: str) -> list[str]:
    block = re.search(r'id="new-recovery-codes".*?</section>', page, re.S)
    return re.findall(r'<code class="secret">([A-Z0-9-]+)</code>', block.group(0)) if block else []


async def _enrol_totp(client: httpx.AsyncClient) -> tuple[str, httpx.Response]:
    """Start the authenticator set-up, read the key off the page, confirm with a code."""
    assert (await client.post("/me/security/totp/start")).status_code == 303
    page = await client.get("/me/security")
    assert 'src="data:image/svg+xml' in page.text
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.text).group(1)
    code = pyotp.TOTP(secret).at(clock.now())
    done = await client.post("/me/security/totp/confirm", data={"code": code, "password": PASSWORD})
    return secret, done


def _next_code(secret: str) -> str:
    """A code the server accepts that the enrolment did not use (one step ahead)."""
    return pyotp.TOTP(secret).at(clock.now() + dt.timedelta(seconds=30))


async def test_the_page_needs_a_signed_in_holder(client):
    page = await client.get("/me/security")
    assert page.status_code == 303
    assert page.headers["location"] == "/me/login?next=/me/security"


async def test_authenticator_set_up_shows_codes_once_and_guards_the_next_sign_in(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    first = await client.get("/me/security")
    assert 'id="totp-status">Off' in first.text
    assert "Recovery codes come with your first second factor." in first.text

    # A wrong code is refused and the app stays off.
    await client.post("/me/security/totp/start")
    wrong = await client.post(
        "/me/security/totp/confirm", data={"code": "000000", "password": PASSWORD}
    )
    assert wrong.status_code == 422
    assert "The code is not correct" in wrong.text
    assert (await _account(db, holder)).totp_secret_enc is None

    secret, done = await _enrol_totp(client)
    assert done.status_code == 303
    assert done.headers["location"].startswith("/me/security?done=totp_enabled")
    page = await client.get(done.headers["location"])
    assert "The authenticator app is set up." in page.text
    assert 'id="totp-status">On' in page.text
    codes = _codes_shown(page.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    # Shown once: the next visit counts them but does not show them.
    again = await client.get("/me/security")
    assert _codes_shown(again.text) == []
    assert "Unused recovery codes left: 10" in again.text

    assert "authenticator app was added" in await last_sms(db, holder.phone)
    assert await _events(db, holder.citizen_id, "account.totp_enabled") == [
        {"recovery_codes_generated": 10}
    ]
    assert await _events(db, holder.citizen_id, "account.recovery_codes_generated") == []

    # The next sign-in asks for the code.
    await client.post("/me/logout")
    step = await sign_in_web(client, holder)
    assert step.headers["location"] == "/me/login/verify"
    signed = await client.post(
        "/me/login/verify", data={"method": "totp", "code": _next_code(secret)}
    )
    assert signed.headers["location"] == "/me"
    assert (await client.get("/me")).status_code == 200


async def test_a_recovery_code_signs_in_once(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    _, done = await _enrol_totp(client)
    codes = _codes_shown((await client.get(done.headers["location"])).text)
    await client.post("/me/logout")

    await sign_in_web(client, holder)
    typed = codes[3].lower().replace("-", " ")  # read aloud, typed loosely
    signed = await client.post("/me/login/verify", data={"method": "recovery", "code": typed})
    assert signed.headers["location"] == "/me"
    assert "Unused recovery codes left: 9" in (await client.get("/me/security")).text
    await client.post("/me/logout")

    await sign_in_web(client, holder)
    reused = await client.post("/me/login/verify", data={"method": "recovery", "code": codes[3]})
    assert reused.status_code == 401
    assert "already used" in reused.text


async def test_removing_the_authenticator_needs_the_password(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    await _enrol_totp(client)
    await client.get("/me/security")

    refused = await client.post("/me/security/totp/remove", data={"password": "not-my-password"})
    assert refused.status_code == 403
    assert "The password is incorrect." in refused.text
    assert (await _account(db, holder)).totp_secret_enc is not None

    removed = await client.post("/me/security/totp/remove", data={"password": PASSWORD})
    assert removed.headers["location"].startswith("/me/security?done=totp_removed")
    page = await client.get(removed.headers["location"])
    assert "The authenticator app was removed." in page.text
    assert 'id="totp-status">Off' in page.text
    # No factor left: the recovery codes went with it, and the password alone signs in.
    assert "Recovery codes come with your first second factor." in page.text
    async with db.unit_of_work() as session:
        left = await session.scalars(
            select(RecoveryCode).where(RecoveryCode.account_id == holder.account_id)
        )
        assert list(left) == []
    assert "authenticator app was removed" in await last_sms(db, holder.phone)
    assert await _events(db, holder.citizen_id, "account.totp_removed") == [
        {"recovery_codes_dropped": 10}
    ]
    await client.post("/me/logout")
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"


async def test_codes_by_sms_turn_on_and_off(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    on = await client.post("/me/security/sms", data={"enabled": "1", "password": PASSWORD})
    assert on.headers["location"].startswith("/me/security?done=sms_on")
    page = await client.get(on.headers["location"])
    assert 'id="sms-status">On' in page.text
    assert len(_codes_shown(page.text)) == 10
    assert "codes by SMS to this number were turned on" in await last_sms(db, holder.phone)

    await client.post("/me/logout")
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"
    await client.post("/me/login/send-code")
    code = code_in(await last_sms(db, holder.phone))
    signed = await client.post("/me/login/verify", data={"method": "sms", "code": code})
    assert signed.headers["location"] == "/me"

    off = await client.post("/me/security/sms", data={"enabled": "0", "password": PASSWORD})
    assert off.headers["location"].startswith("/me/security?done=sms_off")
    assert not (await _account(db, holder)).sms_otp
    assert "turned off" in await last_sms(db, holder.phone)
    actions = [
        len(await _events(db, holder.citizen_id, a))
        for a in ("account.sms_otp_enabled", "account.sms_otp_disabled")
    ]
    assert actions == [1, 1]


async def test_new_recovery_codes_replace_the_old_ones(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    refused = await client.post("/me/security/recovery-codes", data={"password": PASSWORD})
    assert refused.status_code == 409
    assert "Add a second factor first" in refused.text

    on = await client.post("/me/security/sms", data={"enabled": "1", "password": PASSWORD})
    old = _codes_shown((await client.get(on.headers["location"])).text)
    made = await client.post("/me/security/recovery-codes", data={"password": PASSWORD})
    assert made.headers["location"].startswith("/me/security?done=codes")
    page = await client.get(made.headers["location"])
    new = _codes_shown(page.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert "The old ones no longer work." in page.text
    assert await _events(db, holder.citizen_id, "account.recovery_codes_generated") == [
        {"count": 10, "automatic": False}
    ]

    await client.post("/me/logout")
    await sign_in_web(client, holder)
    stale = await client.post("/me/login/verify", data={"method": "recovery", "code": old[0]})
    assert stale.status_code == 401
    fresh = await client.post("/me/login/verify", data={"method": "recovery", "code": new[0]})
    assert fresh.headers["location"] == "/me"


async def _other_browser(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 40000))
    browser = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    await browser.get("/healthz")
    browser.headers.update(
        {"X-CSRF-Token": browser.cookies.get("dd_csrf", ""), "Accept-Language": "en"}
    )
    return browser


async def test_password_change_signs_out_the_other_devices(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    other = await _other_browser(app)
    await sign_in_web(other, holder)

    mismatch = await client.post(
        "/me/security/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": "x"},
    )
    assert mismatch.status_code == 422
    assert "The two passwords are not the same." in mismatch.text
    weak = await client.post(
        "/me/security/password",
        data={
            "current_password": PASSWORD,
            "password": "matkhau123456",
            "password2": "matkhau123456",
        },
    )
    assert weak.status_code == 422
    assert "too common" in weak.text

    changed = await client.post(
        "/me/security/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert changed.headers["location"].startswith("/me/security?done=password")
    notice = await client.get(changed.headers["location"])
    assert "Your other devices were signed out." in notice.text
    assert (await other.get("/me")).headers["location"].startswith("/me/login")
    assert "password of your e-ID account was changed" in await last_sms(db, holder.phone)
    await other.aclose()

    await client.post("/me/logout")
    assert (await sign_in_web(client, holder)).status_code == 401
    holder.password = NEW_PASSWORD
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"


async def test_passcode_change_needs_the_password_and_a_good_passcode(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    no_password = await client.post(
        "/me/security/passcode", data={"password": "wrong-password", "passcode": "730519"}
    )
    assert no_password.status_code == 403
    easy = await client.post(
        "/me/security/passcode", data={"password": PASSWORD, "passcode": "111111"}
    )
    assert easy.status_code == 422
    assert "too easy to guess" in easy.text
    done = await client.post(
        "/me/security/passcode", data={"password": PASSWORD, "passcode": "730519"}
    )
    assert done.headers["location"].startswith("/me/security?done=passcode")
    account = await _account(db, holder)
    tools = app.state.account_tools
    assert await passwords.verify_passcode(tools, account, "730519")
    assert not await passwords.verify_passcode(tools, account, holder.passcode)
    assert len(await _events(db, holder.citizen_id, "account.passcode_changed")) == 1


async def test_passkey_alone_can_be_refused_and_allowed_again(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    assert 'id="alone-status">Allowed' in (await client.get("/me/security")).text
    off = await client.post(
        "/me/security/passkey-sign-in", data={"allowed": "0", "password": PASSWORD}
    )
    assert off.headers["location"].startswith("/me/security?done=alone_off")
    assert 'id="alone-status">Not allowed' in (await client.get("/me/security")).text
    assert not (await _account(db, holder)).passkey_sign_in
    await client.post("/me/security/passkey-sign-in", data={"allowed": "1", "password": PASSWORD})
    assert (await _account(db, holder)).passkey_sign_in
    assert await _events(db, holder.citizen_id, "account.passkey_sign_in_changed") == [
        {"allowed": False},
        {"allowed": True},
    ]


async def test_a_form_without_the_csrf_token_changes_nothing(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    del client.headers["X-CSRF-Token"]
    forged = await client.post("/me/security/sms", data={"enabled": "1", "password": PASSWORD})
    assert forged.status_code == 403
    assert not (await _account(db, holder)).sms_otp


async def test_the_page_speaks_vietnamese(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    client.headers["Accept-Language"] = "vi"
    page = await client.get("/me/security")
    assert "Bảo mật" in page.text
    assert "Ứng dụng xác thực" in page.text
