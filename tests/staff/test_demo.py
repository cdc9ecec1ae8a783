"""Demo staff and the CLI's `staff create`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dinhdanh.platform.errors import ValidationProblem
from dinhdanh.platform.outbox import OutboxMessage
from dinhdanh.staff.models import Staff
from dinhdanh.staff.service import CreatedStaff, NewStaff, create_staff_cli, ensure_demo_staff
from tests.factories.staff import StaffLogin, sign_in


async def _cli_create(app, db, settings, data: NewStaff, password: str | None = None):
    """Run `staff create` in its own unit of work; (result, e-mails queued)."""
    async with db.unit_of_work() as session:
        created: CreatedStaff = await create_staff_cli(
            session,
            data=data,
            public_url=settings.public_url,
            hasher=app.state.hasher,
            cipher=app.state.cipher,
            password=password,
        )
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient == data.email)
        )
    return created, sent


async def test_demo_staff_are_created_once_and_can_sign_in(client, app, db):
    state = app.state
    async with db.unit_of_work() as session:
        logins = await ensure_demo_staff(session, hasher=state.hasher, cipher=state.cipher)
    async with db.unit_of_work() as session:
        again = await ensure_demo_staff(session, hasher=state.hasher, cipher=state.cipher)
        count = await session.scalar(select(func.count()).select_from(Staff))
        admin_id = await session.scalar(select(Staff.id).where(Staff.username == "admin"))
    assert logins == again and count == len(logins) == 4
    assert {(login.role, login.unit) for login in logins} == {
        ("admin", "BCA"),
        ("officer", "CAX-00004"),
        ("officer", "CAT-01"),
        ("officer", "CAX-00008"),
    }
    admin = logins[0]
    login = StaffLogin(
        str(admin_id), admin.username, admin.password, admin.totp_secret, "admin", "BCA"
    )
    response = await sign_in(client, login)
    assert response.headers["location"] == "/admin/staff"


async def test_cli_create_invites_by_email(app, db, settings):
    data = NewStaff("tranvanb", "Trần Văn B", "b@congan.example", "officer", "CAX-00004")
    created, sent = await _cli_create(app, db, settings, data)
    assert created.invitation_link.startswith(f"{settings.public_url}/staff/invite/")
    assert created.totp_secret is None and sent == 1


async def test_cli_create_with_password_is_ready_to_sign_in(client, app, db, settings):
    data = NewStaff("tranvanc", "Trần Văn C", "c@congan.example", "admin", "BCA")
    created, sent = await _cli_create(app, db, settings, data, password="một mật khẩu đủ dài")
    assert created.invitation_link is None and sent == 0
    login = StaffLogin(
        created.staff_id, "tranvanc", "một mật khẩu đủ dài", created.totp_secret, "admin", "BCA"
    )
    assert (await sign_in(client, login)).status_code == 303


async def test_cli_create_refuses_a_weak_password(app, db, settings):
    data = NewStaff("tranvand", "Trần Văn D", "d@congan.example", "admin", "BCA")
    with pytest.raises(ValidationProblem):
        await _cli_create(app, db, settings, data, password="password1234")
