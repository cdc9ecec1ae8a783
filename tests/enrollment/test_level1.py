"""Level 1 in the app: a genuine chip goes to the commune's face-check queue; a forged,
altered or mismatched one is refused with the failed check named in the problem's type,
and the refusal is audited and counted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dinhdanh.enrollment.level1_models import Level1Registration, file_context
from dinhdanh.platform.audit import AuditEvent
from tests.enrollment.level1_support import (
    OTHER_FACE,
    SELFIE,
    Started,
    altered_dg13,
    chip_files,
    english,  # noqa: F401
    face_checks,
    foreign_sod,
    make_person,
    registration,
    start,
    started_and_verified,
    submit_card,
    with_keys,  # noqa: F401
    years_ago,
)
from tests.factories.accounts import open_account
from tests.factories.population import HOME

pytestmark = pytest.mark.usefixtures("with_keys", "english")
PROBLEM = "https://dinhdanh.example/problems/"


async def _person(db, settings, **kwargs):
    return await make_person(db, settings.field_cipher(), **kwargs)


async def test_a_genuine_chip_goes_to_the_communes_queue(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)

    answer = await submit_card(client, started, files=chip_files(person.card))

    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["state"] == "face_check"
    assert body["no_chip_verification"] is False
    assert body["checks"] == {
        "phone": True,
        "passive_authentication": True,
        "registry": True,
        "card": True,
        "age": True,
        "no_account": True,
    }
    [check] = await face_checks(db, person.citizen_id)
    assert (check.status, check.commune_code, check.no_chip_verification) == (
        "pending",
        HOME,
        False,
    )
    assert check.reference_enc is not None  # the chip's DG2 beside the selfie
    stored = await registration(db, started.id)
    # The chip's files are kept encrypted, bound to the registration.
    assert stored.dg13_enc != person.card.dg13
    dg13 = settings.field_cipher().decrypt_bytes(
        stored.dg13_enc, context=file_context(stored.id, "dg13")
    )
    assert dg13 == person.card.dg13
    status = await client.get(
        f"/api/app/v1/level1/registrations/{started.id}", headers=started.auth
    )
    assert status.json()["state"] == "face_check"


@pytest.mark.parametrize(
    ("forge", "expected", "words"),
    [
        ("altered_dg13", "chip-dg-hash", "Data group 13 of the chip has been altered."),
        ("swapped_dg2", "chip-dg-hash", "Data group 2 of the chip has been altered."),
        ("unknown_csca", "chip-chain", "trusted country signing CA"),
        ("garbage_sod", "chip-sod-malformed", "cannot be read"),
        ("garbage_file", "chip-files", "neither a data group nor the EF.SOD"),
        ("no_dg2", "chip-dg-missing", "Data group 2 of the chip is missing."),
    ],
)
async def test_a_forged_chip_is_refused_naming_the_check(
    client, db, settings, forge, expected, words
):
    person = await _person(db, settings)
    other = await _person(db, settings, given="Bình", chip_changes={"face_image": OTHER_FACE})
    started = await started_and_verified(client, db, person.personal_id)
    files = {
        "altered_dg13": chip_files(
            person.card, dg13=altered_dg13(person.card, full_name="Trần Văn Giả")
        ),
        "swapped_dg2": chip_files(person.card, dg2=other.card.dg2),
        "unknown_csca": chip_files(person.card, sod=foreign_sod(person.card)),
        "garbage_sod": chip_files(person.card, sod=b"\x77\x82\x01\x00" + bytes(40)),
        "garbage_file": [*chip_files(person.card), ("chip", ("x.bin", b"%PDF-1.7 not a chip"))],
        "no_dg2": chip_files(person.card, dg2=b""),
    }[forge]

    answer = await submit_card(client, started, files=files)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == PROBLEM + expected
    assert body["title"] == "The card's chip did not pass verification."
    assert words in body["detail"]
    stored = await registration(db, started.id)
    assert (stored.state, stored.refused_attempts, stored.last_refusal) == (
        "phone_verified",
        1,
        expected,
    )
    assert stored.dg13_enc is None and stored.selfie_enc is None  # nothing of it kept
    assert await face_checks(db, person.citizen_id) == []
    async with db.unit_of_work() as session:
        refused = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "level1.refused", AuditEvent.subject_id == started.id
            )
        )
    assert refused is not None and refused.data["check"] == expected


async def test_the_refusal_is_in_vietnamese_by_default(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    client.headers["Accept-Language"] = "vi"
    forged = chip_files(person.card, dg13=altered_dg13(person.card, full_name="Trần Văn Giả"))
    answer = await submit_card(client, started, files=forged)
    assert answer.json()["detail"] == "Nhóm dữ liệu 13 của chip đã bị sửa đổi."


async def test_a_genuine_chip_of_data_the_registry_does_not_hold_is_refused(client, db, settings):
    # Signed by the system's own Document Signer, but with another name and birth day:
    # passive authentication passes, the registry check does not.
    person = await _person(db, settings, chip_changes={"given_name": "Bảo", "birth_day": 18})
    started = await started_and_verified(client, db, person.personal_id)

    answer = await submit_card(client, started, files=chip_files(person.card))

    body = answer.json()
    assert (answer.status_code, body["type"]) == (422, PROBLEM + "registry-mismatch")
    assert [e["field"] for e in body["errors"]] == ["full_name", "birth_date"]
    assert body["errors"][0]["message"] == "The name differs from the registry's."


async def test_another_persons_genuine_chip_is_refused(client, db, settings):
    person = await _person(db, settings)
    other = await _person(db, settings, given="Bình")
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, files=chip_files(other.card))
    assert answer.json()["type"] == PROBLEM + "card-other-person"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"card_status": "revoked"}, "card-not-valid"),
        ({"chip_changes": {"issue_date": dt.date(2025, 9, 1)}}, "card-not-in-registry"),
    ],
)
async def test_a_card_the_registry_does_not_hold_as_valid_is_refused(
    client, db, settings, change, expected
):
    person = await _person(db, settings, **change)
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, files=chip_files(person.card))
    assert (answer.status_code, answer.json()["type"]) == (422, PROBLEM + expected)


async def test_a_deceased_persons_card_is_refused(client, db, settings):
    person = await _person(db, settings, status="deceased")
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, files=chip_files(person.card))
    assert answer.json()["type"] == PROBLEM + "citizen-deceased"


async def test_age_rules_of_decree_69(client, db, settings):
    # Under 6: only a parent or guardian registers the child, even with a card.
    child = await _person(db, settings, birth=years_ago(6, days=-1), sex="F", given="Mai")
    started = await started_and_verified(client, db, child.personal_id, phone="0912000222")
    refused = await submit_card(client, started, files=chip_files(child.card))
    assert (refused.status_code, refused.json()["type"]) == (422, PROBLEM + "age-guardian-only")

    # From 6 to 14 with a card: yes.
    pupil = await _person(db, settings, birth=years_ago(6), sex="F", given="Lan")
    started = await started_and_verified(client, db, pupil.personal_id, phone="0912000333")
    accepted = await submit_card(client, started, files=chip_files(pupil.card))
    assert accepted.status_code == 202, accepted.text


async def test_a_person_with_an_account_is_refused(client, db, settings, app):
    person = await _person(db, settings)
    async with db.unit_of_work() as session:
        await open_account(session, app, person.personal_id)
    started = await started_and_verified(client, db, person.personal_id)
    answer = await submit_card(client, started, files=chip_files(person.card))
    assert (answer.status_code, answer.json()["type"]) == (409, PROBLEM + "account-exists")


async def test_a_second_registration_waits_for_the_first(client, db, settings):
    person = await _person(db, settings)
    first = await started_and_verified(client, db, person.personal_id)
    assert (await submit_card(client, first, files=chip_files(person.card))).status_code == 202
    second = await started_and_verified(client, db, person.personal_id, phone="0912000999")
    answer = await submit_card(client, second, files=chip_files(person.card))
    assert (answer.status_code, answer.json()["type"]) == (409, PROBLEM + "registration-pending")
    assert len(await face_checks(db, person.citizen_id)) == 1


async def test_five_refusals_close_the_registration(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    forged = chip_files(person.card, sod=foreign_sod(person.card))
    for _ in range(5):
        assert (await submit_card(client, started, files=forged)).status_code == 422
    stored = await registration(db, started.id)
    assert (stored.state, stored.refused_attempts) == ("closed", 5)
    again = await submit_card(client, started, files=chip_files(person.card))
    assert (again.status_code, again.json()["type"]) == (409, PROBLEM + "registration-state")


async def test_a_selfie_that_is_not_an_image_is_refused_without_counting(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    for selfie in (b"GIF89a not a photo", b""):
        answer = await submit_card(client, started, files=chip_files(person.card), selfie=selfie)
        assert (answer.status_code, answer.json()["type"]) == (422, PROBLEM + "selfie-invalid")
        assert answer.json()["errors"][0]["field"] == "selfie"
    assert (await registration(db, started.id)).refused_attempts == 0


async def test_a_retry_with_the_same_key_answers_the_same(client, db, settings):
    person = await _person(db, settings)
    started = await started_and_verified(client, db, person.personal_id)
    files = [*chip_files(person.card), ("selfie", ("selfie.png", SELFIE, "image/png"))]
    # A retry sends the very same request again (the same multipart bytes and key).
    request = client.build_request(
        "POST",
        f"/api/app/v1/level1/registrations/{started.id}/card",
        files=files,
        headers={**started.auth, "Idempotency-Key": "submit-1"},
    )
    request.read()
    first = await client.send(request)
    again = await client.send(request)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert len(await face_checks(db, person.citizen_id)) == 1
    without = await client.post(
        f"/api/app/v1/level1/registrations/{started.id}/card",
        files=files,
        headers=started.auth,
    )
    assert without.status_code == 428


async def test_the_card_step_needs_the_phone_confirmed_and_the_token(client, db, settings):
    person = await _person(db, settings)
    body = (await start(client, person.personal_id)).json()
    started = Started(body["id"], body["token"], "0912000111")
    early = await submit_card(client, started, files=chip_files(person.card))
    assert (early.status_code, early.json()["type"]) == (409, PROBLEM + "registration-state")
    stranger = Started(body["id"], "not-the-token", "0912000111")
    assert (await submit_card(client, stranger, files=chip_files(person.card))).status_code == 404
    async with db.unit_of_work() as session:
        count = await session.scalar(select(func.count()).select_from(Level1Registration))
    assert count == 1
