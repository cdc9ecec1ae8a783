"""Reading staff: scoped look-ups, filtered lists, status and display names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.errors import NotFound
from dinhdanh.staff.models import Staff, Unit

STATUSES: Final = ("active", "disabled", "invited")


async def audit_staff(
    session: AsyncSession,
    actor: Principal,
    action: str,
    staff_id: uuid.UUID | str | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write the audit event of an action on (or by) a staff member's account."""
    await audit.record(
        session, actor=actor, action=action, subject_type="staff", subject_id=staff_id, data=data
    )


def unit_in_scope(unit: Unit, scope: Scope) -> bool:
    """True when an administrator of `scope` may manage staff of `unit`."""
    return scope.covers(unit.commune_code, unit.province_code)


@dataclass
class StaffFilter:
    """Filters of the staff list."""

    unit_code: str | None = None
    role: str | None = None
    status: str | None = None
    q: str | None = None


@dataclass
class StaffPage:
    """One page of staff with their units, and the total that matched."""

    rows: list[tuple[Staff, Unit]]
    total: int
    offset: int
    limit: int


def units_in_scope(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on `Unit` keeping the units the scope covers (`unit_in_scope` in SQL)."""
    if scope.level == "all":
        return true()
    if scope.level == "province" and scope.province_code:
        return Unit.province_code == scope.province_code
    if scope.level == "commune" and scope.commune_code:
        return Unit.commune_code == scope.commune_code
    return false()


async def list_staff(
    session: AsyncSession, *, scope: Scope, filters: StaffFilter, offset: int = 0, limit: int = 50
) -> StaffPage:
    """Staff inside the caller's scope matching the filters, by username."""
    query = (
        select(Staff, Unit).join(Unit, Staff.unit_code == Unit.code).where(units_in_scope(scope))
    )
    if filters.unit_code:
        query = query.where(Staff.unit_code == filters.unit_code.strip().upper())
    if filters.role:
        query = query.where(Staff.role == filters.role)
    if filters.status == "disabled":
        query = query.where(Staff.disabled.is_(True))
    elif filters.status == "active":
        query = query.where(Staff.disabled.is_(False), Staff.totp_secret_enc.is_not(None))
    elif filters.status == "invited":
        query = query.where(Staff.disabled.is_(False), Staff.totp_secret_enc.is_(None))
    if filters.q and filters.q.strip():
        needle = filters.q.strip()
        query = query.where(
            or_(
                Staff.username.contains(needle.lower(), autoescape=True),
                func.lower(Staff.full_name).contains(needle.lower(), autoescape=True),
                Staff.email.contains(needle, autoescape=True),
            )
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    result = await session.execute(query.order_by(Staff.username).offset(offset).limit(limit))
    rows = [(s, u) for s, u in result.all()]
    return StaffPage(rows, int(total or 0), offset, limit)


def parse_id(value: str | uuid.UUID | None) -> uuid.UUID | None:
    """A staff id as typed or stored (text or UUID), or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def get_staff(session: AsyncSession, staff_id: str | uuid.UUID, *, scope: Scope) -> Staff:
    """One staff member inside the caller's scope, or NotFound."""
    parsed = parse_id(staff_id)
    if parsed is None:
        raise NotFound()
    # One round trip; the unit comes along into the identity map for callers that show it.
    row = (
        await session.execute(
            select(Staff, Unit)
            .join(Unit, Staff.unit_code == Unit.code)
            .where(Staff.id == parsed, units_in_scope(scope))
        )
    ).first()
    if row is None:
        raise NotFound()
    return row[0]


def is_invited(staff: Staff) -> bool:
    """True while the member has not finished setting up credentials."""
    return staff.totp_secret_enc is None


def staff_status(staff: Staff) -> str:
    """'disabled', 'invited' or 'active'."""
    if staff.disabled:
        return "disabled"
    return "invited" if is_invited(staff) else "active"


def acting_as(staff: Staff, ip: str | None) -> Principal:
    """The member as the actor of their own audit events (sign-in, set-up)."""
    return Principal(
        kind="staff",
        id=str(staff.id),
        name=staff.full_name,
        unit_code=staff.unit_code,
        client_ip=ip,
    )
