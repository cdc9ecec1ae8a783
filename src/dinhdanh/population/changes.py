"""Recording changes in the registry: residence moves, deaths and changes of the head of
household (births: `births.py`).

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

from dinhdanh.platform import events
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.population.models import Citizen, CitizenChange, Household, IdCard
from dinhdanh.population.rules import (
    Checker,
    check_address,
    check_commune,
    check_event_date,
    check_relation,
    parse_date,
)
from dinhdanh.population.scope import covers_commune
from dinhdanh.population.service import audit_citizen, birth_of, load_citizen, load_household

RESIDENCE_KINDS: Final = ("permanent", "temporary", "end_temporary")
NO_HOUSEHOLD_IN_UNIT: Final = N_("No household with this number in your unit.")
HEAD_MUST_HAND_OVER: Final = N_(
    "The head of household cannot leave while other living members remain: name a new head first."
)
_HISTORY_KIND: Final = {
    "permanent": "moved_permanent",
    "temporary": "moved_temporary",
    "end_temporary": "ended_temporary",
}


def deceased() -> Conflict:
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


def _residence(commune_code: str | None, address: str) -> dict[str, Any] | None:
    return {"commune_code": commune_code, "address": address} if commune_code else None


async def household_head(
    session: AsyncSession, household_id: uuid.UUID, *, for_update: bool = False
) -> Citizen | None:
    """The head of a household, if it has one (locked with `for_update`)."""
    query = select(Citizen).where(
        Citizen.household_id == household_id, Citizen.relation_to_head == "head"
    )
    return await session.scalar(query.with_for_update() if for_update else query)


async def _check_joining(
    session: AsyncSession,
    principal: Principal,
    checker: Checker,
    citizen: Citizen,
    household_number: str,
    relation: str | None,
    commune_code: str | None,
) -> Household | None:
    household = await session.scalar(
        select(Household).where(Household.number == household_number.strip())
    )
    # One answer for "no such household" and "a household outside your unit", so that an
    # officer cannot learn whether a number exists elsewhere (nor anything about it).
    if household is None or not covers_commune(principal.scope, household.commune_code):
        checker.add("household_number", NO_HOUSEHOLD_IN_UNIT)
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


async def other_living_members(session: AsyncSession, citizen: Citizen) -> bool:
    """True when the citizen's household has living members besides the citizen."""
    if citizen.household_id is None:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Citizen.household_id == citizen.household_id,
                    Citizen.id != citizen.id,
                    Citizen.status == "living",
                )
            )
        )
    )


async def _check_leaving(
    session: AsyncSession,
    checker: Checker,
    citizen: Citizen,
    household: Household | None,
    relation: str | None,
) -> None:
    """A head may give up the headship (by leaving, or by staying under another relation)
    only when no other living member would be left without a head."""
    if citizen.relation_to_head != "head" or citizen.household_id is None:
        return
    staying_head = household is not None and household.id == citizen.household_id
    if staying_head and relation == "head":
        return
    if await other_living_members(session, citizen):
        checker.add("household_number", HEAD_MUST_HAND_OVER)


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
        raise deceased()
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
                session, principal, checker, citizen, household_number, relation, commune
            )
        # Whatever the destination (none, another household, or the same one under another
        # relation), a head must not leave living members without a head.
        if household is not None or not household_number.strip():
            await _check_leaving(session, checker, citizen, household, relation)
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
    # The accounts context locks the e-ID account in this same transaction.
    await events.publish(session, events.CITIZEN_DIED, actor=principal, citizen_id=citizen.id)
    await audit_citizen(
        session,
        principal,
        "population.death.recorded",
        citizen.id,
        {"date": day.isoformat() if day else None, "cards_revoked": revoked},
    )
    return citizen


async def change_head(
    *,
    session: AsyncSession,
    principal: Principal,
    household_id: uuid.UUID | str,
    citizen_id: str,
    former_head_relation: str = "",
) -> Citizen:
    """Name a living member the new head of household (audited, in both histories).

    The former head, if any (living, or deceased and still listed), takes
    `former_head_relation` ("other" when not given). The other members' relations are
    relative to the head and are not rewritten here.
    """
    household = await load_household(
        session=session, scope=principal.scope, household_id=household_id
    )
    checker = Checker()
    former_relation = checker.check(
        "former_head_relation", check_relation, former_head_relation.strip() or "other"
    )
    if former_relation == "head":
        checker.add("former_head_relation", "Choose the former head's new relation.")
    try:
        new_head: Citizen | None = await load_citizen(
            session=session, scope=principal.scope, citizen_id=citizen_id.strip(), for_update=True
        )
    except NotFound:  # named as a field error, like any other member not found
        new_head = None
    if new_head is None or new_head.household_id != household.id or new_head.status != "living":
        checker.add("citizen_id", "Choose a living member of this household.")
    elif new_head.relation_to_head == "head":
        checker.add("citizen_id", "This citizen is already the head of the household.")
    checker.raise_if_any()
    assert new_head is not None and former_relation is not None
    former = await household_head(session, household.id, for_update=True)
    if former is not None:
        former.relation_to_head = former_relation
        # The old head is cleared before the new one is set, as the one-head-per-household
        # index requires.
        await session.flush()
        await log_change(
            session,
            principal,
            former,
            "head_changed",
            None,
            {
                "household_number": household.number,
                "from_relation": "head",
                "to_relation": former_relation,
                "new_head_id": str(new_head.id),
            },
        )
    previous_relation = new_head.relation_to_head
    new_head.relation_to_head = "head"
    await log_change(
        session,
        principal,
        new_head,
        "head_changed",
        None,
        {
            "household_number": household.number,
            "from_relation": previous_relation,
            "to_relation": "head",
            "former_head_id": str(former.id) if former else None,
        },
    )
    await audit_citizen(
        session,
        principal,
        "population.household.head_changed",
        new_head.id,
        {
            "household_number": household.number,
            "former_head_id": str(former.id) if former else None,
        },
    )
    return new_head
