"""Officers and administrators on citizens' accounts: look-up inside the unit, lock with a
legal reason (seen by the citizen), unlock, a new initial password, ending sessions,
creation by an administrator, and the audit trail in the citizen's activity."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from sqlalchemy import select

from dinhdanh.accounts.models import Account
from dinhdanh.platform.audit import AuditEvent
from tests.accounts.staff_clients import staff_factory
from tests.factories.accounts import (
    code_in,
    create_holder,
    initial_password_in,
    last_sms,
    sign_in_web,
)
from tests.factories.population import NEIGHBOUR, make_card, make_citizen

UNKNOWN_PID = "001090999999"
NOT_IN_UNIT = "No account with this personal ID in your unit."


@pytest.fixture
async def staff(app):
    """Open signed-in staff clients: `await staff()`, `await staff("admin")`, ..."""
    async with contextlib.AsyncExitStack() as stack:
        yield staff_factory(app, stack)


async def _account(db, account_id) -> Account:
    async with db.unit_of_work() as session:
        return await session.get(Account, account_id)


async def _staff_events(db, citizen_id) -> list[AuditEvent]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.citizen_id == citizen_id, AuditEvent.actor_kind == "staff")
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def test_an_officer_of_another_commune_cannot_tell_the_account_exists(client, db, app, staff):
    holder = await create_holder(db, app)
    home, other = await staff(), await staff(commune=NEIGHBOUR)

    found = await home.get("/officer/accounts", params={"personal_id": holder.personal_id})
    assert found.status_code == 200
    assert "0912***678" in found.text and "0912345678" not in found.text

    hidden = await other.get("/officer/accounts", params={"personal_id": holder.personal_id})
    unknown = await other.get("/officer/accounts", params={"personal_id": UNKNOWN_PID})
    assert hidden.status_code == unknown.status_code == 404
    assert NOT_IN_UNIT in hidden.text and NOT_IN_UNIT in unknown.text
    api_hidden = await other.get("/api/v1/accounts", params={"personal_id": holder.personal_id})
    api_unknown = await other.get("/api/v1/accounts", params={"personal_id": UNKNOWN_PID})
    assert api_hidden.status_code == 404
    assert api_hidden.headers["content-type"] == "application/problem+json"
    assert api_hidden.json() == api_unknown.json()

    by_id = await other.get(f"/officer/accounts/{holder.account_id}")
    assert by_id.status_code == 404
    assert (await other.get(f"/api/v1/accounts/{uuid.uuid4()}")).json()["detail"] == NOT_IN_UNIT
    refused = await other.post(
        f"/api/v1/accounts/{holder.account_id}/lock",
        json={"reason": "terms_breach", "note": "QĐ 1"},
    )
    assert refused.status_code == 404
    assert not (await _account(db, holder.account_id)).locked


@pytest.mark.parametrize("reason", ["terms_breach", "holder_request"])
async def test_lock_signs_the_citizen_out_and_they_see_why_with_no_unlock_button(
    client, db, app, staff, reason
):
    """Also a lock the police set "at the holder's request" at the office: it is lifted at
    the office, not online."""
    holder = await create_holder(db, app)
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    assert (await client.get("/me")).status_code == 200
    officer = await staff()
    label = {"terms_breach": "Breach of the terms of use", "holder_request": "At the holder"}[
        reason
    ]

    locked = await officer.post(
        f"/officer/accounts/{holder.account_id}/lock",
        data={"reason": reason, "note": "Quyết định 12/QĐ-CAX"},
    )
    assert locked.status_code == 303
    page = await officer.get(locked.headers["location"])
    assert "The account is locked and every session was signed out." in page.text
    assert label in page.text and "Quyết định 12/QĐ-CAX" in page.text
    assert label in await last_sms(db, holder.phone)

    # The citizen's next click: signed out.
    after = await client.get("/me")
    assert after.status_code == 303 and after.headers["location"].startswith("/me/login")
    # Signing in again asks for a code to the phone, then shows the reason, no way out.
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"
    assert (await client.post("/me/login/send-code")).status_code == 200
    code = code_in(await last_sms(db, holder.phone))
    verified = await client.post("/me/login/verify", data={"method": "sms", "code": code})
    assert verified.headers["location"] == "/me/unlock"
    shown = await client.get("/me/unlock")
    assert label in shown.text
    assert "by the police" in shown.text
    assert 'id="unlock"' not in shown.text
    assert (await client.post("/me/unlock")).status_code == 403
    assert (await client.get("/me")).status_code == 303


async def test_lock_needs_a_legal_reason_and_grounds(client, db, app, staff):
    holder = await create_holder(db, app)
    officer = await staff()
    refused = await officer.post(
        f"/officer/accounts/{holder.account_id}/lock", data={"reason": "death", "note": " "}
    )
    assert refused.status_code == 422
    assert "Choose a legal reason." in refused.text
    assert "Write the grounds (request, decision number)." in refused.text
    api = await officer.post(
        f"/api/v1/accounts/{holder.account_id}/lock", json={"reason": "because", "note": "x"}
    )
    assert api.status_code == 422
    # A seized card locks through the registry (the card's own action), not by hand.
    seized = await officer.post(
        f"/api/v1/accounts/{holder.account_id}/lock", json={"reason": "card_seized", "note": "x"}
    )
    assert seized.status_code == 422
    assert api.json()["errors"][0]["field"] == "reason"
    assert not (await _account(db, holder.account_id)).locked


async def test_officer_unlock_lets_the_citizen_back_in(client, db, app, staff):
    holder = await create_holder(db, app)
    officer = await staff("supervisor")
    url = f"/api/v1/accounts/{holder.account_id}"
    made = await officer.post(f"{url}/lock", json={"reason": "authority_request", "note": "CV 7"})
    assert made.status_code == 201
    lock_id = made.json()["id"]
    again = await officer.post(f"{url}/lock", json={"reason": "authority_request", "note": "CV 8"})
    assert again.status_code == 409
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"

    no_grounds = await officer.post(f"{url}/locks/{lock_id}/unlock", json={"note": ""})
    assert no_grounds.status_code == 422
    lifted = await officer.post(f"{url}/locks/{lock_id}/unlock", json={"note": "CV 9 rút yêu cầu"})
    assert lifted.status_code == 200 and lifted.json()["unlocked_at"]
    assert (
        await officer.post(f"{url}/locks/{lock_id}/unlock", json={"note": "x"})
    ).status_code == 409

    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    detail = (await officer.get(url)).json()
    assert detail["locked"] is False and detail["open_locks"] == []
    assert [x["reason"] for x in detail["lock_history"]] == ["authority_request"]


async def test_a_new_initial_password_replaces_the_old_one(client, db, app, staff):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    officer = await staff()
    sent = await officer.post(f"/officer/accounts/{holder.account_id}/initial-password")
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=password-sent")

    assert (await client.get("/me")).status_code == 303  # signed out
    assert (await sign_in_web(client, holder)).status_code == 401  # old password
    holder.password = initial_password_in(await last_sms(db, holder.phone))
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/activate"


async def test_end_all_sessions(client, db, app, staff):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    officer = await staff()
    before = await officer.get(f"/officer/accounts/{holder.account_id}")
    assert 'id="sessions">1<' in before.text
    ended = await officer.post(f"/officer/accounts/{holder.account_id}/sessions/end")
    page = await officer.get(ended.headers["location"])
    assert "Every session of the account was ended." in page.text
    assert 'id="sessions">0<' in page.text
    assert (await client.get("/me")).status_code == 303
    api = await officer.post(f"/api/v1/accounts/{holder.account_id}/sessions/end")
    assert api.json() == {"sessions_ended": 0}
    events = [e for e in await _staff_events(db, holder.citizen_id)]
    assert [e.data for e in events if e.action == "account.sessions_ended"] == [
        {"sessions_ended": 1},
        {"sessions_ended": 0},
    ]


async def test_an_administrator_creates_an_account(client, db, app, staff):
    async with db.unit_of_work() as session:
        citizen = await make_citizen(session, given="Chi", commune_code=NEIGHBOUR)
        await make_card(session, citizen)
        pid, citizen_id = citizen.personal_id, citizen.id
    officer, admin = await staff(), await staff("admin")
    assert (await officer.get("/officer/accounts/new")).status_code == 403
    body = {"personal_id": pid, "phone": "0987654321"}
    assert (await officer.post("/api/v1/accounts", json=body)).status_code == 403

    missing = await admin.get("/officer/accounts", params={"personal_id": pid})
    assert missing.status_code == 404
    assert "This citizen has no e-ID account yet." in missing.text
    assert "/officer/accounts/new?personal_id=" in missing.text
    bad = await admin.post("/officer/accounts/new", data={"personal_id": pid, "phone": "12345"})
    assert bad.status_code == 422 and "Enter a Vietnamese mobile number" in bad.text
    unknown = await admin.post(
        "/officer/accounts/new", data={"personal_id": UNKNOWN_PID, "phone": "0987654321"}
    )
    assert unknown.status_code == 404 and "No citizen with this personal ID." in unknown.text

    made = await admin.post(
        "/officer/accounts/new", data={"personal_id": pid, "phone": "+84 987 654 321"}
    )
    assert made.status_code == 303 and made.headers["location"].endswith("?done=created")
    page = await admin.get(made.headers["location"])
    assert "Waiting for activation" in page.text and "0987***321" in page.text
    twice = await admin.post("/api/v1/accounts", json=body)
    assert twice.status_code == 409

    password = initial_password_in(await last_sms(db, "0987654321"))
    signed = await client.post("/me/login", data={"personal_id": pid, "password": password})
    assert signed.headers["location"] == "/me/activate"
    actions = [e.action for e in await _staff_events(db, citizen_id)]
    assert "account.created" in actions and "account.initial_password_sent" in actions


async def test_create_through_the_api_answers_the_masked_account(db, app, staff):
    async with db.unit_of_work() as session:
        citizen = await make_citizen(session, given="Dũng")
        pid = citizen.personal_id
    admin = await staff("admin")
    made = await admin.post(
        "/api/v1/accounts", json={"personal_id": pid, "phone": "0356000111", "level": 1}
    )
    assert made.status_code == 201
    body = made.json()
    assert body["phone"] == "0356***111" and body["status"] == "pending" and body["level"] == 1
    assert [e["action"] for e in body["history"]][-1] == "account.created"


async def test_every_officer_action_is_audited_with_the_citizen_id(client, db, app, staff):
    holder = await create_holder(db, app)
    officer = await staff()
    url = f"/api/v1/accounts/{holder.account_id}"
    assert (
        await officer.get("/api/v1/accounts", params={"personal_id": holder.personal_id})
    ).is_success
    lock_id = (
        await officer.post(f"{url}/lock", json={"reason": "holder_request", "note": "Đơn ngày 3/3"})
    ).json()["id"]
    await officer.post(f"{url}/locks/{lock_id}/unlock", json={"note": "Đơn ngày 4/3"})
    await officer.post(f"{url}/initial-password")
    await officer.post(f"{url}/sessions/end")

    events = await _staff_events(db, holder.citizen_id)
    assert [e.action for e in events] == [
        "account.looked_up",
        "account.locked",
        "account.unlocked",
        "account.initial_password_sent",
        "account.sessions_ended",
    ]
    assert all(e.subject_id == str(holder.account_id) for e in events)
    assert all(e.actor_unit == "CAX-00004" for e in events)
    written = " ".join(str(e.data) for e in events)
    assert holder.personal_id not in written and holder.phone not in written
    # The account's history the officer reads shows these changes, not the reads.
    history = (await officer.get(url)).json()["history"]
    assert "account.looked_up" not in [e["action"] for e in history]
    assert history[0]["action"] == "account.sessions_ended"


async def test_the_accounts_link_is_in_the_console_for_officers(db, app, staff):
    page = await (await staff()).get("/officer/accounts")
    assert 'href="/officer/accounts"' in page.text
    assert "Create an account" not in page.text
    admin_page = await (await staff("admin")).get("/officer/accounts")
    assert 'href="/officer/accounts/new"' in admin_page.text


async def test_the_officer_sees_when_the_account_last_signed_in(client, db, app, staff):
    holder = await create_holder(db, app)
    officer = await staff()
    never = await officer.get(f"/api/v1/accounts/{holder.account_id}")
    assert never.json()["last_sign_in_at"] is None
    await sign_in_web(client, holder)
    seen = await officer.get(f"/api/v1/accounts/{holder.account_id}")
    assert seen.json()["last_sign_in_at"] is not None
