"""The steps around the card: starting (limits per address and per personal ID, the
Idempotency-Key), the phone's code, the QR path without a chip, and the matcher
interface (an automatic matcher's match creates the account at once; a QR-only
registration still goes to an officer)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from dinhdanh.accounts.models import Account
from dinhdanh.enrollment.face_match import FaceMatchOutcome, FaceMatchRequest
from dinhdanh.enrollment.level1_models import Level1Registration
from dinhdanh.platform.outbox import OutboxMessage
from tests.enrollment.level1_support import (
    chip_files,
    english,  # noqa: F401
    face_checks,
    make_person,
    registration,
    start,
    started_and_verified,
    submit_card,
    with_keys,  # noqa: F401
)
from tests.factories.accounts import code_in, last_sms
from tests.factories.audit import actions

pytestmark = pytest.mark.usefixtures("with_keys", "english")
PROBLEM = "https://dinhdanh.example/problems/"


async def _person(db, settings, **kwargs):
    return await make_person(db, settings.field_cipher(), **kwargs)


async def _count(db, model) -> int:
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_start_sends_a_code_and_answers_a_token(client, db, settings):
    person = await _person(db, settings)
    answer = await start(client, person.personal_id, phone="+84 912 000 111", email="an@example.vn")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["state"], body["next_step"], body["phone"]) == (
        "started",
        "verify_phone",
        "0912***111",
    )
    assert len(body["token"]) > 30
    sms = await last_sms(db, "0912000111")
    assert "is your code to register an e-ID account" in sms
    stored = await registration(db, body["id"])
    assert stored.token_digest != body["token"]  # only its digest is kept
    assert (stored.email, stored.citizen_id) == ("an@example.vn", person.citizen_id)
    assert await actions(db, person.citizen_id) == ["level1.started"]


async def test_start_refuses_bad_input_naming_each_field(client):
    answer = await start(client, "12345", phone="12", email="not-an-address")
    assert answer.status_code == 422
    fields = [e["field"] for e in answer.json()["errors"]]
    assert fields == ["personal_id", "phone", "email"]


async def test_start_needs_an_idempotency_key_and_replays_a_retry(client, db, settings):
    person = await _person(db, settings)
    url = "/api/app/v1/level1/registrations"
    body = {"personal_id": person.personal_id, "phone": "0912000111"}
    assert (await client.post(url, json=body)).status_code == 428
    first = await client.post(url, json=body, headers={"Idempotency-Key": "k-1"})
    again = await client.post(url, json=body, headers={"Idempotency-Key": "k-1"})
    assert again.json() == first.json()
    assert await _count(db, Level1Registration) == 1
    async with db.unit_of_work() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert sent == 1  # one SMS, not two


async def test_start_is_limited_per_personal_id_and_per_address(client, db, settings):
    person = await _person(db, settings)
    for n in range(5):
        assert (await start(client, person.personal_id, phone=f"091200011{n}")).status_code == 201
    sixth = await start(client, person.personal_id, phone="0912000119")
    assert (sixth.status_code, sixth.json()["type"]) == (429, PROBLEM + "too-many-requests")
    # Other IDs from the same address go on until the address's own limit (20 an hour,
    # the refused sixth counted).
    others = [await _person(db, settings, given=name) for name in ("Bình", "Chi", "Dũng", "Hà")]
    codes = []
    for other in others:
        for _ in range(4):
            codes.append((await start(client, other.personal_id)).status_code)
    assert codes == [201] * 14 + [429] * 2


async def test_the_phone_code_is_checked(client, db, settings):
    person = await _person(db, settings)
    body = (await start(client, person.personal_id)).json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    url = f"/api/app/v1/level1/registrations/{body['id']}"
    code = code_in(await last_sms(db, "0912000111"))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = await client.post(url + "/phone", json={"code": wrong}, headers=auth)
    assert (refused.status_code, refused.json()["type"]) == (422, PROBLEM + "invalid-code")
    # A new code at once is refused (30 seconds between two), the first still works.
    soon = await client.post(url + "/code", headers={**auth, "Idempotency-Key": "again"})
    assert (soon.status_code, soon.json()["type"]) == (429, PROBLEM + "code-sent-recently")
    verified = await client.post(url + "/phone", json={"code": code}, headers=auth)
    assert (verified.status_code, verified.json()["state"]) == (200, "phone_verified")
    # A code works once.
    replay = await client.post(url + "/phone", json={"code": code}, headers=auth)
    assert (replay.status_code, replay.json()["type"]) == (409, PROBLEM + "registration-state")
    assert (await registration(db, body["id"])).phone_verified_at is not None


async def test_qr_only_goes_to_an_officer_flagged_no_chip_verification(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, qr_text=person.card.qr_text + "\r")
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["state"], body["no_chip_verification"]) == ("face_check", True)
    assert body["checks"]["passive_authentication"] is False
    [check] = await face_checks(db, person.citizen_id)
    assert check.no_chip_verification is True
    # No card chip of this system's production on record: no reference photo to compare.
    assert check.reference_enc is None


async def test_qr_text_that_is_not_a_card_qr_is_refused(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, qr_text="https://example.com/not-a-card")
    assert (answer.status_code, answer.json()["type"]) == (422, PROBLEM + "qr-unreadable")
    nothing = await submit_card(client, started)
    assert nothing.json()["type"] == PROBLEM + "card-missing"


async def test_qr_with_a_wrong_name_is_refused(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    forged = person.card.qr_text.replace("Nguyễn Văn An", "Nguyễn Văn Bảo")
    answer = await submit_card(client, started, qr_text=forged)
    assert answer.json()["type"] == PROBLEM + "registry-mismatch"


class AlwaysMatches:
    """An automatic matcher, as a biometric service would answer."""

    def __init__(self) -> None:
        self.requests: list[FaceMatchRequest] = []

    async def submit(self, *, session, request: FaceMatchRequest) -> FaceMatchOutcome:
        self.requests.append(request)
        return FaceMatchOutcome("match")


async def test_an_automatic_match_creates_the_level1_account_at_once(client, db, settings, app):
    matcher = AlwaysMatches()
    app.state.face_matcher = matcher
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)

    answer = await submit_card(client, started, files=chip_files(person.card))

    assert answer.json()["state"] == "approved"
    [request] = matcher.requests
    assert request.reference == person.data.face_image  # the chip's DG2 photo
    assert request.subject_id == uuid.UUID(started.id)
    async with db.unit_of_work() as session:
        account = await session.scalar(
            select(Account).where(Account.personal_id == person.personal_id)
        )
    assert account is not None and account.level == 1
    assert "initial password" in await last_sms(db, started.phone)
    assert await face_checks(db, person.citizen_id) == []
    assert "level1.decided" in await actions(db, person.citizen_id)


async def test_qr_only_goes_to_an_officer_even_with_an_automatic_matcher(client, db, settings, app):
    matcher = AlwaysMatches()
    app.state.face_matcher = matcher
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, qr_text=person.card.qr_text)
    assert answer.json()["state"] == "face_check"
    assert matcher.requests == []
    assert len(await face_checks(db, person.citizen_id)) == 1
