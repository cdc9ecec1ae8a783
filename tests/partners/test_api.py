"""The partner registry's JSON API: organisations and their status, problem+json errors,
Idempotency-Key, who may call it, and every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dinhdanh.partners.models import Partner
from dinhdanh.platform import events
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as
from tests.partners.conftest import ADMIN_ID
from tests.partners.support import API, PARTNER, approved_partner, audit_actions, counts, key
from tests.partners.support import register as register_partner
from tests.platform.test_route_guards import _routes

PROBLEMS = "https://dinhdanh.example/problems/"


async def test_register_approve_suspend_and_reinstate(admin, db, suspensions):
    partner = await register_partner(admin)
    assert partner["status"] == "pending"
    assert partner["registration_code"] == "0100109106"
    pid = partner["id"]

    approved = await admin.post(f"{API}/{pid}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = await admin.post(f"{API}/{pid}/approve")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == PROBLEMS + "partner-not-pending"

    no_reason = await admin.post(f"{API}/{pid}/suspend", json={"reason": " "})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    assert suspensions == []

    why = "Lộ khoá bí mật của hệ thống đối tác"
    suspended = await admin.post(f"{API}/{pid}/suspend", json={"reason": why})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["status_reason"] == why
    (published,) = suspensions
    assert str(published["partner_id"]) == pid
    assert published["actor"].id == ADMIN_ID

    reinstated = await admin.post(f"{API}/{pid}/reinstate", json={})
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "approved"
    assert (await admin.post(f"{API}/{pid}/reinstate")).status_code == 409

    assert await audit_actions(db) == [
        "partner.registered",
        "partner.approved",
        "partner.suspended",
        "partner.reinstated",
    ]
    async with db.unit_of_work() as session:
        suspension = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "partner.suspended")
        )
    assert suspension.actor_id == ADMIN_ID and suspension.subject_id == pid
    assert suspension.data == {"from": "approved", "to": "suspended", "reason": why}


async def test_suspension_and_its_event_share_one_transaction(admin, db):
    partner = await approved_partner(admin)

    async def failing(*, session, actor, partner_id) -> None:
        state = await session.scalar(select(Partner.status).where(Partner.id == partner_id))
        assert state == "suspended"  # the handler sees the change it reacts to
        raise RuntimeError("the provider could not end the tokens")

    events.subscribe(events.PARTNER_SUSPENDED)(failing)
    try:
        # The test transport hands the app's unexpected error over after the 500 answer.
        with pytest.raises(RuntimeError, match="could not end the tokens"):
            await admin.post(
                f"{API}/{partner['id']}/suspend", json={"reason": "Vi phạm điều khoản"}
            )
    finally:
        events._handlers[events.PARTNER_SUSPENDED].remove(failing)
    detail = await admin.get(f"{API}/{partner['id']}")
    assert detail.json()["status"] == "approved"
    assert "partner.suspended" not in await audit_actions(db)


async def test_create_needs_an_idempotency_key_and_replays_the_first_answer(admin, db):
    missing = await admin.post(API, json=PARTNER)
    assert missing.status_code == 428
    assert missing.json()["type"] == PROBLEMS + "idempotency-key-missing"
    headers = key()
    first = await admin.post(API, json=PARTNER, headers=headers)
    retry = await admin.post(API, json=PARTNER, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await counts(db) == (1, 0)
    assert await audit_actions(db) == ["partner.registered"]


async def test_a_registration_code_registers_once(admin, db):
    await register_partner(admin)
    again = await admin.post(
        API, json={**PARTNER, "name": "Tên khác", "registration_code": " 0100109106"}, headers=key()
    )
    assert again.status_code == 409
    assert again.json()["type"] == PROBLEMS + "registration-code-taken"
    assert [e["field"] for e in again.json()["errors"]] == ["registration_code"]
    assert await counts(db) == (1, 0)
    assert await audit_actions(db) == ["partner.registered"]


async def test_bad_registrations_name_each_field_and_write_nothing(admin, db):
    bad = {
        "name": "X",
        "kind": "casino",
        "registration_code": "??",
        "contact_email": "not-an-address",
        "website": "ftp://example.vn",
    }
    response = await admin.post(API, json=bad, headers=key())
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEMS + "validation-error"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "kind", "registration_code", "contact_email", "website"}
    assert await counts(db) == (0, 0)
    assert await audit_actions(db) == []


async def test_list_searches_and_filters(admin):
    bank = await register_partner(
        admin, name="Ngân hàng Thử nghiệm", kind="bank", registration_code="0300000001"
    )
    await approved_partner(admin, registration_code="0100000002", name="Bệnh viện Bạch Mai")
    await register_partner(admin, registration_code="0100000003", name="Cổng Dịch vụ công")

    async def names(**params) -> list[str]:
        response = await admin.get(API, params=params)
        assert response.status_code == 200, response.text
        return [p["name"] for p in response.json()["items"]]

    assert await names() == ["Bệnh viện Bạch Mai", "Cổng Dịch vụ công", "Ngân hàng Thử nghiệm"]
    assert await names(kind="bank") == ["Ngân hàng Thử nghiệm"]
    assert await names(status="approved") == ["Bệnh viện Bạch Mai"]
    assert await names(q="0300000001") == ["Ngân hàng Thử nghiệm"]
    assert await names(q="bạch mai") == ["Bệnh viện Bạch Mai"]
    page = (await admin.get(API, params={"limit": 2, "offset": 2})).json()
    assert page["total"] == 3 and [p["id"] for p in page["items"]] == [bank["id"]]
    assert (await admin.get(f"{API}/not-a-uuid")).status_code == 404


async def test_auditors_read_and_nobody_else_may(admin, auditor, officer, anonymous, db):
    partner = await register_partner(admin)
    assert (await auditor.get(API)).status_code == 200
    assert (await auditor.get(f"{API}/{partner['id']}")).status_code == 200
    refused = await auditor.post(f"{API}/{partner['id']}/approve")
    assert refused.status_code == 403
    assert (await auditor.post(API, json=PARTNER, headers=key())).status_code == 403
    for caller, status in ((officer, 403), (anonymous, 401)):
        assert (await caller.get(API)).status_code == status
        assert (await caller.get(f"{API}/{partner['id']}")).status_code == status
        assert (await caller.post(f"{API}/{partner['id']}/approve")).status_code == status
        response = await caller.post(f"{API}/{partner['id']}/clients", json={}, headers={**key()})
        assert response.status_code == status
    assert (await admin.get(f"{API}/{partner['id']}")).json()["status"] == "pending"


async def test_every_partner_route_refuses_anonymous_callers_and_officers(app, client):
    routes = [r for r in _routes(app) if "/partners" in r[1]]
    assert len(routes) >= 20  # pages and API alike
    for method, path, url in routes:
        response = await client.request(method, url, headers={"Accept": "application/json"})
        assert response.status_code == 401, (method, path, response.status_code)
    await sign_in_as(client, app, roles=("officer",), scope=Scope("commune", "01", "00004"))
    for method, path, url in routes:
        response = await client.request(method, url, headers={"Accept": "application/json"})
        assert response.status_code == 403, (method, path, response.status_code)


@pytest.mark.parametrize("path", ["", "/x1", "/x1/approve", "/x1/clients/x2/rotate-secret"])
async def test_openapi_documents_the_routes(app, path):
    paths = app.openapi()["paths"]
    wanted = "/api/v1/partners" + path.replace("x1", "{partner_id}").replace("x2", "{client_id}")
    assert wanted in paths
