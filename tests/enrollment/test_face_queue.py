"""The commune's face-check queue: the officer of the person's commune sees the selfie
beside the card photo and decides; a match creates the level-1 account and tells the
person by SMS, no match sends them to the office; other units see nothing; a decision is
taken once."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from dinhdanh.accounts.models import Account
from tests.accounts.staff_clients import staff_factory
from tests.enrollment.level1_support import (
    chip_files,
    english,  # noqa: F401
    face_checks,
    make_person,
    registration,
    started_and_verified,
    submit_card,
    with_keys,  # noqa: F401
)
from tests.factories.accounts import last_sms, open_account
from tests.factories.audit import actions
from tests.factories.population import FAR, NEIGHBOUR

pytestmark = pytest.mark.usefixtures("with_keys", "english")


@pytest.fixture
async def staff(app) -> AsyncIterator:
    async with contextlib.AsyncExitStack() as stack:
        yield staff_factory(app, stack)


async def _waiting(client, db, settings, *, qr: bool = False, phone: str = "0912000111"):
    """A person whose registration waits in the home commune's queue."""
    person = await make_person(db, settings.field_cipher())
    started = await started_and_verified(client, db, person.personal_id, phone=phone)
    if qr:
        answer = await submit_card(client, started, qr_text=person.card.qr_text)
    else:
        answer = await submit_card(client, started, files=chip_files(person.card))
    assert answer.status_code == 202, answer.text
    [check] = await face_checks(db, person.citizen_id)
    return person, started, check


async def _accounts(db, personal_id: str) -> list[Account]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(select(Account).where(Account.personal_id == personal_id))
        return list(rows)


async def test_a_match_creates_the_level1_account_and_tells_the_person(client, db, settings, staff):
    person, started, check = await _waiting(client, db, settings)
    officer = await staff()

    queue = await officer.get("/officer/face-checks")
    assert queue.status_code == 200
    assert "Nguyễn Văn An" in queue.text and f"/officer/face-checks/{check.id}" in queue.text
    page = await officer.get(f"/officer/face-checks/{check.id}")
    assert page.status_code == 200
    assert re.search(r'id="selfie" src="data:image/png;base64,', page.text)
    assert re.search(r'id="card-photo" src="data:image/png;base64,', page.text)

    decided = await officer.post(
        f"/officer/face-checks/{check.id}/decide",
        data={"verdict": "match", "reason": "Cùng một người"},
    )
    assert decided.status_code == 303
    assert decided.headers["location"] == "/officer/face-checks?done=match"

    [account] = await _accounts(db, person.personal_id)
    assert (account.level, account.phone, account.status) == (1, started.phone, "pending")
    assert "initial password" in await last_sms(db, started.phone)
    stored = await registration(db, started.id)
    assert (stored.state, stored.account_id, stored.checks["face"]) == (
        "approved",
        account.id,
        True,
    )
    status = await client.get(
        f"/api/app/v1/level1/registrations/{started.id}", headers=started.auth
    )
    assert status.json()["state"] == "approved"
    done = await actions(db, person.citizen_id)
    for action in (
        "enrollment.face_check.listed",
        "enrollment.face_check.viewed",
        "enrollment.face_check.decided",
        "account.created",
        "level1.decided",
    ):
        assert action in done
    decided_list = await officer.get("/officer/face-checks?status=match")
    assert f"/officer/face-checks/{check.id}" in decided_list.text


async def test_no_match_sends_the_person_to_the_office(client, db, settings, staff):
    person, started, check = await _waiting(client, db, settings)
    officer = await staff()
    decided = await officer.post(
        f"/officer/face-checks/{check.id}/decide",
        data={"verdict": "no_match", "reason": "Ảnh chân dung không rõ mặt"},
    )
    assert decided.status_code == 303
    assert await _accounts(db, person.personal_id) == []
    assert "come to your commune police office" in await last_sms(db, started.phone)
    assert (await registration(db, started.id)).state == "rejected"


async def test_other_units_see_nothing(client, db, settings, staff):
    _, _, check = await _waiting(client, db, settings)
    for commune in (NEIGHBOUR, FAR):
        other = await staff(commune=commune)
        assert str(check.id) not in (await other.get("/officer/face-checks")).text
        assert (await other.get(f"/officer/face-checks/{check.id}")).status_code == 404
        refused = await other.post(
            f"/officer/face-checks/{check.id}/decide", data={"verdict": "match", "reason": "x"}
        )
        assert refused.status_code == 404
    admin = await staff(role="admin")
    assert (await admin.get("/officer/face-checks")).status_code == 403
    assert (await face_checks(db, check.citizen_id))[0].status == "pending"


async def test_a_decision_is_taken_once(client, db, settings, staff):
    person, _, check = await _waiting(client, db, settings)
    officer = await staff()
    url = f"/officer/face-checks/{check.id}/decide"
    form = {"verdict": "match", "reason": "Cùng một người"}
    assert (await officer.post(url, data=form)).status_code == 303
    again = await officer.post(url, data=form)
    assert again.status_code == 409
    assert "This face check was already decided." in again.text
    assert len(await _accounts(db, person.personal_id)) == 1


async def test_a_decision_needs_a_verdict_and_a_reason(client, db, settings, staff):
    _, _, check = await _waiting(client, db, settings)
    officer = await staff()
    refused = await officer.post(
        f"/officer/face-checks/{check.id}/decide", data={"verdict": "maybe", "reason": " "}
    )
    assert refused.status_code == 422
    assert "Choose match or no match." in refused.text
    assert "Write the reason for the decision." in refused.text
    assert (await face_checks(db, check.citizen_id))[0].status == "pending"


async def test_without_a_card_photo_only_no_match_is_possible(client, db, settings, staff):
    person, started, check = await _waiting(client, db, settings, qr=True)
    officer = await staff()
    page = await officer.get(f"/officer/face-checks/{check.id}")
    assert 'id="no-chip"' in page.text and 'id="no-card-photo"' in page.text
    url = f"/officer/face-checks/{check.id}/decide"
    refused = await officer.post(url, data={"verdict": "match", "reason": "Giống"})
    assert refused.status_code == 422
    assert await _accounts(db, person.personal_id) == []
    done = await officer.post(url, data={"verdict": "no_match", "reason": "Không có ảnh thẻ"})
    assert done.status_code == 303
    assert (await registration(db, started.id)).state == "rejected"


async def test_an_account_made_meanwhile_is_not_made_twice(client, db, settings, staff, app):
    person, started, check = await _waiting(client, db, settings)
    async with db.unit_of_work() as session:
        await open_account(session, app, person.personal_id)
    officer = await staff()
    answer = await officer.post(
        f"/officer/face-checks/{check.id}/decide",
        data={"verdict": "match", "reason": "Cùng một người"},
    )
    assert answer.status_code == 409
    assert "This citizen already has an account." in answer.text
    async with db.unit_of_work() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.personal_id == person.personal_id)
        )
    assert count == 1
    assert (await face_checks(db, check.citizen_id))[0].status == "pending"
    assert (await registration(db, started.id)).state == "face_check"
