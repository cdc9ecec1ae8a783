"""A birth is refused when a parent could not be the parent: too young, or dead too long."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dinhdanh.population.models import Citizen
from tests.factories.population import create_citizen, create_family

EN = {"accept-language": "en"}


def _birth(**parents: str) -> dict[str, str]:
    return {"given_name": "Khôi", "sex": "M", "birth_date": "2025-01-15", **parents}


async def _register(officer, household, body):
    return await officer.post(f"/api/v1/households/{household.id}/births", json=body, headers=EN)


def _errors(response, field: str) -> list[str]:
    return [e["message"] for e in response.json()["errors"] if e["field"] == field]


async def _citizens(db) -> int:
    async with db.unit_of_work() as s:
        return await s.scalar(select(func.count()).select_from(Citizen))


async def test_deceased_parents(officer, db):
    home = (await create_family(db))["household"]

    async def dead(sex: str, died: dt.date):
        return await create_citizen(
            db, sex=sex, birth=(1990, 1, 1), status="deceased", death_date=died
        )

    father_2y = await dead("M", dt.date(2023, 1, 15))
    born = dt.date(2025, 1, 15)
    father_301 = await dead("M", born - dt.timedelta(days=301))
    mother_before = await dead("F", dt.date(2025, 1, 14))
    before = await _citizens(db)
    for field, parent, message in (
        ("father_id", father_2y, "The father died more than 300 days before"),
        ("father_id", father_301, "The father died more than 300 days before"),
        ("mother_id", mother_before, "The mother died before this date of birth."),
    ):
        r = await _register(officer, home, _birth(**{field: str(parent.id)}))
        assert r.status_code == 422, r.text
        assert _errors(r, field)[0].startswith(message), r.json()
    assert await _citizens(db) == before

    father_300 = await dead("M", born - dt.timedelta(days=300))
    mother_same_day = await dead("F", dt.date(2025, 1, 15))  # died giving birth
    r = await _register(
        officer,
        home,
        _birth(father_id=str(father_300.id), mother_id=str(mother_same_day.id)),
    )
    assert r.status_code == 201, r.text


async def test_parents_must_be_twelve_at_the_birth(officer, db):
    home = (await create_family(db))["household"]
    one_day_older = await create_citizen(db, sex="F", birth=(2025, 1, 14))
    eleven = await create_citizen(db, sex="M", birth=(2013, 1, 16))
    born_1990s = await create_citizen(db, sex="M", birth=(1999, None, None))
    before = await _citizens(db)
    for field, parent in (("mother_id", one_day_older), ("father_id", eleven)):
        r = await _register(officer, home, _birth(**{field: str(parent.id)}))
        assert r.status_code == 422, r.text
        assert _errors(r, field) == ["The parent must be at least 12 years old at the birth."]
    assert await _citizens(db) == before
    twelve = await create_citizen(db, sex="F", birth=(2013, 1, 15))
    r = await _register(
        officer, home, _birth(mother_id=str(twelve.id), father_id=str(born_1990s.id))
    )
    assert r.status_code == 201, r.text


async def test_parent_age_message_in_vietnamese(officer, db):
    home = (await create_family(db))["household"]
    child_mother = await create_citizen(db, sex="F", birth=(2020, 1, 1))
    r = await officer.post(
        f"/api/v1/households/{home.id}/births", json=_birth(mother_id=str(child_mother.id))
    )
    assert _errors(r, "mother_id") == ["Cha/mẹ phải đủ 12 tuổi trở lên vào ngày sinh của con."]
