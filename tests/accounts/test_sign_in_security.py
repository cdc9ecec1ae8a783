"""Sign-in security: lockout per account and per address, the same work for an unknown ID
as for a wrong password, session ids rotated, argon2 rehash on new parameters."""

from __future__ import annotations

import httpx
import pyotp

from dinhdanh.accounts import passwords, service
from dinhdanh.accounts.models import TOTP_CONTEXT, Account
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.credentials import PasswordHasher
from tests.factories.accounts import create_holder, sign_in_web


class CountingHasher:
    """The app's hasher, counting full verifications."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.verified = 0

    async def verify(self, stored, password):
        self.verified += 1
        return await self.inner.verify(stored, password)

    async def hash(self, password):
        return await self.inner.hash(password)


async def test_unknown_id_costs_the_same_argon2_work_as_a_wrong_password(client, db, app):
    holder = await create_holder(db, app)
    counting = CountingHasher(app.state.account_tools.hasher)
    app.state.account_tools.hasher = counting
    await client.post("/me/login", data={"personal_id": holder.personal_id, "password": "x" * 14})
    assert counting.verified == 1
    await client.post("/me/login", data={"personal_id": "001099999999", "password": "x" * 14})
    assert counting.verified == 2
    # Not even a malformed ID is answered early.
    await client.post("/me/login", data={"personal_id": "abc", "password": "x" * 14})
    assert counting.verified == 3


async def test_five_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, db, app):
    holder = await create_holder(db, app)
    for _ in range(5):
        wrong = await client.post(
            "/me/login", data={"personal_id": holder.personal_id, "password": "x" * 14}
        )
        assert wrong.status_code == 401
    right = await sign_in_web(client, holder)
    assert right.status_code == 429
    assert "Too many failed attempts" in right.text


async def test_an_address_failing_across_many_ids_is_throttled(client, db, app):
    app.state.account_tools.guard.ip_threshold = 3
    holder = await create_holder(db, app)
    for n in range(3):
        await client.post(
            "/me/login", data={"personal_id": f"00109900000{n}", "password": "x" * 14}
        )
    blocked = await sign_in_web(client, holder)
    assert blocked.status_code == 429
    # Another address still gets in.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await other.get("/healthz")
        other.headers["X-CSRF-Token"] = other.cookies.get("dd_csrf", "")
        assert (await sign_in_web(other, holder)).headers["location"] == "/me"


async def test_session_id_changes_at_each_step_and_the_old_one_is_dead(client, db, app):
    holder = await create_holder(db, app, activate=False)
    await client.get("/me/login")
    await sign_in_web(client, holder)
    pending = client.cookies.get("dd_citizen")
    await client.post(
        "/me/activate",
        data={
            "password": "Hoa-sen-no-trong-dam-7",
            "password2": "Hoa-sen-no-trong-dam-7",
            "passcode": "482915",
        },
    )
    signed_in = client.cookies.get("dd_citizen")
    assert pending and signed_in and pending != signed_in
    assert await app.state.account_tools.web_sessions.get(pending) is None
    # A cookie planted before sign-in (fixation) is not adopted.
    client.cookies.delete("dd_citizen")
    client.cookies.set("dd_citizen", "planted-by-an-attacker", domain="testserver.local")
    holder.password = "Hoa-sen-no-trong-dam-7"
    await sign_in_web(client, holder)
    assert client.cookies.get("dd_citizen") not in ("planted-by-an-attacker", signed_in)


async def test_password_is_rehashed_when_the_argon2_parameters_change(client, db, app):
    holder = await create_holder(db, app)
    weak = PasswordHasher(memory_kib=8 * 1024, time_cost=1)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        account.password_hash = await weak.hash(holder.password)
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    async with db.unit_of_work() as session:
        rehashed = (await session.get(Account, holder.account_id)).password_hash
    assert "m=19456,t=2,p=1" in rehashed


async def test_a_level_change_ends_the_sessions_so_the_new_one_carries_it(client, db, app):
    holder = await create_holder(db, app, level=1)
    await sign_in_web(client, holder)
    assert (await client.get("/me")).status_code == 200
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        await service.set_level(
            session=session,
            tools=app.state.account_tools,
            actor=Principal.system("t"),
            account=account,
            level=2,
        )
    assert (await client.get("/me")).status_code == 303
    await sign_in_web(client, holder)
    assert "Level 2" in (await client.get("/me")).text


async def test_citizen_forms_need_the_csrf_token(client, db, app):
    holder = await create_holder(db, app)
    del client.headers["X-CSRF-Token"]
    refused = await client.post(
        "/me/login", data={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert refused.status_code == 403
    token = client.cookies.get("dd_csrf")
    accepted = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "csrf_token": token},
    )
    assert accepted.headers["location"] == "/me"
    assert (await client.post("/me/lock")).status_code == 403  # no token, no lock
    assert (await client.get("/me")).status_code == 200


async def test_an_sms_code_cannot_stand_in_for_the_authenticator_app(client, db, app):
    holder = await create_holder(db, app)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        account.totp_secret_enc = app.state.cipher.encrypt(
            pyotp.random_base32(), context=TOTP_CONTEXT
        )
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"
    refused = await client.post("/me/login/send-code")
    assert "not turned on" in refused.text
    forged = await client.post("/me/login/verify", data={"method": "sms", "code": "123456"})
    assert forged.status_code == 401
    assert (await client.get("/me")).status_code == 303


async def test_wrong_passcodes_of_many_holders_do_not_block_another(db, app):
    """Checks made without a client address count per account only, never in one shared
    counter that anyone could fill to lock every citizen out."""
    app.state.account_tools.code_guard.ip_threshold = 3
    tools = app.state.account_tools
    holders = [await create_holder(db, app, phone=f"091200010{n}") for n in range(3)]
    async with db.unit_of_work() as session:
        for h in holders[:2]:
            account = await session.get(Account, h.account_id)
            for _ in range(2):
                assert not await passwords.verify_passcode(tools, account, "000000")
        third = await session.get(Account, holders[2].account_id)
        assert await passwords.verify_passcode(tools, third, holders[2].passcode)
