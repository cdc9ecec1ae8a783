"""Staff administration: create and invite, change role and unit, disable, reset,
revoke; who may use the admin pages; every action audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.outbox import OutboxMessage
from dinhdanh.platform.web import STAFF_COOKIE
from dinhdanh.staff.models import Staff
from tests.factories.staff import make_staff, sign_in, totp_code

NEW = {
    "username": "nguyenthimai",
    "full_name": "Nguyễn Thị Mai",
    "email": "mai@congan.example",
    "role": "officer",
    "unit_code": "CAX-00004",
}


async def _edit(admin, staff_id, **form):
    return await admin.post(f"/admin/staff/{staff_id}", data=form)


async def _events(db, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    async with db.unit_of_work() as session:
        return list(await session.scalars(query))


async def _staff(db, username: str) -> Staff:
    async with db.unit_of_work() as session:
        return await session.scalar(select(Staff).where(Staff.username == username))


async def _invitation_link(db, recipient: str) -> str:
    async with db.unit_of_work() as session:
        messages = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.created_at)
            )
        )
    body = messages[-1].body
    links = re.findall(r"http://127\.0\.0\.1:8000(/staff/invite/[A-Za-z0-9_-]+)", body)
    assert len(set(links)) == 1
    return links[0]


async def test_invitation_flow_end_to_end(admin, other_client, db, frozen):
    created = await admin.post("/admin/staff", data=NEW)
    assert created.status_code == 303
    detail = await admin.get(created.headers["location"])
    assert "Nguyễn Thị Mai" in detail.text
    async with db.unit_of_work() as session:
        (message,) = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "mai@congan.example")
        )
    assert message.channel == "email"
    assert message.body.index("Xin chào") < message.body.index("Hello")
    staff = await _staff(db, "nguyenthimai")
    assert staff.password_hash is None and staff.totp_secret_enc is None

    link = await _invitation_link(db, "mai@congan.example")
    page = await other_client.get(link)
    assert page.status_code == 200 and 'name="password"' in page.text
    weak = await other_client.post(
        link + "/password", data={"password": "nguyenthimai-2025!", "confirm": "nguyenthimai-2025!"}
    )
    assert weak.status_code == 422
    good = "bốn con mèo trên mái nhà"
    saved = await other_client.post(link + "/password", data={"password": good, "confirm": good})
    assert saved.status_code == 303
    enrol = await other_client.get(link)
    assert "data:image/svg+xml" in enrol.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)
    # Not usable before TOTP is confirmed.
    early = await other_client.post("/login", data={"username": "nguyenthimai", "password": good})
    assert early.status_code == 403
    wrong = await other_client.post(link + "/totp", data={"code": "000000"})
    assert wrong.status_code == 422
    done = await other_client.post(link + "/totp", data={"code": totp_code(secret)})
    assert done.status_code == 200
    # The link is used up.
    assert (await other_client.get(link)).status_code == 404
    frozen.advance(seconds=30)
    await other_client.post("/login", data={"username": "nguyenthimai", "password": good})
    signed_in = await other_client.post("/login/totp", data={"code": totp_code(secret)})
    assert signed_in.status_code == 303
    actions = [e.action for e in await _events(db)]
    for action in ("staff.created", "staff.password_set", "staff.totp_enrolled", "staff.signed_in"):
        assert action in actions


async def test_create_errors_are_shown_inline_with_values_kept(admin, db):
    bad = {**NEW, "username": "X", "email": "not-an-email", "unit_code": "CAX-99999"}
    response = await admin.post("/admin/staff", data=bad)
    assert response.status_code == 422
    assert 'value="Nguyễn Thị Mai"' in response.text
    assert 'value="not-an-email"' in response.text
    assert response.text.count('class="field-error"') >= 3
    assert await _staff(db, "x") is None
    assert await _events(db, "staff.created") == []


async def test_duplicate_username_is_refused(admin, db):
    assert (await admin.post("/admin/staff", data=NEW)).status_code == 303
    again = await admin.post("/admin/staff", data={**NEW, "email": "other@congan.example"})
    assert again.status_code == 422


async def test_role_change_ends_the_members_sessions(admin, other_client, db, officer_login):
    await sign_in(other_client, officer_login)
    assert (await other_client.get("/account/sessions")).status_code == 200
    changed = await _edit(
        admin,
        officer_login.id,
        full_name="Nguyễn Văn Thử",
        email="canbo@example.test",
        role="supervisor",
        unit_code="CAX-00004",
    )
    assert changed.status_code == 303
    assert (await other_client.get("/account/sessions")).status_code == 303
    (event,) = await _events(db, "staff.role_changed")
    assert event.data["from"] == "officer" and event.data["to"] == "supervisor"
    assert event.data["sessions_ended"] == 1


async def test_unit_change_ends_sessions_and_moves_scope(
    admin, other_client, db, app, officer_login, frozen
):
    await sign_in(other_client, officer_login)
    response = await _edit(
        admin,
        officer_login.id,
        full_name="A B",
        email="a@b.example",
        role="officer",
        unit_code="CAX-00008",
    )
    assert response.status_code == 303
    assert (await other_client.get("/account/sessions")).status_code == 303
    frozen.advance(seconds=30)
    await sign_in(other_client, officer_login)
    sid = other_client.cookies.get(STAFF_COOKIE)
    data = await app.state.staff_sessions.get(sid)
    assert data.extra["scope"] == ["commune", "01", "00008"]


async def test_disable_ends_sessions_and_blocks_sign_in(
    admin, other_client, db, officer_login, frozen
):
    await sign_in(other_client, officer_login)
    assert (await admin.post(f"/admin/staff/{officer_login.id}/disable")).status_code == 303
    assert (await other_client.get("/account/sessions")).status_code == 303
    frozen.advance(seconds=30)
    refused = await other_client.post(
        "/login", data={"username": "canbo", "password": officer_login.password}
    )
    assert refused.status_code == 403
    assert (await admin.post(f"/admin/staff/{officer_login.id}/enable")).status_code == 303
    assert (await sign_in(other_client, officer_login)).status_code == 303


async def test_reset_clears_credentials_and_sends_a_new_invitation(
    admin, other_client, db, officer_login
):
    await sign_in(other_client, officer_login)
    assert (await admin.post(f"/admin/staff/{officer_login.id}/reset")).status_code == 303
    staff = await _staff(db, "canbo")
    assert staff.password_hash is None and staff.totp_secret_enc is None
    assert (await other_client.get("/account/sessions")).status_code == 303
    link = await _invitation_link(db, "canbo@example.test")
    assert (await other_client.get(link)).status_code == 200


async def test_admin_cannot_disable_themselves(admin, admin_login):
    response = await admin.post(f"/admin/staff/{admin_login.id}/disable")
    assert response.status_code == 409
    assert (await admin.get("/admin/staff")).status_code == 200


async def test_every_admin_action_is_audited(admin, db, officer_login, admin_login):
    created = await admin.post("/admin/staff", data=NEW)
    new_id = created.headers["location"].split("/")[-1].split("?")[0]
    await _edit(admin, new_id, **NEW | {"full_name": "Nguyễn Thị Mai Anh", "role": "auditor"})
    await admin.post(f"/admin/staff/{officer_login.id}/disable")
    await admin.post(f"/admin/staff/{officer_login.id}/enable")
    await admin.post(f"/admin/staff/{officer_login.id}/reset")
    await admin.post(f"/admin/staff/{officer_login.id}/revoke-sessions")
    await admin.post("/admin/units/CAX-00025/deactivate", data={"back": "/admin/units"})
    await admin.post("/admin/units/CAX-00025/activate")
    expected = [
        "staff.created",
        "staff.role_changed",
        "staff.details_changed",
        "staff.disabled",
        "staff.enabled",
        "staff.credentials_reset",
        "staff.sessions_revoked",
        "unit.deactivated",
        "unit.activated",
    ]
    events = [e for e in await _events(db) if e.action != "staff.signed_in"]
    assert [e.action for e in events] == expected
    assert all(e.actor_id == admin_login.id and e.actor_unit == "BCA" for e in events)


async def test_admin_pages_refuse_officers(client, officer_login):
    await sign_in(client, officer_login)
    for path in (
        "/admin/staff",
        "/admin/units",
        "/admin/audit",
        f"/admin/staff/{officer_login.id}",
    ):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.post("/admin/staff", data=NEW)).status_code == 403
    assert (await client.post(f"/admin/staff/{officer_login.id}/disable")).status_code == 403
    assert (await client.get("/api/v1/staff")).status_code == 403


async def test_admin_pages_send_visitors_to_sign_in(client):
    for path in ("/admin/staff", "/admin/units", "/admin/audit", "/account/sessions"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    assert (await client.get("/api/v1/staff")).status_code == 401


async def test_form_without_csrf_token_is_refused(admin, db):
    del admin.headers["X-CSRF-Token"]
    response = await admin.post("/admin/staff", data=NEW)
    assert response.status_code == 403
    assert await _staff(db, "nguyenthimai") is None
    token = admin.cookies.get("dd_csrf")
    ok = await admin.post("/admin/staff", data={**NEW, "csrf_token": token})
    assert ok.status_code == 303


async def test_staff_list_filters(admin, db, app, officer_login):
    await make_staff(db, app, username="kiemtoan", role="auditor", unit_code="BCA")
    await make_staff(db, app, username="nghi", role="officer", unit_code="CAX-00008", disabled=True)
    page = await admin.get("/admin/staff", params={"role": "auditor"})
    assert "kiemtoan" in page.text and "canbo" not in page.text
    page = await admin.get("/admin/staff", params={"status": "disabled"})
    assert "nghi" in page.text and "canbo" not in page.text
    page = await admin.get("/admin/staff", params={"unit": "CAX-00004"})
    assert "canbo" in page.text and "kiemtoan" not in page.text


async def test_provincial_admin_sees_only_their_province(client, app, db):
    far = await make_staff(db, app, username="xa", unit_code="CAX-25747")
    near = await make_staff(db, app, username="gan", unit_code="CAX-00008")
    padmin = await make_staff(db, app, username="qtv-hn", role="admin", unit_code="CAT-01")
    await sign_in(client, padmin)
    page = await client.get("/admin/staff")
    assert "gan" in page.text and ">xa<" not in page.text
    assert (await client.get(f"/admin/staff/{far.id}")).status_code == 404
    assert (await client.get(f"/admin/staff/{near.id}")).status_code == 200
    refused = await client.post("/admin/staff", data={**NEW, "unit_code": "CAX-25747"})
    assert refused.status_code == 422


async def test_api_staff_administration(client, app, db, admin_login, officer_login):
    await sign_in(client, admin_login)
    created = await client.post("/api/v1/staff", json=NEW)
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "invited" and "password_hash" not in body
    listed = await client.get("/api/v1/staff", params={"role": "officer"})
    assert {s["username"] for s in listed.json()["items"]} == {"canbo", "nguyenthimai"}
    patched = await client.patch(f"/api/v1/staff/{body['id']}", json={"role": "auditor"})
    assert patched.json()["role"] == "auditor"
    bad = await client.patch(f"/api/v1/staff/{body['id']}", json={"role": "king"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "role"
    assert (await client.post(f"/api/v1/staff/{officer_login.id}/disable")).json()[
        "status"
    ] == "disabled"
    assert (await client.post(f"/api/v1/staff/{officer_login.id}/enable")).json()[
        "status"
    ] == "active"
    revoked = await client.post(f"/api/v1/staff/{officer_login.id}/revoke-sessions")
    assert revoked.json() == {"sessions_ended": 0}
    reset = await client.post(f"/api/v1/staff/{officer_login.id}/reset")
    assert reset.json()["status"] == "invited"
    assert (await client.get("/api/v1/staff/not-a-uuid")).status_code == 404
    units = await client.get("/api/v1/units", params={"level": "province"})
    assert units.json()["total"] == 34


async def test_invitation_expires(admin, other_client, db, frozen):
    assert (await admin.post("/admin/staff", data=NEW)).status_code == 303
    link = await _invitation_link(db, "mai@congan.example")
    frozen.advance(hours=73)
    page = await other_client.get(link)
    assert page.status_code == 404
    assert 'name="password"' not in page.text


async def test_a_new_invitation_replaces_the_old_one(admin, other_client, db):
    created = await admin.post("/admin/staff", data=NEW)
    staff_id = created.headers["location"].split("/")[-1].split("?")[0]
    first = await _invitation_link(db, "mai@congan.example")
    assert (await admin.post(f"/admin/staff/{staff_id}/reset")).status_code == 303
    second = await _invitation_link(db, "mai@congan.example")
    assert first != second
    assert (await other_client.get(first)).status_code == 404
    assert (await other_client.get(second)).status_code == 200
