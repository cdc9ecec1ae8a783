"""The registry's read side: a citizen's full record, seen through the caller's scope.

Searches live in `search.py`, changes (moves, births, deaths) in `changes.py`; all of
them take `session` and `principal` keyword arguments, only flush, and never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.db import Executor, copy_of
from dinhdanh.platform.errors import NotFound
from dinhdanh.population import names
from dinhdanh.population.models import Citizen, CitizenChange, Household, IdCard
from dinhdanh.population.reference import commune_info, ethnicity_names, religion_names
from dinhdanh.population.rules import BirthDate, display_iso_birth, format_birth
from dinhdanh.population.scope import (
    HOUSEHOLD_NOT_IN_UNIT,
    covers_citizen,
    covers_commune,
    not_found,
    visible,
)


@dataclass(frozen=True, slots=True)
class Place:
    """A residence: commune, its province, and the street address."""

    commune_code: str
    commune_name: str
    province_name: str
    address: str


@dataclass(frozen=True, slots=True)
class Person:
    """Another citizen as shown inside a record; `visible` when the caller may open them."""

    id: uuid.UUID
    full_name: str
    birth_display: str
    sex: str
    status: str
    relation: str | None
    visible: bool


@dataclass(frozen=True, slots=True)
class HouseholdInfo:
    """The household a citizen belongs to, with its head and members."""

    id: uuid.UUID
    number: str
    place: Place | None
    head: Person | None
    members: list[Person]


@dataclass(frozen=True, slots=True)
class CardInfo:
    """One ID card."""

    id: uuid.UUID
    number: str
    kind: str
    issue_date: dt.date
    expiry_date: dt.date | None
    issuing_unit_code: str
    status: str


@dataclass(frozen=True, slots=True)
class ChangeInfo:
    """One entry of the history."""

    at: dt.datetime
    effective_date: dt.date | None
    kind: str
    details: dict[str, Any]
    actor_id: str | None
    actor_unit: str | None


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    """Everything the registry holds about one citizen."""

    id: uuid.UUID
    personal_id: str
    legacy_id: str | None
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    birth: str
    sex: str
    place_of_birth: str
    birth_registration_place: str
    place_of_origin: str
    nationality: str
    ethnicity_code: str
    ethnicity_name: str
    religion_code: str | None
    religion_name: str | None
    blood_type: str | None
    occupation: str | None
    status: str
    death_date: dt.date | None
    permanent: Place | None
    temporary: Place | None
    current: Place | None
    relation_to_head: str | None
    household: HouseholdInfo | None
    version: int
    relatives: list[Person]
    cards: list[CardInfo]
    history: list[ChangeInfo]

    @property
    def birth_display(self) -> str:
        """The date of birth as pages show it (DD/MM/YYYY, MM/YYYY or YYYY)."""
        return display_iso_birth(self.birth)


async def audit_citizen(
    session: Executor,
    principal: Principal,
    action: str,
    citizen_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write the one audit event of an operation on (or read of) a citizen's record."""
    await audit.record(
        session,
        actor=principal,
        action=action,
        subject_type="citizen",
        subject_id=citizen_id,
        citizen_id=citizen_id,
        data=data,
    )


def place(commune_code: str | None, address: str) -> Place | None:
    """A residence with its commune and province names (None when there is none)."""
    if commune_code is None:
        return None
    info = commune_info(commune_code)
    return Place(
        commune_code=commune_code,
        commune_name=info.name if info else commune_code,
        province_name=info.province_name if info else "",
        address=address,
    )


def card_status(card: IdCard, today: dt.date) -> str:
    """The status a card shows today: a 'valid' card past its expiry date is 'expired'.

    The stored status changes only on events (revocation, loss, replacement); expiry is a
    matter of the calendar, so it is computed whenever a card is shown, never stored."""
    if card.status == "valid" and card.expiry_date is not None and card.expiry_date < today:
        return "expired"
    return card.status


def card_info(card: IdCard, today: dt.date) -> CardInfo:
    """A card as it is shown, with the status it has today."""
    return copy_of(CardInfo, card, status=card_status(card, today))


def birth_of(citizen: Citizen) -> BirthDate:
    """The citizen's (possibly partial) date of birth."""
    return BirthDate(citizen.birth_year, citizen.birth_month, citizen.birth_day)


def person(citizen: Citizen, relation: str | None, scope: Scope) -> Person:
    """Another citizen as shown inside a record."""
    return Person(
        id=citizen.id,
        full_name=names.full_name(citizen.family_name, citizen.middle_name, citizen.given_name),
        birth_display=display_iso_birth(
            format_birth(citizen.birth_year, citizen.birth_month, citizen.birth_day)
        ),
        sex=citizen.sex,
        status=citizen.status,
        relation=relation,
        visible=covers_citizen(scope, citizen),
    )


