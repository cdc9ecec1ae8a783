"""Registering a birth into a household: a new citizen with a fresh personal ID.

All input is checked before anything is written; the child's history, the parents'
histories and one audit event are written in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Final

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import new_uuid
from dinhdanh.platform.errors import Conflict, NotFound
from dinhdanh.population import names, personal_id
from dinhdanh.population.changes import household_head, log_change
from dinhdanh.population.models import Citizen, Household
from dinhdanh.population.reference import commune_info
from dinhdanh.population.rules import (
    BirthDate,
    Checker,
    check_address,
    check_ethnicity,
    check_name,
    check_relation,
    check_religion,
    check_sex,
    parse_birth,
)
from dinhdanh.population.scope import NOT_IN_UNIT
from dinhdanh.population.service import audit_citizen, birth_of, load_citizen, load_household

_PID_ATTEMPTS: Final = 50
MIN_PARENT_AGE: Final = 12
# A child may be born up to about 300 days after the father's death (the usual legal
# presumption of paternity after the end of a marriage).
MAX_DAYS_AFTER_FATHER_DEATH: Final = 300
_rng = random.SystemRandom()


async def _parent(
    session: AsyncSession,
    principal: Principal,
    checker: Checker,
    field: str,
    ref: str,
    sex: str,
) -> Citizen | None:
    if not ref.strip():
        return None
    try:
        parent = await load_citizen(session=session, scope=principal.scope, citizen_id=ref.strip())
    except NotFound:  # the parent is named as a field error, not a 404
        checker.add(field, NOT_IN_UNIT)
        return None
    if parent.sex != sex:
        checker.add(field, "The mother must be female and the father male.")
    return parent


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return dt.date(day.year - years, 3, 1)


def _check_parent(checker: Checker, field: str, parent: Citizen, born: dt.date) -> None:
    """The parent was at least 12 at the birth, and alive when it could have been conceived."""
    # A partial date of birth is refused only when even its earliest day is too late.
    if birth_of(parent).earliest() > _years_before(born, MIN_PARENT_AGE):
        checker.add(
            field, "The parent must be at least %(n)s years old at the birth.", n=MIN_PARENT_AGE
        )
    died = parent.death_date if parent.status == "deceased" else None
    if died is None:
        return
    if field == "mother_id" and died < born:
        checker.add(field, "The mother died before this date of birth.")
    elif field == "father_id" and (born - died).days > MAX_DAYS_AFTER_FATHER_DEATH:
        checker.add(
            field,
            "The father died more than %(n)s days before this date of birth.",
            n=MAX_DAYS_AFTER_FATHER_DEATH,
        )


def _relation_for(parents: list[Citizen]) -> str:
    relations = {p.relation_to_head for p in parents}
    if relations & {"head", "spouse"}:
        return "child"
    if relations & {"child", "child_in_law"}:
        return "grandchild"
    return "other"


async def new_personal_id(session: AsyncSession, commune_code: str, sex: str, year: int) -> str:
    """A fresh personal ID for a birth registered in this commune's province."""
    info = commune_info(commune_code)
    assert info is not None
    prefix = personal_id.legacy_codes_for(info.province_code)[0]
    for _ in range(_PID_ATTEMPTS):
        pid = personal_id.generate(prefix, sex, year, _rng)
        if not await session.scalar(select(exists().where(Citizen.personal_id == pid))):
            return pid
    raise Conflict("No free personal ID could be drawn; try again.", type="personal-id-exhausted")


