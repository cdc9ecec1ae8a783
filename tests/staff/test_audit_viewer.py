"""The audit-log viewer: who may read it, filters, pages, the JSON API."""

from __future__ import annotations

import datetime as dt
import uuid

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal
from tests.factories.population import create_citizen
from tests.factories.staff import make_staff, sign_in

CITIZEN = uuid.UUID("5b0c6c2e-7f0e-4a43-9a55-2d0f3c1c0a01")


async def _seed_events(db, count: int = 3) -> None:
    officer = Principal(kind="staff", id="officer-x", unit_code="CAX-00004")
    async with db.unit_of_work() as session:
        for n in range(count):
            await audit.record(
                session,
                actor=officer,
                action="citizen.viewed",
                subject_type="citizen",
                subject_id=str(CITIZEN) if n == 0 else str(uuid.uuid4()),
                citizen_id=CITIZEN if n == 0 else None,
            )


async def test_auditor_reads_and_filters_by_action(client, db, app):
    auditor = await make_staff(db, app, username="kiemtoan", role="auditor", unit_code="BCA")
    await _seed_events(db)
    response = await sign_in(client, auditor)
    assert response.headers["location"] == "/admin/audit"
    page = await client.get("/admin/audit", params={"action": "citizen.viewed"})
    assert page.status_code == 200
    assert page.text.count("<code>citizen.viewed</code>") == 3
    assert "<code>staff.signed_in</code>" not in page.text
    prefix = await client.get("/admin/audit", params={"action": "staff."})
    assert "<code>staff.signed_in</code>" in prefix.text
    assert "citizen.viewed" not in prefix.text.split("<tbody>")[1]


async def test_filter_by_actor_username_subject_and_citizen(admin, db, admin_login, officer_login):
    await _seed_events(db)
    await admin.post(f"/admin/staff/{officer_login.id}/revoke-sessions")
    by_actor = await admin.get("/admin/audit", params={"actor": "quantri"})
    body = by_actor.text.split("<tbody>")[1]
    assert "staff.sessions_revoked" in body and "citizen.viewed" not in body
    by_subject = await admin.get("/admin/audit", params={"subject": "canbo"})
    assert "staff.sessions_revoked" in by_subject.text.split("<tbody>")[1]
    by_citizen = await admin.get("/admin/audit", params={"citizen_id": str(CITIZEN)})
    assert by_citizen.text.split("<tbody>")[1].count("citizen.viewed") == 1
    bad = await admin.get("/admin/audit", params={"citizen_id": "nope"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text


async def test_filter_by_date_range(admin, db, frozen):
    await _seed_events(db, 1)
    today = (frozen.now() + dt.timedelta(hours=7)).date()
    inside = await admin.get(
        "/admin/audit", params={"date_from": today.isoformat(), "date_to": today.isoformat()}
    )
    assert "citizen.viewed" in inside.text.split("<tbody>")[1]
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    outside = await admin.get("/admin/audit", params={"date_from": tomorrow})
    assert "citizen.viewed" not in outside.text.split("<tbody>")[1]
    backwards = await admin.get(
        "/admin/audit", params={"date_from": tomorrow, "date_to": today.isoformat()}
    )
    assert backwards.status_code == 422


async def test_pages_go_back_in_time(admin, db):
    await _seed_events(db, 60)
    first = await admin.get("/admin/audit", params={"action": "citizen.viewed"})
    assert first.text.count("<code>citizen.viewed</code>") == 50
    older = first.text.split('href="/admin/audit?')[-1].split('"')[0].replace("&amp;", "&")
    assert "before=" in older
    second = await admin.get("/admin/audit?" + older)
    assert second.text.count("<code>citizen.viewed</code>") == 10


async def test_officers_cannot_read_the_audit_log(client, officer_login):
    await sign_in(client, officer_login)
    assert (await client.get("/admin/audit")).status_code == 403
    assert (await client.get("/api/v1/audit")).status_code == 403


async def test_api_audit(admin, db):
    await _seed_events(db, 3)
    response = await admin.get("/api/v1/audit", params={"action": "citizen.viewed", "limit": 2})
    body = response.json()
    assert [e["action"] for e in body["items"]] == ["citizen.viewed"] * 2
    older = await admin.get(
        "/api/v1/audit", params={"action": "citizen.viewed", "before": body["next_before"]}
    )
    assert len(older.json()["items"]) == 1 and older.json()["next_before"] is None
    bad = await admin.get("/api/v1/audit", params={"date_from": "2025-13-01"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


async def test_filter_by_personal_id_looks_the_citizen_up(admin, db):
    citizen = await create_citizen(db)
    async with db.unit_of_work() as session:
        await audit.record(
            session,
            actor=Principal(kind="staff", id="officer-x"),
            action="citizen.viewed",
            subject_type="citizen",
            subject_id=str(citizen.id),
            citizen_id=citizen.id,
        )
    page = await admin.get("/admin/audit", params={"citizen_id": citizen.personal_id})
    assert page.status_code == 200
    assert page.text.split("<tbody>")[1].count("<code>citizen.viewed</code>") == 1
    unknown = await admin.get("/admin/audit", params={"citizen_id": "001090999999"})
    assert "citizen.viewed" not in unknown.text.split("<tbody>")[1]
    # The look-up itself is an audited read of the registry.
    lookups = await admin.get("/admin/audit", params={"action": "population.citizen.looked_up"})
    assert lookups.text.split("<tbody>")[1].count("population.citizen.looked_up") >= 2
