"""The police hierarchy: built from the administrative units, listed and (de)activated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.errors import Forbidden, NotFound, ValidationProblem, field_error
from dinhdanh.platform.sessions import SessionStore
from dinhdanh.population.names import fold
from dinhdanh.population.reference import admin_units
from dinhdanh.staff.directory import unit_in_scope, units_in_scope
from dinhdanh.staff.models import UNIT_LEVELS, Staff, Unit

MINISTRY_CODE = "BCA"
MINISTRY_NAME = "Bộ Công an"
CARD_OFFICE_PREFIX = "Phòng Cảnh sát QLHC về TTXH – "


def _lower_first(name: str) -> str:
    """'Thành phố Hà Nội' → 'thành phố Hà Nội' (the kind word inside a longer name)."""
    return name[:1].lower() + name[1:]


def province_unit_code(province_code: str) -> str:
    """The provincial police of a province: CAT-01."""
    return f"CAT-{province_code}"


def commune_unit_code(commune_code: str) -> str:
    """The commune police of a commune: CAX-00004."""
    return f"CAX-{commune_code}"


def _row(code: str, name: str, level: str, **links: str | None) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "name_folded": fold(name),
        "level": level,
        "province_code": links.get("province_code"),
        "commune_code": links.get("commune_code"),
        "parent_code": links.get("parent_code"),
        "active": True,
    }


def unit_rows() -> list[dict[str, Any]]:
    """Every unit, parents first: the Ministry, provincial police, card offices, communes."""
    provinces, communes = admin_units()
    rows = [_row(MINISTRY_CODE, MINISTRY_NAME, "ministry")]
    for p in provinces:
        police = "Công an " + _lower_first(p["name"])
        cat = province_unit_code(p["code"])
        rows.append(
            _row(cat, police, "province", province_code=p["code"], parent_code=MINISTRY_CODE)
        )
        rows.append(
            _row(
                f"PC06-{p['code']}",
                CARD_OFFICE_PREFIX + police,
                "card_office",
                province_code=p["code"],
                parent_code=cat,
            )
        )
    for c in communes.values():
        rows.append(
            _row(
                commune_unit_code(c.code),
                "Công an " + _lower_first(c.name),
                "commune",
                province_code=c.province_code,
                commune_code=c.code,
                parent_code=province_unit_code(c.province_code),
            )
        )
    return rows


def scope_for(unit: Unit) -> Scope:
    """What a unit's staff may see: the Ministry all, a province (or its card office) the
    province, a commune police its commune."""
    if unit.level == "ministry":
        return Scope.everything()
    if unit.level in ("province", "card_office"):
        return Scope("province", unit.province_code)
    if unit.level == "commune":
        return Scope("commune", unit.province_code, unit.commune_code)
    return Scope.nothing()


@dataclass
class UnitFilter:
    """Filters of the unit list."""

    level: str | None = None
    province_code: str | None = None
    q: str | None = None
    active: bool | None = None


@dataclass
class UnitPage:
    """One page of units and the total that matched."""

    units: list[Unit]
    total: int
    offset: int
    limit: int


async def list_units(
    session: AsyncSession,
    filters: UnitFilter,
    *,
    scope: Scope,
    offset: int = 0,
    limit: int = 100,
) -> UnitPage:
    """Units inside the caller's scope matching the filters, ordered by code."""
    if filters.level and filters.level not in UNIT_LEVELS:
        raise ValidationProblem(errors=[field_error("level", "Unknown unit level.")])
    query = select(Unit).where(units_in_scope(scope))
    if filters.level:
        query = query.where(Unit.level == filters.level)
    if filters.province_code:
        query = query.where(Unit.province_code == filters.province_code)
    if filters.q and fold(filters.q):
        query = query.where(Unit.name_folded.contains(fold(filters.q), autoescape=True))
    if filters.active is not None:
        query = query.where(Unit.active == filters.active)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Unit.code).offset(offset).limit(limit))
    return UnitPage(list(rows), int(total or 0), offset, limit)


def unit_places(scope: Scope) -> Subquery:
    """The units a scope covers as a selectable to join in reports: code, province_code,
    commune_code (empty for the Ministry, the provincial police and card offices)."""
    return (
        select(Unit.code, Unit.province_code, Unit.commune_code)
        .where(units_in_scope(scope))
        .subquery("unit_places")
    )


async def get_unit(session: AsyncSession, code: str) -> Unit:
    """One unit by code, or NotFound."""
    unit = await session.get(Unit, code)
    if unit is None:
        raise NotFound()
    return unit


async def set_unit_active(
    session: AsyncSession,
    *,
    actor: Principal,
    code: str,
    active: bool,
    sessions: SessionStore,
) -> Unit:
    """Activate or deactivate a unit inside the actor's scope (else Forbidden); deactivation
    ends its staff's sessions."""
    unit = await get_unit(session, code)
    if not unit_in_scope(unit, actor.scope):
        raise Forbidden()
    if unit.active == active:
        return unit
    unit.active = active
    ended = 0
    if not active:
        staff_ids = await session.scalars(select(Staff.id).where(Staff.unit_code == code))
        for staff_id in staff_ids:
            ended += await sessions.destroy_all(str(staff_id))
    await audit.record(
        session,
        actor=actor,
        action="unit.activated" if active else "unit.deactivated",
        subject_type="unit",
        subject_id=code,
        data={"sessions_ended": ended} if not active else {},
    )
    return unit
