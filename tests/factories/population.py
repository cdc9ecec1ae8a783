"""Registry factories: households and citizens written straight through the models."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.db import Database
from dinhdanh.population import names, personal_id
from dinhdanh.population.models import Citizen, Household, IdCard
from dinhdanh.population.reference import commune_info

HOME = "00004"  # Phường Ba Đình, Hà Nội: the demo officer's commune
NEIGHBOUR = "00008"  # Phường Ngọc Hà, Hà Nội: same province, another commune
FAR = "25747"  # Phường Thủ Dầu Một, TP Hồ Chí Minh: another province

_serials = itertools.count(100_001)


def next_personal_id(commune_code: str, sex: str, birth_year: int) -> str:
    """A unique, well-formed personal ID for a birth registered in the commune's province."""
    info = commune_info(commune_code)
    assert info is not None
    prefix = personal_id.legacy_codes_for(info.province_code)[0]
    digit = personal_id.century_sex_digit(birth_year, sex)
    return f"{prefix}{digit}{birth_year % 100:02d}{next(_serials):06d}"


async def make_household(
    session: AsyncSession, *, commune_code: str = HOME, address: str = "12 Phố Đội Cấn"
) -> Household:
    """A household at a commune."""
    household = Household(
        number=f"HK{uuid.uuid4().hex[:8].upper()}", commune_code=commune_code, address=address
    )
    session.add(household)
    await session.flush()
    return household


async def make_citizen(
    session: AsyncSession,
    *,
    family: str = "Nguyễn",
    middle: str = "Văn",
    given: str = "An",
    sex: str = "M",
    birth: tuple[int, int | None, int | None] = (1990, 5, 17),
    commune_code: str = HOME,
    address: str = "12 Phố Đội Cấn",
    household: Household | None = None,
    relation: str | None = None,
    **fields: object,
) -> Citizen:
    """A living citizen with permanent and current residence at `commune_code`."""
    citizen = Citizen(
        personal_id=fields.pop("personal_id", None)
        or next_personal_id(commune_code, sex, birth[0]),
        family_name=family,
        middle_name=middle,
        given_name=given,
        name_folded=names.fold(names.full_name(family, middle, given)),
        birth_year=birth[0],
        birth_month=birth[1],
        birth_day=birth[2],
        sex=sex,
        ethnicity_code="01",
        permanent_commune_code=commune_code,
        permanent_address=address,
        current_commune_code=commune_code,
        current_address=address,
        household_id=household.id if household else None,
        relation_to_head=relation,
        **fields,
    )
    session.add(citizen)
    await session.flush()
    return citizen


async def make_card(session: AsyncSession, citizen: Citizen, **fields: object) -> IdCard:
    """A valid 2024 card for the citizen."""
    card = IdCard(
        citizen_id=citizen.id,
        number=citizen.personal_id,
        kind="can_cuoc_2024",
        issue_date=fields.pop("issue_date", dt.date(2024, 8, 1)),
        expiry_date=fields.pop("expiry_date", None),
        issuing_unit_code="C06",
        status=fields.pop("status", "valid"),
        **fields,
    )
    session.add(card)
    await session.flush()
    return card


async def create_citizen(db: Database, **kwargs: object) -> Citizen:
    """make_citizen in its own committed unit of work."""
    async with db.unit_of_work() as session:
        return await make_citizen(session, **kwargs)


async def create_household(db: Database, **kwargs: object) -> Household:
    """make_household in its own committed unit of work."""
    async with db.unit_of_work() as session:
        return await make_household(session, **kwargs)


async def create_family(
    db: Database, *, commune_code: str = HOME
) -> dict[str, Citizen | Household]:
    """A household with a head, his wife and their daughter."""
    async with db.unit_of_work() as s:
        home = await make_household(s, commune_code=commune_code)
        father = await make_citizen(
            s,
            given="Bình",
            birth=(1980, 3, 2),
            household=home,
            relation="head",
            commune_code=commune_code,
        )
        mother = await make_citizen(
            s,
            family="Trần",
            middle="Thị",
            given="Thủy",
            sex="F",
            birth=(1982, 7, 9),
            household=home,
            relation="spouse",
            commune_code=commune_code,
            spouse_id=father.id,
        )
        father.spouse_id = mother.id
        child = await make_citizen(
            s,
            middle="Thị",
            given="Hoa",
            sex="F",
            birth=(2010, 1, 20),
            household=home,
            relation="child",
            commune_code=commune_code,
            father_id=father.id,
            mother_id=mother.id,
        )
        await make_card(s, father)
        return {"household": home, "father": father, "mother": mother, "child": child}
