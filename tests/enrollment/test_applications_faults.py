"""Bad input and faults at the office: each gets a clear error and leaves nothing
half-written — a second open application, the capturing officer approving, a deceased
person, a card-number collision, a file that is not an image, a 50 MB upload, and a
crash in the middle of an approval."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dinhdanh.accounts.models import Account
from dinhdanh.enrollment import approval
from dinhdanh.enrollment.application_models import (
    ApplicationBiometric,
    CardApplication,
    CardChip,
)
from dinhdanh.platform.outbox import OutboxMessage
from dinhdanh.population.models import Citizen, IdCard
from tests.enrollment.office import (
    FACE,
    count,
    open_via_api,
    put_image,
    registry_person,
    sms_to,
    submitted,
)
from tests.factories.population import make_citizen

PROBLEMS = "https://dinhdanh.example/problems/"


def _type(response) -> str:
    return response.json()["type"].removeprefix(PROBLEMS)


async def test_a_second_application_while_one_is_open_is_refused(db, officers):
    person = await registry_person(db)
    clerk, other = await officers(), await officers()
    assert (await open_via_api(clerk, person.id)).status_code == 201
    second = await open_via_api(other, person.id, kind="reissue", reason="lost")
    assert second.status_code == 409 and _type(second) == "application-open"
    assert "already has an application in progress" in second.json()["detail"]
    assert await count(db, CardApplication, CardApplication.citizen_id == person.id) == 1


async def test_the_database_itself_allows_one_open_application_per_person(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    first = (await open_via_api(clerk, person.id)).json()
    async with db.unit_of_work() as session:
        application = await session.get(CardApplication, uuid.UUID(first["id"]))
        copied = {c: getattr(application, c) for c in ("citizen_id", "unit_code", "kind", "phone")}
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(
                CardApplication(
                    **copied, reference="TWIN000000", opened_by="x", due_on=dt.date(2030, 1, 1)
                )
            )
            await session.flush()
    assert await count(db, CardApplication) == 1


async def test_the_capturing_officer_cannot_decide(db, officers, signing):
    person = await registry_person(db)
    clerk = await officers()
    application = await submitted(clerk, person.id)
    for action, body in (("approve", None), ("reject", {"reason": "ảnh mờ"})):
        refused = await clerk.post(f"/api/v1/applications/{application['id']}/{action}", json=body)
        assert refused.status_code == 403 and _type(refused) == "same-officer"
    assert await count(db, IdCard, IdCard.citizen_id == person.id) == 1  # only the old card
    page = await clerk.get(f"/officer/applications/{application['id']}")
    assert 'id="four-eyes"' in page.text and 'id="approve"' not in page.text


async def test_no_application_for_a_deceased_person(db, officers):
    person = await registry_person(db, status="deceased")
    refused = await open_via_api(await officers(), person.id)
    assert refused.status_code == 409 and _type(refused) == "citizen-deceased"
    assert await count(db, CardApplication) == 0


async def test_a_death_recorded_before_the_approval_stops_it(db, officers, signing):
    person = await registry_person(db)
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, person.id)
    async with db.unit_of_work() as session:
        (await session.get(Citizen, person.id)).status = "deceased"
    refused = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert refused.status_code == 409 and _type(refused) == "citizen-deceased"
    assert await count(db, CardChip) == 0


async def test_an_issue_needs_a_person_without_a_card_and_a_renewal_one_with(db, officers):
    holder, newcomer = await registry_person(db), await registry_person(db, card=False, given="Ba")
    clerk = await officers()
    first = await open_via_api(clerk, holder.id, kind="issue", reason="")
    renewal = await open_via_api(clerk, newcomer.id, kind="renew", reason="damaged")
    assert _type(first) == "card-held" and _type(renewal) == "no-card-held"


async def test_a_card_number_collision_stops_the_approval_and_writes_nothing(db, officers, signing):
    person = await registry_person(db)
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, person.id, wants_account=True)
    async with db.unit_of_work() as session:  # a bad import gave someone else this number
        other = await make_citizen(session, given="Khác")
        session.add(
            IdCard(
                citizen_id=other.id,
                number=person.personal_id,
                kind="cccd_2021",
                issue_date=dt.date(2021, 5, 1),
                issuing_unit_code="C06",
                status="valid",
            )
        )
    before = await sms_to(db, "0987654321")

    refused = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert refused.status_code == 409 and _type(refused) == "card-number-taken"
    assert await count(db, IdCard, IdCard.citizen_id == person.id) == 1
    assert await count(db, Account, Account.citizen_id == person.id) == 0
    assert await sms_to(db, "0987654321") == before
    async with db.unit_of_work() as session:
        old = await session.scalar(select(IdCard).where(IdCard.citizen_id == person.id))
        assert old.status == "valid"
        stored = await session.get(CardApplication, uuid.UUID(application["id"]))
        assert stored.status == "submitted"


async def test_a_text_file_named_jpg_is_refused(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    application = (await open_via_api(clerk, person.id)).json()
    text = b"just some text, not a photo\n" * 50
    api = await put_image(clerk, application["id"], "face", text)
    assert api.status_code == 422 and _type(api) == "not-an-image"
    page = await clerk.post(
        f"/officer/applications/{application['id']}/biometrics",
        data={"position": "face", "source": "upload"},
        files={"image": ("photo.jpg", text, "image/jpeg")},
    )
    assert page.status_code == 422 and "not a JPEG or PNG image" in page.text
    tiny = await put_image(clerk, application["id"], "face", FACE[:20])
    assert tiny.status_code == 422
    assert await count(db, ApplicationBiometric) == 0


def _counting(chunks: list[int], total: int, head: bytes = b"", tail: bytes = b""):
    """A request body of `total` bytes sent in 64 KiB pieces; `chunks` counts those read."""

    async def body() -> AsyncIterator[bytes]:
        yield head
        sent = 0
        piece = b"\xff" * 65536
        while sent < total:
            chunks.append(len(piece))
            sent += len(piece)
            yield piece
        yield tail

    return body()


FIFTY_MB = 50 * 1024 * 1024


async def test_a_50_mb_upload_is_refused_before_it_is_read(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    application = (await open_via_api(clerk, person.id)).json()
    boundary = "dinhdanhtestboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="position"\r\n\r\nface\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    read: list[int] = []
    page = await clerk.post(
        f"/officer/applications/{application['id']}/biometrics",
        content=_counting(read, FIFTY_MB, head, tail),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + FIFTY_MB + len(tail)),
            "Accept": "text/html",
        },
    )
    assert page.status_code == 413 and "at most 5 MB" in page.text
    assert sum(read) <= 65536  # refused on its announced size

    read.clear()  # no announced size (chunked): read up to the limit, no further
    api = await clerk.put(
        f"/api/v1/applications/{application['id']}/biometrics/face",
        content=_counting(read, FIFTY_MB),
        headers={"Content-Type": "image/jpeg"},
    )
    assert api.status_code == 413 and _type(api) == "too-large"
    assert sum(read) < 6 * 1024 * 1024
    assert await count(db, ApplicationBiometric) == 0


async def test_a_crash_between_the_steps_of_an_approval_leaves_nothing(
    db, officers, signing, monkeypatch
):
    person = await registry_person(db)
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, person.id, wants_account=True)
    messages = await count(db, OutboxMessage)

    async def crash(*args, **kwargs):
        raise RuntimeError("the SMS step fails after the card and the account were written")

    monkeypatch.setattr(approval, "notify_approved", crash)
    with pytest.raises(RuntimeError):
        await chief.post(f"/api/v1/applications/{application['id']}/approve")

    assert await count(db, IdCard, IdCard.citizen_id == person.id) == 1
    assert await count(db, CardChip) == 0
    assert await count(db, Account, Account.citizen_id == person.id) == 0
    assert await count(db, OutboxMessage) == messages
    async with db.unit_of_work() as session:
        stored = await session.get(CardApplication, uuid.UUID(application["id"]))
        assert stored.status == "submitted"
        assert (
            await session.scalar(select(IdCard).where(IdCard.citizen_id == person.id))
        ).status == "valid"

    monkeypatch.undo()  # the fault gone, the same application is approved once
    approved = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert approved.status_code == 200
    again = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert again.status_code == 409 and _type(again) == "application-decided"
    assert "already decided" in again.json()["detail"]


async def test_another_unit_cannot_see_the_application(db, officers):
    person = await registry_person(db)
    application = (await open_via_api(await officers(), person.id)).json()
    neighbour = await officers("CAX-00008")
    hidden = await neighbour.get(f"/api/v1/applications/{application['id']}")
    assert hidden.status_code == 404 and _type(hidden) == "application-not-found"
    province = await officers("CAT-01")
    refused = await open_via_api(province, person.id, kind="reissue", reason="lost")
    assert refused.status_code == 403 and _type(refused) == "not-an-office"


async def test_submission_needs_the_face_and_the_fingerprints(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    application = (await open_via_api(clerk, person.id)).json()
    await put_image(clerk, application["id"], "face")
    refused = await clerk.post(f"/api/v1/applications/{application['id']}/submit")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"right_index", "left_index"}


async def test_rejection_and_cancellation_tell_the_applicant(db, officers):
    first, second = await registry_person(db), await registry_person(db, given="Ba")
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, first.id, phone="0911000111")
    empty = await chief.post(
        f"/api/v1/applications/{application['id']}/reject", json={"reason": " "}
    )
    assert empty.status_code == 422
    rejected = await chief.post(
        f"/api/v1/applications/{application['id']}/reject", json={"reason": "Ảnh không rõ mặt"}
    )
    assert rejected.json()["status"] == "rejected"
    assert "was not approved" in (await sms_to(db, "0911000111"))[-1]
    other = (await open_via_api(clerk, second.id, phone="0911000222")).json()
    cancelled = await clerk.post(
        f"/api/v1/applications/{other['id']}/cancel", json={"reason": "Công dân rút hồ sơ"}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert "was cancelled" in (await sms_to(db, "0911000222"))[-1]
    # A decided application takes no more capture.
    late = await put_image(clerk, other["id"], "face")
    assert late.status_code == 409 and _type(late) == "application-decided"
