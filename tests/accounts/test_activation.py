"""Activation: the initial password from the SMS, then the forced change with a passcode."""

from __future__ import annotations

from dinhdanh.accounts.models import Account
from tests.factories.accounts import PASSCODE, PASSWORD, create_holder, sign_in_web
from tests.factories.audit import actions as audit_actions


async def test_initial_password_leads_to_forced_change_then_home(client, db, app):
    holder = await create_holder(db, app, activate=False)
    first = await sign_in_web(client, holder)
    assert first.status_code == 303
    assert first.headers["location"] == "/me/activate"
    # Half-way, the account's pages stay closed.
    assert (await client.get("/me")).headers["location"].startswith("/me/login")
    weak = await client.post(
        "/me/activate",
        data={"password": "matkhau123456", "password2": "matkhau123456", "passcode": "123456"},
    )
    assert weak.status_code == 422
    assert "too common" in weak.text
    assert "too easy" in weak.text
    done = await client.post(
        "/me/activate", data={"password": PASSWORD, "password2": PASSWORD, "passcode": PASSCODE}
    )
    assert done.status_code == 303
    home = await client.get("/me")
    assert home.status_code == 200
    assert holder.personal_id in home.text
    # The initial password worked once: now only the new one does.
    await client.post("/me/logout")
    again = await sign_in_web(client, holder)
    assert again.status_code == 401
    holder.password = PASSWORD
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        assert account.status == "active"
    actions = await audit_actions(db, holder.citizen_id)
    assert actions[:3] == ["account.created", "account.initial_password_sent", "account.activated"]
    assert actions.count("account.signed_in") == 2


async def test_password_with_own_birth_date_is_refused(client, db, app):
    holder = await create_holder(db, app, activate=False, birth=(1990, 5, 17))
    await sign_in_web(client, holder)
    page = await client.post(
        "/me/activate",
        data={"password": "Hoasen17051990x", "password2": "Hoasen17051990x", "passcode": "170590"},
    )
    assert page.status_code == 422
    assert "must not contain your ID, birth date" in page.text
    assert "must not be your birth date" in page.text


async def test_unknown_id_and_wrong_password_get_the_same_answer(client, db, app):
    holder = await create_holder(db, app)
    wrong = await client.post(
        "/me/login", data={"personal_id": holder.personal_id, "password": "x" * 14}
    )
    unknown = await client.post(
        "/me/login", data={"personal_id": "001099999999", "password": "x" * 14}
    )
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda t: t.replace(holder.personal_id, "").replace("001099999999", "")  # noqa: E731
    assert strip(wrong.text) == strip(unknown.text)
