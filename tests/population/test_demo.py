"""The demo population: deterministic, plausible, and fast enough to load on start."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from dinhdanh.population import demo, personal_id
from dinhdanh.population.models import Citizen, Household, IdCard


def test_same_seed_same_people_other_seed_others():
    first = list(demo.generate_rows(citizens=300, seed=42))
    assert first == list(demo.generate_rows(citizens=300, seed=42))
    assert first != list(demo.generate_rows(citizens=300, seed=43))
    assert len(first) == 300


def test_people_are_plausible():
    rows = list(demo.generate_rows(citizens=3000, seed=1))
    assert len({r["personal_id"] for r in rows}) == 3000
    for r in rows:
        year = int(r["birth_date"][:4])
        personal_id.validate(r["personal_id"], sex=r["sex"], birth_year=year)
        assert 1925 <= year <= demo.REFERENCE_DATE.year
    sexes = Counter(r["sex"] for r in rows)
    assert sexes["M"] > 1200 and sexes["F"] > 1200
    kinh = sum(r["ethnicity_code"] == "01" for r in rows) / len(rows)
    assert 0.75 < kinh < 0.95
    no_religion = sum(r["religion_code"] == "" for r in rows) / len(rows)
    assert 0.75 < no_religion < 0.95
    home = sum(r["permanent_commune_code"] == demo.DEMO_COMMUNE for r in rows) / len(rows)
    assert 0.3 < home < 0.5
    heads = Counter(r["household_number"] for r in rows if r["relation_to_head"] == "head")
    assert max(heads.values()) == 1
    by_pid = {r["personal_id"]: r for r in rows}
    for r in rows:
        if r["father_personal_id"]:
            father = by_pid[r["father_personal_id"]]
            assert father["sex"] == "M"
            assert r["family_name"] == father["family_name"]
            assert int(father["birth_date"][:4]) + 18 <= int(r["birth_date"][:4])


async def test_generate_writes_citizens_households_cards(db):
    seen = []
    async with db.unit_of_work() as s:
        result = await demo.generate(s, citizens=500, seed=5, progress=seen.append)
    assert result.citizens == 500 == seen[-1]
    assert seen == sorted(seen)
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(Citizen)) == 500
        assert await s.scalar(select(func.count()).select_from(Household)) == result.households
        cards = await s.scalar(select(func.count()).select_from(IdCard))
        spouses = await s.scalar(
            select(func.count()).select_from(Citizen).where(Citizen.spouse_id.is_not(None))
        )
    assert cards == result.cards > 250
    assert spouses > 100
