"""The holder's profile, 'report an error' and the commune police's queue, and the
activity log built from the audit log."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from dinhdanh.accounts import activity
from dinhdanh.accounts.models import Account, CorrectionRequest
from dinhdanh.platform import audit
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.outbox import OutboxMessage
from tests.factories.accounts import create_holder, sign_in_web
from tests.factories.auth import sign_in_as
from tests.factories.population import HOME, NEIGHBOUR

OFFICER_IP = "198.51.100.9"
REPORT = {"field": "birth_date", "message": "My birth day is 18, not 17, see my birth certificate."}


@pytest.fixture
async def officer(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser, signed in as an officer of the holder's commune (Phường Ba Đình)."""
    async with _staff_client(app, Scope("commune", "01", HOME), "CAX-00004") as c:
        yield c


@asynccontextmanager
async def _staff_client(
    app, scope: Scope, unit: str | None, roles: tuple[str, ...] = ("officer",)
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own (cookies, address) signed in as a staff member."""
    transport = httpx.ASGITransport(app=app, client=(OFFICER_IP, 41000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await c.get("/healthz")
        c.headers["X-CSRF-Token"] = c.cookies.get("dd_csrf", "")
        c.headers["Accept-Language"] = "en"
        await sign_in_as(c, app, roles=roles, scope=scope, unit_code=unit)
        yield c


async def _signed_in_holder(client, db, app, **fields):
    holder = await create_holder(db, app, **fields)
    assert (await sign_in_web(client, holder)).status_code == 303
    return holder


async def _requests(db, citizen_id) -> list[CorrectionRequest]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(CorrectionRequest).where(CorrectionRequest.citizen_id == citizen_id)
        )
        return list(rows)


def _rows(page: httpx.Response) -> int:
    return len(re.findall(r'<tr class="activity-', page.text))


# ---------------------------------------------------------------- profile and reports


async def test_profile_shows_own_registry_data_and_account(client, db, app):
    holder = await _signed_in_holder(client, db, app, given="Hạnh", sex="F", birth=(1987, 3, None))
    page = await client.get("/me/profile")
    assert page.status_code == 200
    assert "Nguyễn Văn Hạnh" in page.text
    assert holder.personal_id in page.text
    # A birth known to the month only stays so: no invented day.
    assert re.search(r'id="birth">03/1987<', page.text)
    assert "Phường Ba Đình" in page.text
    assert "Level 2" in page.text and "Active" in page.text
    assert "Valid" in page.text  # the card and its status


async def test_profile_needs_a_signed_in_citizen(client):
    page = await client.get("/me/profile")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/me/login")


async def test_report_goes_to_the_commune_police_of_permanent_residence(client, db, app, officer):
    holder = await _signed_in_holder(client, db, app)
    sent = await client.post("/me/profile/report", data=REPORT)
    assert sent.status_code == 303
    [request] = await _requests(db, holder.citizen_id)
    assert request.commune_code == HOME and request.status == "open"
    mine = await client.get("/me/profile")
    assert "My birth day is 18" in mine.text and "Waiting for an answer" in mine.text

    queue = await officer.get("/officer/corrections")
    assert queue.status_code == 200
    assert "Nguyễn Văn An" in queue.text and "My birth day is 18" in queue.text
    closed = await officer.post(
        f"/officer/corrections/{request.id}/close",
        data={"answer": "Corrected after checking the birth certificate."},
    )
    assert closed.status_code == 303
    assert "No error reports here" in (await officer.get("/officer/corrections")).text
    answered = await officer.get("/officer/corrections?status=closed")
    assert "Corrected after checking" in answered.text

    # The holder reads the answer, and was told by SMS.
    mine = await client.get("/me/profile")
    assert "Corrected after checking the birth certificate." in mine.text
    assert "Answered" in mine.text
    async with db.unit_of_work() as session:
        sms = await session.scalar(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == holder.phone)
            .order_by(OutboxMessage.created_at.desc())
            .limit(1)
        )
    assert "answered your report" in sms
    actions = await _actions(db, holder.citizen_id)
    assert "account.correction_requested" in actions
    assert "account.correction_closed" in actions


async def test_officer_of_another_commune_neither_sees_nor_closes(client, db, app):
    holder = await _signed_in_holder(client, db, app)
    await client.post("/me/profile/report", data=REPORT)
    [request] = await _requests(db, holder.citizen_id)
    async with _staff_client(app, Scope("commune", "01", NEIGHBOUR), "CAX-00008") as other:
        queue = await other.get("/officer/corrections")
        assert queue.status_code == 200
        assert "My birth day is 18" not in queue.text
        refused = await other.post(
            f"/officer/corrections/{request.id}/close", data={"answer": "Done."}
        )
        assert refused.status_code == 404
        assert (await other.post("/officer/corrections/not-a-uuid/close")).status_code == 404
    # The province police see every commune of the province.
    async with _staff_client(app, Scope("province", "01"), "CAT-01", ("supervisor",)) as prov:
        assert "My birth day is 18" in (await prov.get("/officer/corrections")).text
    [still] = await _requests(db, holder.citizen_id)
    assert still.status == "open"


async def test_citizens_cannot_open_the_queue(client, db, app):
    await _signed_in_holder(client, db, app)
    queue = await client.get("/officer/corrections", headers={"Accept": "application/json"})
    assert queue.status_code == 401


async def test_closing_needs_an_answer(client, db, app, officer):
    holder = await _signed_in_holder(client, db, app)
    await client.post("/me/profile/report", data=REPORT)
    [request] = await _requests(db, holder.citizen_id)
    empty = await officer.post(f"/officer/corrections/{request.id}/close", data={"answer": "  "})
    assert empty.status_code == 422
    assert "Write the answer to the citizen" in empty.text
    [still] = await _requests(db, holder.citizen_id)
    assert still.status == "open"


async def test_report_checks_field_message_and_the_open_limit(client, db, app):
    holder = await _signed_in_holder(client, db, app)
    short = await client.post("/me/profile/report", data={"field": "name", "message": "wrong"})
    assert short.status_code == 422
    assert "Describe the error in 10 to 1000 characters" in short.text
    unknown = await client.post("/me/profile/report", data={**REPORT, "field": "salary"})
    assert unknown.status_code == 422
    assert "Choose what is wrong" in unknown.text
    for n in range(5):
        ok = await client.post(
            "/me/profile/report", data={**REPORT, "message": f"Error {n}: x" * 2}
        )
        assert ok.status_code == 303
    sixth = await client.post("/me/profile/report", data=REPORT)
    assert sixth.status_code == 409
    assert "5 error reports waiting" in sixth.text
    assert len(await _requests(db, holder.citizen_id)) == 5


# ---------------------------------------------------------------- the activity log


async def _actions(db, citizen_id) -> list[str]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.citizen_id == citizen_id)
        )
        return list(rows)


async def test_activity_shows_sign_ins_and_an_officers_view(client, db, app, officer):
    holder = await _signed_in_holder(client, db, app)
    wrong = await client.post(
        "/me/login", data={"personal_id": holder.personal_id, "password": "not-the-password"}
    )
    assert wrong.status_code == 401
    assert (await officer.get(f"/registry/citizens/{holder.citizen_id}")).status_code == 200
    assert (await officer.get(f"/registry?q={holder.personal_id}")).status_code == 200

    page = await client.get("/me/activity")
    assert page.status_code == 200
    text = page.text
    assert "Signed in to the account" in text
    assert "Failed sign-in attempt" in text and "wrong password" in text
    assert "Someone signing in with your personal ID" in text
    assert "Your registry record was viewed" in text
    assert "Your personal ID was looked up in the registry" in text
    assert "A police officer of unit CAX-00004" in text
    assert "203.0.113.7" in text  # where the holder signed in from
    assert OFFICER_IP not in text  # the officer's address is not the holder's to see
    assert holder.personal_id not in text
    # Newest first: the officer's look-up comes before the sign-in.
    assert text.index("looked up") < text.index("Signed in to the account")


async def test_activity_speaks_the_readers_language(client, db, app):
    await _signed_in_holder(client, db, app)
    client.headers["Accept-Language"] = "vi"
    page = await client.get("/me/activity")
    assert "Đăng nhập vào tài khoản" in page.text
    assert "Bạn" in page.text


async def test_activity_is_paged_newest_first(client, db, app):
    holder = await _signed_in_holder(client, db, app)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        actor = Principal(kind="citizen", id=str(account.id), citizen_id=account.citizen_id)
        for n in range(60):
            await audit.record(
                session,
                actor=actor,
                action="account.signed_out",
                subject_type="account",
                subject_id=str(account.id),
                citizen_id=account.citizen_id,
                data={"channel": "web", "n": n},
            )
        await audit.record(
            session,
            actor=Principal.system("later-feature"),
            action="account.something_new",
            subject_type="account",
            citizen_id=account.citizen_id,
        )
    total = len(await _actions(db, holder.citizen_id))
    first = await client.get("/me/activity")
    assert _rows(first) == 50
    assert "Change to your account" in first.text.split("</tr>")[1]  # the newest, generic label
    assert 'id="older"' in first.text and 'id="newer"' not in first.text
    second = await client.get("/me/activity?page=2")
    assert _rows(second) == total - 50
    assert 'id="older"' not in second.text and 'id="newer"' in second.text
    assert (await client.get("/me/activity?page=0")).status_code == 422

    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        one = await activity.activity(session=session, account=account, page=1)
        two = await activity.activity_entries(session=session, account=account, page=2)
    ids = [e.id for e in one.entries + two]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == total
    assert one.entries[0].actor == activity.SYSTEM and one.has_next
