"""Forgotten password: a code to the registered phone and a second factor; else the office."""

from __future__ import annotations

import pyotp

from dinhdanh.accounts.models import TOTP_CONTEXT, Account, RecoveryCode
from dinhdanh.platform.crypto import token_digest
from tests.factories.accounts import code_in, create_holder, last_sms, sign_in_web

NEW = "Song-Hong-chay-qua-Ha-Noi-9"


async def _give_factors(db, app, holder, code: str = "ABCD-EFGH-JK") -> str:
    """A TOTP secret and one recovery code, as enrolling a first factor leaves them."""
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        secret = pyotp.random_base32()
        account.totp_secret_enc = app.state.cipher.encrypt(secret, context=TOTP_CONTEXT)
        digest = token_digest("ABCDEFGHJK")
        session.add(RecoveryCode(account_id=holder.account_id, code_digest=digest))
    return code


async def test_reset_with_sms_code_and_recovery_code(client, db, app):
    holder = await create_holder(db, app)
    recovery = await _give_factors(db, app, holder)
    assert (
        await client.post("/me/forgot", data={"personal_id": holder.personal_id})
    ).status_code == 303
    page = await client.get("/me/forgot")
    assert "a code was sent by SMS" in page.text
    code = code_in(await last_sms(db, holder.phone))
    assert (await client.post("/me/forgot/code", data={"code": code})).status_code == 303
    wrong = await client.post(
        "/me/forgot/factor", data={"method": "recovery", "code": "ZZZZ-ZZZZ-ZZ"}
    )
    assert wrong.status_code == 401
    ok = await client.post(
        "/me/forgot/factor", data={"method": "recovery", "code": recovery.lower()}
    )
    assert ok.status_code == 303
    weak = await client.post(
        "/me/forgot/password", data={"password": "matkhau123456", "password2": "matkhau123456"}
    )
    assert weak.status_code == 422
    done = await client.post("/me/forgot/password", data={"password": NEW, "password2": NEW})
    assert "Your password is changed" in done.text
    holder.password = NEW
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"
    # The recovery code is spent.
    again = await client.post("/me/login/verify", data={"method": "recovery", "code": recovery})
    assert again.status_code == 401
    assert "was reset" in await last_sms(db, holder.phone)


async def test_unknown_id_gets_the_same_answer_and_no_code_works(client, db, app):
    holder = await create_holder(db, app)
    known = await client.post("/me/forgot", data={"personal_id": holder.personal_id})
    known_page = (await client.get("/me/forgot")).text
    client.cookies.delete("dd_reset", path="/me/forgot")
    unknown = await client.post("/me/forgot", data={"personal_id": "001099999999"})
    unknown_page = (await client.get("/me/forgot")).text
    assert known.status_code == unknown.status_code == 303
    assert known_page.split('name="csrf_token"')[0] == unknown_page.split('name="csrf_token"')[0]
    wrong = await client.post("/me/forgot/code", data={"code": "123456"})
    assert wrong.status_code == 401


async def test_without_a_second_factor_the_page_sends_the_holder_to_the_office(client, db, app):
    holder = await create_holder(db, app)
    await client.post("/me/forgot", data={"personal_id": holder.personal_id})
    code = code_in(await last_sms(db, holder.phone))
    await client.post("/me/forgot/code", data={"code": code})
    page = await client.get("/me/forgot")
    assert "cannot be reset online" in page.text
    # And the password step is closed.
    refused = await client.post("/me/forgot/password", data={"password": NEW, "password2": NEW})
    assert refused.status_code == 400
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        assert account.password_changed_at is not None  # from activation only