def parse_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    """A UUID from a path or form value; None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def load_citizen(
    *, session: AsyncSession, scope: Scope, citizen_id: uuid.UUID | str, for_update: bool = False
) -> Citizen:
    """The citizen with this id inside the scope, or NotFound (the two are not told apart)."""
    cid = parse_uuid(citizen_id)
    if cid is None:
        raise not_found()
    stmt = select(Citizen).where(Citizen.id == cid, visible(scope, Citizen.__table__))
    if for_update:
        stmt = stmt.with_for_update()
    citizen = await session.scalar(stmt)
    if citizen is None:
        raise not_found()
    return citizen


async def load_household(
    *, session: AsyncSession, scope: Scope, household_id: uuid.UUID | str
) -> Household:
    """The household with this id whose commune lies inside the scope, or NotFound."""
    hid = parse_uuid(household_id)
    household = await session.get(Household, hid) if hid else None
    if household is None or not covers_commune(scope, household.commune_code):
        raise NotFound(HOUSEHOLD_NOT_IN_UNIT)
    return household


async def _household_info(
    session: AsyncSession, household_id: uuid.UUID, scope: Scope
) -> HouseholdInfo | None:
    household = await session.get(Household, household_id)
    if household is None:
        return None
    members = (
        await session.scalars(
            select(Citizen)
            .where(Citizen.household_id == household_id)
            .order_by(Citizen.birth_year, Citizen.id)
        )
    ).all()
    shown = [person(m, m.relation_to_head, scope) for m in members]
    head = next((p for p in shown if p.relation == "head"), None)
    return HouseholdInfo(
        id=household.id,
        number=household.number,
        place=place(household.commune_code, household.address),
        head=head,
        members=shown,
    )


async def _relatives(session: AsyncSession, citizen: Citizen, scope: Scope) -> list[Person]:
    links = {
        citizen.father_id: "father",
        citizen.mother_id: "mother",
        citizen.spouse_id: "spouse",
        citizen.guardian_id: "guardian",
    }
    links.pop(None, None)
    found: list[Person] = []
    if links:
        rows = await session.scalars(select(Citizen).where(Citizen.id.in_(list(links))))
        found += [person(r, links[r.id], scope) for r in rows]
    children = await session.scalars(
        select(Citizen)
        .where(or_(Citizen.father_id == citizen.id, Citizen.mother_id == citizen.id))
        .order_by(Citizen.birth_year, Citizen.id)
    )
    found += [person(c, "child", scope) for c in children]
    return found


async def get_record(
    *, session: AsyncSession, principal: Principal, citizen_id: uuid.UUID | str
) -> CitizenRecord:
    """A citizen's full record (identity, residence, household, relatives, cards, history)."""
    c = await load_citizen(session=session, scope=principal.scope, citizen_id=citizen_id)
    record = await _record(session, c, principal.scope)
    await audit_citizen(session, principal, "population.citizen.viewed", c.id)
    # The relatives and household members shown beside the record are read too (name,
    # birth, status): each gets an event their own activity log can find.
    shown = {p.id for p in record.relatives}
    shown |= {p.id for p in record.household.members} if record.household else set()
    shown.discard(c.id)
    await audit.record_many(
        session,
        actor=principal,
        action="population.citizen.listed",
        subject_type="citizen",
        citizen_ids=sorted(shown),
        data={"on_record_of": str(c.id)},
    )
    return record


async def record_for_release(*, session: AsyncSession, citizen_id: uuid.UUID) -> CitizenRecord:
    """A citizen's record, unscoped and unaudited: for a service that releases part of it
    with the citizen's consent and audits the release itself (what went to whom). The
    history of changes is not read (nothing releases it): `history` is empty."""
    c = await load_citizen(session=session, scope=Scope.everything(), citizen_id=citizen_id)
    return await _record(session, c, Scope.everything(), with_history=False)


async def _record(
    session: AsyncSession, c: Citizen, scope: Scope, *, with_history: bool = True
) -> CitizenRecord:
    today = clock.today()
    cards = await session.scalars(
        select(IdCard).where(IdCard.citizen_id == c.id).order_by(IdCard.issue_date.desc())
    )
    changes = (
        await session.scalars(
            select(CitizenChange)
            .where(CitizenChange.citizen_id == c.id)
            .order_by(CitizenChange.at.desc(), CitizenChange.id.desc())
        )
        if with_history
        else ()
    )
    household = await _household_info(session, c.household_id, scope) if c.household_id else None
    return copy_of(
        CitizenRecord,
        c,
        full_name=names.full_name(c.family_name, c.middle_name, c.given_name),
        birth=format_birth(c.birth_year, c.birth_month, c.birth_day),
        ethnicity_name=ethnicity_names().get(c.ethnicity_code, c.ethnicity_code),
        religion_name=religion_names().get(c.religion_code) if c.religion_code else None,
        permanent=place(c.permanent_commune_code, c.permanent_address),
        temporary=place(c.temporary_commune_code, c.temporary_address),
        current=place(c.current_commune_code, c.current_address),
        household=household,
        relatives=await _relatives(session, c, scope),
        cards=[card_info(k, today) for k in cards],
        history=[copy_of(ChangeInfo, h) for h in changes],
    )


async def own_record(
    *, session: AsyncSession, principal: Principal, citizen_id: uuid.UUID
) -> CitizenRecord:
    """The citizen's own full record, as they see it in their account (no unit scope)."""
    return await get_record(
        session=session,
        principal=dataclasses.replace(principal, scope=Scope.everything()),
        citizen_id=citizen_id,
    )
