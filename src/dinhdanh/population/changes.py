"""Recording changes in the registry: residence moves and deaths (births: `births.py`).

Every operation validates all its input before writing anything, writes the change to
the citizen's history and one audit event in the caller's transaction, and only
flushes. A deceased citizen cannot move; a death is recorded once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict
from dinhdanh.population.models import Citizen, CitizenChange, Household, IdCard
from dinhdanh.population.rules import (
    Checker,
    check_address,
    check_commune,
    check_event_date,
    check_relation,
    parse_date,
)
from dinhdanh.population.service import audit_citizen, birth_of, load_citizen

RESIDENCE_KINDS: Final = ("permanent", "temporary", "end_temporary")
_HISTORY_KIND: Final = {
    "permanent": "moved_permanent",
    "temporary": "moved_temporary",
    "end_temporary": "ended_temporary",
}


def _deceased() -> Conflict:
    return Conflict("The citizen is deceased.", type="citizen-deceased")


async def log_change(
    session: AsyncSession,
    principal: Principal,
    citizen: Citizen,
    kind: str,
    effective: dt.date | None,
    details: dict[str, Any],
) -> None:
    """Add an entry to the citizen's history and bump its version."""
    session.add(
        CitizenChange(
            citizen_id=citizen.id,
            effective_date=effective,
            kind=kind,
            details=details,
            actor_id=principal.id,
            actor_unit=principal.unit_code,
        )
    )
    citizen.version = (citizen.version or 0) + 1
    await session.flush()


def _residence(commune_code: str | None, address: str) -> dict[str, Any] | None:
    return {"commune_code": commune_code, "address": address} if commune_code else None


async def household_head(session: AsyncSession, household_id: uuid.UUID) -> Citizen | None:
    """The head of a household, if it has one."""
    return await session.scalar(
        select(Citizen).where(
            Citizen.household_id == household_id, Citizen.relation_to_head == "head"
        )
    )


async def _check_joining(
    session: AsyncSession,
    checker: Checker,
    citizen: Citizen,
    household_number: str,
    relation: str | None,
    commune_code: str | None,
) -> Household | None:
    household = await session.scalar(
        select(Household).where(Household.number == household_number.strip())
    )
    if household is None:
        checker.add("household_number", "No household with this number.")
        return None
    if commune_code and household.commune_code != commune_code:
        checker.add("household_number", "The household is not in the commune you moved to.")
    if relation is None:
        checker.add("relation_to_head", "Choose the relation to the head of household.")
    elif relation == "head":
        head = await household_head(session, household.id)
        if head is not None and head.id != citizen.id:
            checker.add("relation_to_head", "This household already has a head.")
    return household


async def _check_leaving(session: AsyncSession, checker: Checker, citizen: Citizen) -> None:
    if citizen.relation_to_head != "head" or citizen.household_id is None:
        return
    others = await session.scalar(
        select(
            exists().where(Citizen.household_id == citizen.household_id, Citizen.id != citizen.id)
        )
    )
    if others:
        checker.add(
            "household_number",
            "The head cannot leave a household that has other members.",
        )


