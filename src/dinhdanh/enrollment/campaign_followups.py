"""Following up one resident: who they are (as the list shows them), their follow-ups, and
recording a new one (the day, the channel, the outcome, a note), audited with their id.

Only a person on the list of the officer's unit may be followed up: a living adult whose
home commune is in the unit and who has no account. A person of another unit, or none,
answers "not found" (the registry's answer: nothing tells the officer they exist); a
person of the unit who is not on the list gets a conflict that says why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import account_of_citizen
from dinhdanh.enrollment.campaign import ADULT_AGE, Area
from dinhdanh.enrollment.campaign_models import CHANNELS, NOTE_MAX, OUTCOMES, FollowUp
from dinhdanh.enrollment.campaign_residents import Resident, last_follow_ups, resident_of
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_text
from dinhdanh.population.residents import residents
from dinhdanh.population.scope import not_found

BACKDATE_DAYS: Final = 365  # how far back a follow-up may be dated (written up late)
SUBJECT: Final = "campaign_followup"
UNDER_AGE: Final = N_("This person is under 18: the campaign follows up adults.")
HAS_ACCOUNT: Final = N_("This person already has an e-ID account: no follow-up is needed.")


@dataclass
class NewFollowUp:
    """What recording a follow-up takes (as typed: the day is YYYY-MM-DD)."""

    happened_on: str
    channel: str
    outcome: str
    note: str = ""


def _parse_id(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise not_found() from None


async def _person(
    session: AsyncSession, area: Area, citizen_id: uuid.UUID | str
) -> tuple[Resident, int]:
    """The person as the list shows them, and their birth year; NotFound outside the area."""
    people = residents(area.scope)
    row = (
        await session.execute(select(people).where(people.c.citizen_id == _parse_id(citizen_id)))
    ).first()
    if row is None:
        raise not_found()
    year = clock.today().year
    last = (await last_follow_ups(session, [row.citizen_id])).get(row.citizen_id)
    return resident_of(row, year, last), row.birth_year


async def _off_list(session: AsyncSession, person: Resident, birth_year: int) -> Conflict | None:
    """Why a resident of the area is not on the list (a minor, an account holder), if so."""
    if clock.today().year - birth_year < ADULT_AGE:
        return Conflict(UNDER_AGE, type="not-an-adult")
    if await account_of_citizen(session, person.citizen_id) is not None:
        return Conflict(HAS_ACCOUNT, type="has-account")
    return None


async def history(
    *, session: AsyncSession, principal: Principal, area: Area, citizen_id: uuid.UUID | str
) -> tuple[Resident, list[FollowUp], str | None]:
    """A resident of the area, their follow-ups (newest first) and why they are off the
    list, if they are (a msgid); audited as a read of their data."""
    person, birth_year = await _person(session, area, citizen_id)
    off = await _off_list(session, person, birth_year)
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.citizen_id == person.citizen_id)
        .order_by(FollowUp.happened_on.desc(), FollowUp.recorded_at.desc())
    )
    await audit.record(
        session,
        actor=principal,
        action="enrollment.campaign.viewed",
        subject_type="citizen",
        subject_id=person.citizen_id,
        citizen_id=person.citizen_id,
    )
    return person, list(rows), off.detail_msgid if off else None


def _check(data: NewFollowUp) -> tuple[dt.date, str, str, str]:
    errors = []
    today = clock.today()
    try:
        day = dt.date.fromisoformat((data.happened_on or "").strip())
    except ValueError:
        day = None
        errors.append(field_error("happened_on", N_("Write the date as YYYY-MM-DD.")))
    if day is not None and day > today:
        errors.append(field_error("happened_on", N_("The date is in the future.")))
    elif day is not None and (today - day).days > BACKDATE_DAYS:
        errors.append(field_error("happened_on", N_("The date is more than a year ago.")))
    if data.channel not in CHANNELS:
        errors.append(
            field_error(
                "channel", N_("Choose a home visit, a phone call, a loudspeaker or a letter.")
            )
        )
    if data.outcome not in OUTCOMES:
        errors.append(field_error("outcome", N_("Choose what came of it.")))
    note = clean_text(data.note)
    if len(note) > NOTE_MAX:
        errors.append(
            field_error("note", N_("The note is too long: at most %(n)s characters."), n=NOTE_MAX)
        )
    if errors:
        raise ValidationProblem(errors=errors)
    assert day is not None
    return day, data.channel, data.outcome, note


async def record_follow_up(
    *,
    session: AsyncSession,
    principal: Principal,
    area: Area,
    citizen_id: uuid.UUID | str,
    data: NewFollowUp,
) -> FollowUp:
    """Record a follow-up of a person on the area's list (audited with their id)."""
    day, channel, outcome, note = _check(data)
    person, birth_year = await _person(session, area, citizen_id)
    off = await _off_list(session, person, birth_year)
    if off is not None:
        raise off
    row = FollowUp(
        citizen_id=person.citizen_id,
        commune_code=person.commune_code,
        unit_code=principal.unit_code or "",
        happened_on=day,
        channel=channel,
        outcome=outcome,
        note=note,
        recorded_by=principal.id or "",
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="enrollment.campaign.followed_up",
        subject_type=SUBJECT,
        subject_id=row.id,
        citizen_id=person.citizen_id,
        data={"channel": channel, "outcome": outcome, "happened_on": day.isoformat()},
    )
    return row
