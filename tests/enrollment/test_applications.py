"""The office's flow through the officers' API: open (SMS), capture, submit, and the
approval by a second officer in one transaction: registry corrected, old card replaced,
new card with its signed chip, level-2 account with its initial-password SMS, audit."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from dinhdanh.accounts.models import Account
from dinhdanh.enrollment import chip, mrz
from dinhdanh.enrollment.application_models import (
    ApplicationBiometric,
    CardApplication,
    CardChip,
)
from dinhdanh.enrollment.keys import trusted_cscas
from dinhdanh.enrollment.sod import passive_authentication
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.population.models import Citizen, IdCard
from tests.enrollment.office import (
    FACE,
    captured,
    open_via_api,
    put_image,
    registry_person,
    sms_to,
    submitted,
)
from tests.factories.accounts import create_holder
from tests.factories.population import make_card, make_citizen

PHONE = "0987654321"


async def _adult_with_card(db, **fields):
    async with db.unit_of_work() as session:
        father = await make_citizen(session, given="Bình", birth=(1960, 1, 2))
        person = await make_citizen(session, father_id=None, **fields)
        old = await make_card(session, person)
    return father, person, old


async def test_approval_corrects_the_registry_issues_the_card_and_creates_the_account(
    db, officers, signing, cipher
):
    father, person, old = await _adult_with_card(db)
    clerk, chief = await officers(), await officers()
    application = await captured(clerk, person.id)
    assert application["status"] == "open" and application["missing"] == []
    corrected = await clerk.put(
        f"/api/v1/applications/{application['id']}/changes",
        json={"occupation": "Giáo viên", "given_name": "An", "father": father.personal_id},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["changes"] == {"occupation": "Giáo viên", "father": father.personal_id}
    async with db.unit_of_work() as session:  # nothing reached the registry yet
        assert (await session.get(Citizen, person.id)).occupation is None
    assert (await clerk.post(f"/api/v1/applications/{application['id']}/submit")).status_code == 200

    approved = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["card_id"] and body["account_id"]

    async with db.unit_of_work() as session:
        citizen = await session.get(Citizen, person.id)
        assert citizen.occupation == "Giáo viên" and citizen.father_id == father.id
        cards = {
            c.id: c
            for c in await session.scalars(select(IdCard).where(IdCard.citizen_id == person.id))
        }
        new = cards[uuid.UUID(body["card_id"])]
        assert cards[old.id].status == "replaced"
        assert (new.status, new.number, new.kind) == ("valid", person.personal_id, "can_cuoc_2024")
        stored = await session.get(CardChip, new.id)
        cscas = await trusted_cscas(session=session)
        account = await session.get(Account, uuid.UUID(body["account_id"]))
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.citizen_id == person.id)
            )
        )
    # The chip: MRZ and DG13 say who the registry now says, and passive authentication holds.
    dg2 = cipher.decrypt_bytes(stored.dg2_enc, context=f"card_chips.dg2:{new.id}")
    assert chip.parse_dg2(dg2).image == FACE and FACE not in stored.dg2_enc
    td1 = mrz.parse_td1(stored.mrz)
    assert td1.personal_id == person.personal_id
    dg13 = chip.parse_dg13(stored.dg13)
    assert (dg13.full_name, dg13.father_name) == ("Nguyễn Văn An", "Nguyễn Văn Bình")
    result = passive_authentication(stored.sod, {1: stored.dg1, 2: dg2, 13: stored.dg13}, cscas)
    assert result.ok, result
    assert stored.qr_text.startswith(f"{person.personal_id}||Nguyễn Văn An|17051990|Nam|")
    # The account: level 2, waiting for the initial password sent by SMS.
    assert (account.level, account.status, account.phone) == (2, "pending", PHONE)
    messages = await sms_to(db, PHONE)
    assert len(messages) == 4  # received, awaiting approval, initial password, approved
    assert "was received by" in messages[0] and "awaits approval" in messages[1]
    assert "initial password" in messages[2] and "is approved" in messages[3]
    assert {
        "enrollment.application.opened",
        "enrollment.application.biometric_captured",
        "enrollment.application.changes_captured",
        "enrollment.application.submitted",
        "population.citizen.updated",
        "population.card.issued",
        "account.created",
        "enrollment.application.approved",
    } <= set(actions)


async def test_a_level_one_account_is_raised_to_level_two(db, app, officers, signing):
    holder = await create_holder(db, app, level=1, phone="0911222333")
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, holder.citizen_id)
    approved = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["account_id"] == str(holder.account_id)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        accounts = await session.scalars(
            select(Account).where(Account.citizen_id == holder.citizen_id)
        )
        assert account.level == 2 and len(list(accounts)) == 1


async def test_a_first_card_without_an_account(db, officers, signing):
    async with db.unit_of_work() as session:
        person = await make_citizen(session, birth=(2011, 2, 3), given="Minh")
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, person.id, kind="issue", reason="", wants_account=False)
    approved = await chief.post(f"/api/v1/applications/{application['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["account_id"] is None
    async with db.unit_of_work() as session:
        card = await session.scalar(select(IdCard).where(IdCard.citizen_id == person.id))
        accounts = await session.scalars(select(Account).where(Account.citizen_id == person.id))
        assert card.expiry_date.year == 2036 and not list(accounts)  # valid until 25


async def test_biometrics_are_encrypted_and_the_capturing_officer_sees_them(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    application = (await open_via_api(clerk, person.id)).json()
    put = await put_image(clerk, application["id"], "face")
    assert put.json() == {
        "position": "face", "media_type": "image/png", "width": 320, "height": 400,
        "bytes": len(FACE),
    }  # fmt: skip
    async with db.unit_of_work() as session:
        row = await session.scalar(select(ApplicationBiometric))
    assert FACE not in row.data_enc and FACE[16:40] not in row.data_enc
    shown = await clerk.get(f"/officer/applications/{application['id']}/biometrics/face")
    assert shown.content == FACE and shown.headers["cache-control"] == "no-store"


async def test_the_reference_reaches_the_applicant_and_is_unique(db, officers):
    async with db.unit_of_work() as session:
        people = [await make_citizen(session, given=g) for g in ("An", "Ba")]
        for p in people:
            await make_card(session, p)
    clerk = await officers()
    refs = [(await open_via_api(clerk, p.id)).json()["reference"] for p in people]
    assert len(set(refs)) == 2 and all(len(r) == 11 and r[5] == "-" for r in refs)
    assert refs[0] in (await sms_to(db, PHONE))[0]
    async with db.unit_of_work() as session:
        stored = set(await session.scalars(select(CardApplication.reference)))
    assert stored == {r.replace("-", "") for r in refs}


async def test_a_card_office_takes_applications_from_the_whole_province(db, officers, signing):
    person = await registry_person(db, commune_code="00008")  # another commune of Hà Nội
    clerk, chief = await officers("PC06-01"), await officers("PC06-01")
    application = await submitted(clerk, person.id, wants_account=False)
    assert (
        await chief.post(f"/api/v1/applications/{application['id']}/approve")
    ).status_code == 200
    commune = await officers("CAX-00008")  # the person's commune police sees nothing of it
    hidden = await commune.get(f"/api/v1/applications/{application['id']}")
    assert hidden.status_code == 404