async def move_residence(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID | str,
    kind: str,
    commune_code: str = "",
    address: str = "",
    date: str = "",
    household_number: str = "",
    relation_to_head: str = "",
) -> Citizen:
    """Move permanent or temporary residence, or end a temporary one (audited)."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    checker = Checker()
    if kind not in RESIDENCE_KINDS:
        checker.add("kind", "Not one of the allowed values.")
        checker.raise_if_any()
    if citizen.status == "deceased":
        raise _deceased()
    effective = checker.check("date", parse_date, date)
    if effective is not None:
        checker.check("date", check_event_date, effective, birth_of(citizen))
    if kind == "end_temporary":
        if citizen.temporary_commune_code is None:
            raise Conflict("The citizen has no temporary residence.", type="no-temporary-residence")
        checker.raise_if_any()
        return await _end_temporary(session, principal, citizen, effective)
    commune = checker.check("commune_code", check_commune, commune_code)
    street = checker.check("address", check_address, address)
    if street == "":
        checker.add("address", "Enter the street address.")
    household: Household | None = None
    relation = None
    if kind == "permanent":
        if relation_to_head.strip():
            relation = checker.check("relation_to_head", check_relation, relation_to_head.strip())
        if household_number.strip():
            household = await _check_joining(
                session, checker, citizen, household_number, relation, commune
            )
        elif citizen.household_id is not None:
            await _check_leaving(session, checker, citizen)
    checker.raise_if_any()
    assert commune is not None and street is not None
    if kind == "permanent":
        return await _move_permanent(
            session, principal, citizen, commune, street, effective, household, relation
        )
    return await _move_temporary(session, principal, citizen, commune, street, effective)


async def _move_permanent(
    session: AsyncSession,
    principal: Principal,
    citizen: Citizen,
    commune: str,
    street: str,
    effective: dt.date | None,
    household: Household | None,
    relation: str | None,
) -> Citizen:
    before = _residence(citizen.permanent_commune_code, citizen.permanent_address)
    old_household = citizen.household_id
    citizen.permanent_commune_code, citizen.permanent_address = commune, street
    if citizen.temporary_commune_code is None:
        citizen.current_commune_code, citizen.current_address = commune, street
    citizen.household_id = household.id if household else None
    citizen.relation_to_head = relation if household else None
    details = {
        "from": before,
        "to": _residence(commune, street),
        "household_number": household.number if household else None,
        "left_household": str(old_household) if old_household else None,
    }
    return await _moved(session, principal, citizen, "permanent", effective, details, commune)


async def _move_temporary(
    session: AsyncSession,
    principal: Principal,
    citizen: Citizen,
    commune: str,
    street: str,
    effective: dt.date | None,
) -> Citizen:
    before = _residence(citizen.temporary_commune_code, citizen.temporary_address)
    citizen.temporary_commune_code, citizen.temporary_address = commune, street
    citizen.current_commune_code, citizen.current_address = commune, street
    details = {"from": before, "to": _residence(commune, street)}
    return await _moved(session, principal, citizen, "temporary", effective, details, commune)


async def _end_temporary(
    session: AsyncSession, principal: Principal, citizen: Citizen, effective: dt.date | None
) -> Citizen:
    before = _residence(citizen.temporary_commune_code, citizen.temporary_address)
    citizen.temporary_commune_code, citizen.temporary_address = None, ""
    citizen.current_commune_code = citizen.permanent_commune_code
    citizen.current_address = citizen.permanent_address
    details = {"from": before}
    return await _moved(session, principal, citizen, "end_temporary", effective, details, None)


async def _moved(
    session: AsyncSession,
    principal: Principal,
    citizen: Citizen,
    kind: str,
    effective: dt.date | None,
    details: dict[str, Any],
    to_commune: str | None,
) -> Citizen:
    """Write a move (`details["from"]`: the residence left) to the history and the audit log."""
    await log_change(session, principal, citizen, _HISTORY_KIND[kind], effective, details)
    before = details["from"]
    await audit_citizen(
        session,
        principal,
        "population.residence.moved",
        citizen.id,
        {
            "kind": kind,
            "from_commune": before["commune_code"] if before else None,
            "to_commune": to_commune,
        },
    )
    return citizen


async def record_death(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID | str,
    date: str,
    place: str = "",
) -> Citizen:
    """Record a citizen's death: status deceased, valid cards revoked (audited; once only)."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    if citizen.status == "deceased":
        raise Conflict("The death of this citizen is already recorded.", type="already-deceased")
    checker = Checker()
    day = checker.check("date", parse_date, date)
    if day is not None:
        checker.check("date", check_event_date, day, birth_of(citizen))
    where = checker.check("place", check_address, place)
    checker.raise_if_any()
    citizen.status, citizen.death_date = "deceased", day
    cards = await session.scalars(
        select(IdCard).where(IdCard.citizen_id == citizen.id, IdCard.status == "valid")
    )
    revoked = 0
    for card in cards:
        card.status = "revoked"
        revoked += 1
    details = {"place": where, "cards_revoked": revoked}
    await log_change(session, principal, citizen, "death", day, details)
    await audit_citizen(
        session,
        principal,
        "population.death.recorded",
        citizen.id,
        {"date": day.isoformat() if day else None, "cards_revoked": revoked},
    )
    return citizen
