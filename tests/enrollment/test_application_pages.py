"""The office's pages: open from the record, capture through the forms (errors shown,
nothing kept), dependants and checked documents, the decision by a second officer, and
the card in the record: QR, MRZ, chip downloads (audited), printable card, QR look-up."""

from __future__ import annotations

import html
import re
import uuid

from sqlalchemy import select

from dinhdanh.enrollment import chip, mrz
from dinhdanh.enrollment.application_models import ApplicationDocument, CardApplication
from dinhdanh.platform.audit import AuditEvent
from tests.enrollment.office import FACE, FINGER, count, registry_person, submitted
from tests.factories.population import make_card, make_citizen


async def _family(db):
    async with db.unit_of_work() as session:
        mother = await make_citizen(session, family="Trần", middle="Thị", given="Lan", sex="F")
        await make_card(session, mother)
        child = await make_citizen(
            session, given="Bé", birth=(2018, 4, 5), mother_id=mother.id, commune_code="00008"
        )
    return mother, child


def _application_id(response) -> str:
    return re.search(r"/officer/applications/([0-9a-f-]{36})", response.headers["location"])[1]


async def test_the_office_flow_through_the_pages(db, officers, signing):
    mother, child = await _family(db)
    clerk, chief = await officers(), await officers()
    record = await clerk.get(f"/registry/citizens/{mother.id}")
    assert 'id="new-application"' in record.text
    form = await clerk.get(f"/officer/applications/new?citizen_id={mother.id}")
    assert form.status_code == 200 and "New card application" in form.text

    bad = await clerk.post(
        "/officer/applications",
        data={"citizen_id": str(mother.id), "kind": "renew", "reason": "damaged", "phone": "12"},
    )
    assert bad.status_code == 422 and "Vietnamese mobile number" in bad.text
    opened = await clerk.post(
        "/officer/applications",
        data={
            "citizen_id": str(mother.id),
            "kind": "renew",
            "reason": "damaged",
            "phone": "0912000111",
            "wants_account": "on",
        },
    )
    assert opened.status_code == 303
    app_id = _application_id(opened)
    base = f"/officer/applications/{app_id}"
    page = await clerk.get(opened.headers["location"])
    assert "An SMS with its reference went to the applicant" in page.text

    for position, data, source in (
        ("face", FACE, "camera"),
        ("right_index", FINGER, "upload"),
        ("left_index", FINGER, "upload"),
    ):
        sent = await clerk.post(
            f"{base}/biometrics",
            data={"position": position, "source": source},
            files={"image": (f"{position}.png", data, "image/png")},
        )
        assert sent.status_code == 303, sent.text[-400:]

    wrong = await clerk.post(f"{base}/changes", data={"given_name": "L4n", "father": "123"})
    assert wrong.status_code == 422 and "Use only letters" in wrong.text
    assert "A personal ID is exactly 12 digits." in wrong.text
    async with db.unit_of_work() as session:
        assert (await session.get(CardApplication, uuid.UUID(app_id))).changes == {}
    kept = await clerk.post(f"{base}/changes", data={"occupation": "Kế toán"})
    assert kept.status_code == 303

    dependant = await clerk.post(
        f"{base}/dependants",
        data={
            "personal_id": child.personal_id,
            "relation": "child",
            "papers": "Giấy khai sinh 12/2018",
        },
    )
    assert dependant.status_code == 303
    document = await clerk.post(
        f"{base}/documents",
        data={"kind": "driving_licence", "number": "790123456789", "issued_on": "2020-06-01"},
    )
    assert document.status_code == 303
    async with db.unit_of_work() as session:
        stored = await session.scalar(select(ApplicationDocument))
    assert "790123456789" not in stored.number_enc and stored.hint == "789"
    page = await clerk.get(base)
    assert "Bé" in page.text and "···789" in page.text and "Kế toán" in page.text

    assert (await clerk.post(f"{base}/submit")).status_code == 303
    mine = await clerk.get(base)
    assert 'id="four-eyes"' in mine.text
    decision = await chief.get(base)
    assert 'id="approve"' in decision.text
    approved = await chief.post(f"{base}/approve")
    assert approved.status_code == 303 and approved.headers["location"].endswith("done=approved")

    record = await chief.get(f"/registry/citizens/{mother.id}")
    section = record.text[record.text.index('id="card-section"') :]
    assert "<svg" in section and 'id="download-sod"' in section
    lines = html.unescape(re.search(r'<pre class="mrz">(.*?)</pre>', section, re.S)[1]).split()
    assert mrz.parse_td1("\n".join(lines)).personal_id == mother.personal_id


async def test_chip_downloads_and_the_printable_card(db, officers, signing):
    person = await registry_person(db)
    clerk, chief = await officers(), await officers()
    application = await submitted(clerk, person.id, wants_account=False)
    card_id = (await chief.post(f"/api/v1/applications/{application['id']}/approve")).json()[
        "card_id"
    ]
    base = f"/registry/citizens/{person.id}/cards/{card_id}"
    dg1 = await chief.get(f"{base}/chip/dg1")
    assert dg1.headers["content-disposition"] == 'attachment; filename="DG1.bin"'
    assert chip.parse_dg1(dg1.content).personal_id == person.personal_id
    dg2 = await chief.get(f"{base}/chip/dg2")
    assert chip.parse_dg2(dg2.content).image == FACE
    front = await chief.get(f"{base}/print/front.svg")
    back = await chief.get(f"{base}/print/back.svg")
    assert front.headers["content-type"].startswith("image/svg+xml")
    assert "NGUYỄN VĂN AN" in front.text and person.personal_id in front.text
    assert "data:image/png;base64," in front.text
    assert f"IDVNM{person.personal_id[3:]}" in back.text and "<path" in back.text
    assert (await chief.get(f"{base}/print")).status_code == 200
    assert (await chief.get(f"{base}/chip/dg7")).status_code == 404
    neighbour = await officers("CAX-00008")
    assert (await neighbour.get(f"{base}/chip/dg1")).status_code == 404
    async with db.unit_of_work() as session:
        reads = list(
            await session.scalars(
                select(AuditEvent.data).where(
                    AuditEvent.citizen_id == person.id,
                    AuditEvent.action.in_(("enrollment.card.chip_read", "enrollment.card.printed")),
                )
            )
        )
    assert [r.get("file") or r.get("side") for r in reads] == ["dg1", "dg2", "front", "back"]


async def test_a_cards_qr_opens_the_record_inside_the_unit(db, officers):
    async with db.unit_of_work() as session:
        person = await make_citizen(session)
        far = await make_citizen(session, given="Xa", commune_code="25747")
    clerk = await officers()
    assert (await clerk.get("/registry/scan")).status_code == 200
    text = f"{person.personal_id}||Nguyễn Văn An|17051990|Nam|12 Phố Đội Cấn|01082024\r"
    opened = await clerk.post("/registry/scan", data={"qr_text": text})
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/registry/citizens/{person.id}"
    garbled = await clerk.post("/registry/scan", data={"qr_text": "hello|world"})
    assert garbled.status_code == 422 and "7 fields separated by" in garbled.text
    outside = far.personal_id + "||Nguyễn Văn Xa|17051990|Nam|x|01082024"
    hidden = await clerk.post("/registry/scan", data={"qr_text": outside})
    assert (
        hidden.status_code == 404 and "No citizen with this reference in your unit." in hidden.text
    )
    assert await count(db, AuditEvent, AuditEvent.action == "enrollment.card.qr_scanned") == 1
