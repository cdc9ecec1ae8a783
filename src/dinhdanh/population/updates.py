"""Corrections of a person's data and relatives, as a card application captures them:
checked when captured (`check_changes`, nothing written) and applied when the
application is approved (`apply_changes`, checked again: the registry may have moved on).

Only what a card procedure may correct is here: names, place of birth and of origin,
ethnic group, religion, blood type, occupation, and the links to father, mother and
spouse (by personal ID). The date of birth and the sex make the personal ID and are
not changed this way.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line
from dinhdanh.population import names
from dinhdanh.population.changes import deceased, log_change
from dinhdanh.population.models import Citizen
from dinhdanh.population.rules import (
    Checker,
    RuleError,
    check_address,
    check_blood_type,
    check_ethnicity,
    check_name,
    check_personal_id,
    check_religion,
)
from dinhdanh.population.service import audit_citizen, load_citizen

NAME_FIELDS: Final = ("family_name", "middle_name", "given_name")
FIELDS: Final = (
    *NAME_FIELDS,
    "place_of_birth",
    "place_of_origin",
    "ethnicity_code",
    "religion_code",
    "blood_type",
    "occupation",
)
# A relative link: the form field (a personal ID) and the citizen column it sets.
RELATIVES: Final[dict[str, str]] = {
    "father": "father_id",
    "mother": "mother_id",
    "spouse": "spouse_id",
}
OCCUPATION_MAX: Final = 100
_SEX_OF: Final = {"father": "M", "mother": "F"}


def _occupation(text: str) -> str | None:
    value = clean_line(text)
    if len(value) > OCCUPATION_MAX:
        raise RuleError("At most %(n)s characters.", n=OCCUPATION_MAX)
    return value or None


_CHECKS: Final = {
    "family_name": lambda v: check_name(v, required=False),
    "middle_name": lambda v: check_name(v, required=False),
    "given_name": lambda v: check_name(v, required=True),
    "place_of_birth": check_address,
    "place_of_origin": check_address,
    "ethnicity_code": check_ethnicity,
    "religion_code": check_religion,
    "blood_type": check_blood_type,
    "occupation": _occupation,
}


async def _relative(
    session: AsyncSession, checker: Checker, person: Citizen, link: str, text: str
) -> str | None:
    """The relative's personal ID when it names a fitting registry citizen."""
    pid = checker.check(link, check_personal_id, text)
    if pid is None:
        return None
    relative = await session.scalar(select(Citizen).where(Citizen.personal_id == pid))
    if relative is None:
        checker.add(link, N_("No citizen with this personal ID."))
    elif relative.id == person.id:
        checker.add(link, N_("A person cannot be their own relative."))
    elif link in _SEX_OF and relative.sex != _SEX_OF[link]:
        checker.add(link, N_("The sex recorded for this person does not fit the relation."))
    elif link in _SEX_OF and relative.birth_year >= person.birth_year:
        checker.add(link, N_("A parent is born before the child."))
    else:
        return pid
    return None


async def _current_relative_pid(session: AsyncSession, relative_id: uuid.UUID | None) -> str:
    if relative_id is None:
        return ""
    return await session.scalar(select(Citizen.personal_id).where(Citizen.id == relative_id)) or ""


async def check_changes(
    *, session: AsyncSession, citizen: Citizen, values: dict[str, str]
) -> dict[str, Any]:
    """The captured corrections that differ from the registry, normalised: a field left
    out (or empty for a relative) keeps the registry's value. ValidationProblem names
    every field at fault; nothing is written."""
    checker = Checker()
    changed: dict[str, Any] = {}
    for field in FIELDS:
        if field not in values:
            continue
        # A failed check records its error (and returns None): raised below, so the
        # None never reaches the registry.
        value = checker.check(field, _CHECKS[field], values[field] or "")
        if value != getattr(citizen, field):
            changed[field] = value
    for link, column in RELATIVES.items():
        text = (values.get(link) or "").strip()
        if not text:
            continue
        pid = await _relative(session, checker, citizen, link, text)
        if pid and pid != await _current_relative_pid(session, getattr(citizen, column)):
            changed[link] = pid
    checker.raise_if_any()
    return changed


async def apply_changes(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID,
    changes: dict[str, Any],
    grounds: str,
) -> Citizen:
    """Write captured corrections to the registry (checked again), with one history entry
    and one audit event naming the fields; `grounds` says which procedure (a reference)."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    if citizen.status == "deceased":
        raise deceased()
    values = {k: "" if v is None else str(v) for k, v in changes.items()}
    checked = await check_changes(session=session, citizen=citizen, values=values)
    if not checked:
        return citizen
    for field in FIELDS:
        if field in checked:
            setattr(citizen, field, checked[field])
    for link, column in RELATIVES.items():
        if link in checked:
            relative_id = await session.scalar(
                select(Citizen.id).where(Citizen.personal_id == checked[link])
            )
            setattr(citizen, column, relative_id)
    if any(f in checked for f in NAME_FIELDS):
        citizen.name_folded = names.fold(
            names.full_name(citizen.family_name, citizen.middle_name, citizen.given_name)
        )
    fields = sorted(checked)
    await log_change(
        session, principal, citizen, "data_updated", None, {"fields": fields, "grounds": grounds}
    )
    await audit_citizen(
        session, principal, "population.citizen.updated", citizen.id, {"fields": fields}
    )
    return citizen


async def guardians_of(*, session: AsyncSession, citizen_id: uuid.UUID) -> set[uuid.UUID]:
    """The person's father, mother and guardian as the registry links them."""
    row = (
        await session.execute(
            select(Citizen.father_id, Citizen.mother_id, Citizen.guardian_id).where(
                Citizen.id == citizen_id
            )
        )
    ).first()
    return {x for x in (row or ()) if x is not None}