async def record_birth(
    *,
    session: AsyncSession,
    principal: Principal,
    household_id: uuid.UUID | str,
    family_name: str,
    middle_name: str,
    given_name: str,
    sex: str,
    birth_date: str,
    place_of_birth: str = "",
    mother_id: str = "",
    father_id: str = "",
    relation_to_head: str = "",
    ethnicity_code: str = "",
    religion_code: str = "",
) -> Citizen:
    """Register a birth into a household: a new citizen with a personal ID (audited)."""
    household = await load_household(
        session=session, scope=principal.scope, household_id=household_id
    )
    checker = Checker()
    family = checker.check("family_name", check_name, family_name, required=False)
    middle = checker.check("middle_name", check_name, middle_name, required=False)
    given = checker.check("given_name", check_name, given_name, required=True)
    sex_ok = checker.check("sex", check_sex, sex)
    birth = checker.check("birth_date", parse_birth, birth_date)
    if birth is not None and birth.day is None:
        checker.add("birth_date", "Write the date as YYYY-MM-DD and make sure it exists.")
    where = checker.check("place_of_birth", check_address, place_of_birth)
    mother = await _parent(session, principal, checker, "mother_id", mother_id, "F")
    father = await _parent(session, principal, checker, "father_id", father_id, "M")
    parents = [p for p in (father, mother) if p is not None]
    for parent, field in ((mother, "mother_id"), (father, "father_id")):
        if parent and birth and birth.day is not None:
            _check_parent(checker, field, parent, birth.earliest())
    relation = (
        checker.check("relation_to_head", check_relation, relation_to_head.strip())
        if relation_to_head.strip()
        else _relation_for(parents)
    )
    if relation == "head" and await household_head(session, household.id):
        checker.add("relation_to_head", "This household already has a head.")
    ethnicity = checker.check(
        "ethnicity_code",
        check_ethnicity,
        ethnicity_code.strip() or (parents[0].ethnicity_code if parents else "01"),
    )
    religion = checker.check("religion_code", check_religion, religion_code)
    checker.raise_if_any()
    assert birth is not None and sex_ok is not None and given is not None
    return await _create_newborn(
        session,
        principal,
        household,
        names_=(family or "", middle or "", given),
        sex=sex_ok,
        birth=birth,
        place_of_birth=where or "",
        mother=mother,
        father=father,
        relation=relation or "other",
        ethnicity=ethnicity or "01",
        religion=religion,
    )


async def _create_newborn(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    *,
    names_: tuple[str, str, str],
    sex: str,
    birth: BirthDate,
    place_of_birth: str,
    mother: Citizen | None,
    father: Citizen | None,
    relation: str,
    ethnicity: str,
    religion: str | None,
) -> Citizen:
    info = commune_info(household.commune_code)
    registered_at = f"{info.name}, {info.province_name}" if info else household.commune_code
    origin = next((p.place_of_origin for p in (father, mother) if p and p.place_of_origin), "")
    child = Citizen(
        personal_id=await new_personal_id(session, household.commune_code, sex, birth.year),
        family_name=names_[0],
        middle_name=names_[1],
        given_name=names_[2],
        name_folded=names.fold(names.full_name(*names_)),
        birth_year=birth.year,
        birth_month=birth.month,
        birth_day=birth.day,
        sex=sex,
        place_of_birth=place_of_birth or registered_at,
        birth_registration_place=registered_at,
        place_of_origin=origin,
        nationality="VN",
        ethnicity_code=ethnicity,
        religion_code=religion,
        status="living",
        permanent_commune_code=household.commune_code,
        permanent_address=household.address,
        current_commune_code=household.commune_code,
        current_address=household.address,
        household_id=household.id,
        relation_to_head=relation,
        father_id=father.id if father else None,
        mother_id=mother.id if mother else None,
        version=0,
        id=new_uuid(),  # known now: no flush needed before the history entries point at it
    )
    session.add(child)
    born = birth.earliest()
    await log_change(
        session, principal, child, "birth", born, {"household_number": household.number}
    )
    for parent in (father, mother):
        if parent is not None:
            await log_change(
                session, principal, parent, "child_born", born, {"child_id": str(child.id)}
            )
    await audit_citizen(
        session,
        principal,
        "population.birth.recorded",
        child.id,
        {"household_number": household.number, "personal_id": personal_id.mask(child.personal_id)},
    )
    return child
