"""Who a citizen is, for the other contexts: identity by id or personal ID, the name alone,
scope checks on it, and the adults of a commune. Unscoped and unaudited: the caller (a
service acting for the citizen, or checking its own unit's scope) decides both; for a list
shown to staff, `listed_identities` writes the read's events the caller names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.population import names
from dinhdanh.population.models import Citizen, IdCard
from dinhdanh.population.rules import BirthDate
from dinhdanh.population.service import birth_of, card_status


@dataclass(frozen=True, slots=True)
class Identity:
    """What another context needs to know of a citizen: who, born when, alive, where, card."""

    id: uuid.UUID
    personal_id: str
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    birth: BirthDate
    sex: str
    status: str
    has_valid_card: bool
    permanent_commune_code: str | None
    temporary_commune_code: str | None
    current_commune_code: str | None

    @property
    def home_commune_code(self) -> str | None:
        """The commune whose police answer for the person: permanent residence, else
        current, else temporary."""
        return (
            self.permanent_commune_code or self.current_commune_code or self.temporary_commune_code
        )


def _identity_of(c: Citizen, *, has_valid_card: bool) -> Identity:
    return Identity(
        id=c.id,
        personal_id=c.personal_id,
        family_name=c.family_name,
        middle_name=c.middle_name,
        given_name=c.given_name,
        full_name=names.full_name(c.family_name, c.middle_name, c.given_name),
        birth=birth_of(c),
        sex=c.sex,
        status=c.status,
        has_valid_card=has_valid_card,
        permanent_commune_code=c.permanent_commune_code,
        temporary_commune_code=c.temporary_commune_code,
        current_commune_code=c.current_commune_code,
    )


async def full_name_of(*, session: AsyncSession, citizen_id: uuid.UUID) -> str:
    """A citizen's full name (one narrow read: the account's home page shows only this)."""
    row = (
        await session.execute(
            select(Citizen.family_name, Citizen.middle_name, Citizen.given_name).where(
                Citizen.id == citizen_id
            )
        )
    ).one()
    return names.full_name(*row)


async def identity(
    *, session: AsyncSession, citizen_id: uuid.UUID | None = None, personal_id: str | None = None
) -> Identity | None:
    """A citizen's identity by id or personal ID, unscoped and unaudited: the caller (a
    service acting for the citizen themselves, or checking its own scope) decides both."""
    if citizen_id is not None:
        c = await session.get(Citizen, citizen_id)
    elif personal_id:
        c = await session.scalar(select(Citizen).where(Citizen.personal_id == personal_id))
    else:
        c = None
    if c is None:
        return None
    today = clock.today()
    cards = await session.scalars(select(IdCard).where(IdCard.citizen_id == c.id))
    return _identity_of(c, has_valid_card=any(card_status(k, today) == "valid" for k in cards))


async def identities(
    *, session: AsyncSession, citizen_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Identity]:
    """The identities of several citizens in two queries (a page of a list)."""
    wanted = set(citizen_ids)
    if not wanted:
        return {}
    people = await session.scalars(select(Citizen).where(Citizen.id.in_(wanted)))
    today = clock.today()
    valid = {
        k.citizen_id
        for k in await session.scalars(select(IdCard).where(IdCard.citizen_id.in_(wanted)))
        if card_status(k, today) == "valid"
    }
    return {c.id: _identity_of(c, has_valid_card=c.id in valid) for c in people}


async def listed_identities(
    *,
    session: AsyncSession,
    principal: Principal,
    action: str,
    citizen_ids: Iterable[uuid.UUID],
    data: dict[str, Any] | None = None,
) -> dict[uuid.UUID, Identity]:
    """The identities of the people a list shows a staff member, the read audited: one
    `action` event per person, so that each one's own activity log finds it."""
    wanted = sorted(set(citizen_ids))
    people = await identities(session=session, citizen_ids=wanted)
    await audit.record_many(
        session,
        actor=principal,
        action=action,
        subject_type="citizen",
        citizen_ids=wanted,
        data=data,
    )
    return people


async def adults_with_valid_card(
    *, session: AsyncSession, commune_code: str, limit: int
) -> list[Identity]:
    """Living citizens of 18 or more with a valid card whose permanent residence is the
    commune, in personal-ID order (the demo picks its account holders this way)."""
    today = clock.today()
    valid_card = exists().where(
        IdCard.citizen_id == Citizen.id,
        IdCard.status == "valid",
        or_(IdCard.expiry_date.is_(None), IdCard.expiry_date >= today),
    )
    rows = await session.scalars(
        select(Citizen)
        .where(
            Citizen.permanent_commune_code == commune_code,
            Citizen.status == "living",
            Citizen.birth_year < today.year - 18,
            valid_card,
        )
        .order_by(Citizen.personal_id)
        .limit(limit)
    )
    return [_identity_of(c, has_valid_card=True) for c in rows]
