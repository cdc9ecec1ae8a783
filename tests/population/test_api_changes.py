"""Recording changes over the JSON API: moves, births, deaths; bad input writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from dinhdanh.platform import clock
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.population import personal_id
from dinhdanh.population.models import Citizen, CitizenChange, IdCard
from tests.factories.population import FAR, HOME, NEIGHBOUR, create_citizen, create_family


async def _move(officer, citizen, **body):
    return await officer.post(f"/api/v1/citizens/{citizen.id}/residence", json=body)


async def _count(db, model, *where) -> int:
    async with db.unit_of_work() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def _actions(db) -> list[str]:
    async with db.unit_of_work() as s:
        return list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


async def test_temporary_move_then_end(officer, db):
    an = await create_citizen(db)
    r = await _move(
        officer,
        an,
        kind="temporary",
        commune_code=NEIGHBOUR,
        address="5 Hoàng Hoa Thám",
        date="2024-03-01",
    )
    assert r.status_code == 200, r.text
    assert r.json()["current_commune_code"] == NEIGHBOUR
    rec = (await officer.get(f"/api/v1/citizens/{an.id}")).json()
    assert rec["temporary"]["commune_name"] == "Phường Ngọc Hà"
    assert rec["permanent"]["commune_code"] == HOME
    assert rec["history"][0]["kind"] == "moved_temporary"
    assert rec["history"][0]["actor_unit"] == "CA-00004"
    r = await _move(officer, an, kind="end_temporary", date="2024-06-01")
    assert r.status_code == 200
    rec = (await officer.get(f"/api/v1/citizens/{an.id}")).json()
    assert rec["temporary"] is None
    assert rec["current"]["commune_code"] == HOME
    assert [h["kind"] for h in rec["history"]] == ["ended_temporary", "moved_temporary"]
    assert (await _actions(db)).count("population.residence.moved") == 2


async def test_permanent_move_away_hides_the_citizen(officer, db):
    an = await create_citizen(db)
    r = await _move(
        officer, an, kind="permanent", commune_code=FAR, address="1 Đường 30/4", date="2025-01-10"
    )
    assert r.status_code == 200, r.text
    assert (await officer.get(f"/api/v1/citizens/{an.id}")).status_code == 404
    assert await _count(db, CitizenChange, CitizenChange.kind == "moved_permanent") == 1


async def test_permanent_move_into_household(officer, db):
    family = await create_family(db)
    an = await create_citizen(db, commune_code=NEIGHBOUR, temporary_commune_code=HOME)
    body = {
        "kind": "permanent",
        "commune_code": HOME,
        "address": "12 Phố Đội Cấn",
        "date": "2025-01-10",
        "household_number": family["household"].number,
        "relation_to_head": "head",
    }
    r = await _move(officer, an, **body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "relation_to_head"
    body["relation_to_head"] = "sibling"
    r = await _move(officer, an, **body)
    assert r.status_code == 200, r.text
    rec = (await officer.get(f"/api/v1/citizens/{an.id}")).json()
    assert rec["household"]["number"] == family["household"].number
    assert rec["relation_to_head"] == "sibling"


async def test_bad_moves_are_problems_and_write_nothing(officer, db):
    an = await create_citizen(db)
    future = (clock.today().replace(year=clock.today().year + 1)).isoformat()
    cases = [
        (
            {"kind": "temporary", "commune_code": "99999", "address": "x", "date": "2024-01-01"},
            "commune_code",
        ),
        ({"kind": "temporary", "commune_code": HOME, "address": "x", "date": future}, "date"),
        ({"kind": "temporary", "commune_code": HOME, "address": "x", "date": "2024-02-30"}, "date"),
        ({"kind": "temporary", "commune_code": HOME, "address": "x", "date": "1980-01-01"}, "date"),
        (
            {
                "kind": "temporary",
                "commune_code": HOME,
                "address": "<script>",
                "date": "2024-01-01",
            },
            "address",
        ),
        (
            {
                "kind": "permanent",
                "commune_code": HOME,
                "address": "x",
                "date": "2024-01-01",
                "household_number": "NOPE",
            },
            "household_number",
        ),
    ]
    for body, field in cases:
        r = await _move(officer, an, **body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()
    r = await _move(officer, an, kind="end_temporary", date="2024-01-01")
    assert r.status_code == 409
    r = await _move(officer, an, kind="sideways")
    assert r.status_code == 422
    assert await _count(db, CitizenChange) == 0
    assert "population.residence.moved" not in await _actions(db)


async def test_death_recorded_once_and_cards_revoked(officer, db):
    family = await create_family(db)
    father = family["father"]
    r = await officer.post(f"/api/v1/citizens/{father.id}/death", json={"date": "2025-02-03"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "deceased"
    rec = (await officer.get(f"/api/v1/citizens/{father.id}")).json()
    assert rec["death_date"] == "2025-02-03"
    assert rec["cards"][0]["status"] == "revoked"
    assert rec["history"][0]["kind"] == "death"
    r = await officer.post(f"/api/v1/citizens/{father.id}/death", json={"date": "2025-02-04"})
    assert r.status_code == 409
    assert r.json()["type"].endswith("already-deceased")
    assert await _count(db, CitizenChange, CitizenChange.kind == "death") == 1
    assert (await _actions(db)).count("population.death.recorded") == 1
    r = await _move(
        officer, father, kind="temporary", commune_code=HOME, address="x", date="2025-03-01"
    )
    assert r.status_code == 409


async def test_bad_deaths(officer, db):
    an = await create_citizen(db)
    for bad in ("1989-12-31", "2025-13-01", "tomorrow", "2999-01-01"):
        r = await officer.post(f"/api/v1/citizens/{an.id}/death", json={"date": bad})
        assert r.status_code == 422, bad
    assert await _count(db, Citizen, Citizen.status == "deceased") == 0


async def test_birth_into_household(officer, db):
    family = await create_family(db)
    body = {
        "family_name": "Nguyễn",
        "middle_name": "Minh",
        "given_name": "Khôi",
        "sex": "M",
        "birth_date": "2025-01-15",
        "mother_id": str(family["mother"].id),
        "father_id": str(family["father"].id),
    }
    r = await officer.post(f"/api/v1/households/{family['household'].id}/births", json=body)
    assert r.status_code == 201, r.text
    baby = r.json()
    info = personal_id.validate(baby["personal_id"], sex="M", birth_year=2025)
    assert info.province_code == "001"
    rec = (await officer.get(f"/api/v1/citizens/{baby['id']}")).json()
    assert rec["relation_to_head"] == "child"
    assert rec["permanent"]["commune_code"] == HOME
    assert {p["relation"] for p in rec["relatives"]} == {"father", "mother"}
    assert rec["history"][0]["kind"] == "birth"
    mother = (await officer.get(f"/api/v1/citizens/{family['mother'].id}")).json()
    assert "Nguyễn Minh Khôi" in {p["full_name"] for p in mother["relatives"]}
    assert "population.birth.recorded" in await _actions(db)


async def test_bad_births_write_nothing(officer, db):
    family = await create_family(db)
    url = f"/api/v1/households/{family['household'].id}/births"
    good = {
        "family_name": "Nguyễn",
        "middle_name": "",
        "given_name": "Khôi",
        "sex": "M",
        "birth_date": "2025-01-15",
    }
    cases = [
        ({"given_name": "<b>Khôi</b>"}, "given_name"),
        ({"given_name": "Robert'); DROP TABLE citizens;--"}, "given_name"),
        ({"birth_date": "2025-02-29"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "2025"}, "birth_date"),
        ({"mother_id": str(family["father"].id)}, "mother_id"),
        ({"father_id": "00000000-0000-0000-0000-000000000000"}, "father_id"),
        ({"birth_date": "1970-01-01", "father_id": str(family["father"].id)}, "father_id"),
        ({"relation_to_head": "head"}, "relation_to_head"),
        ({"ethnicity_code": "99"}, "ethnicity_code"),
        ({"religion_code": "77"}, "religion_code"),
    ]
    for change, field in cases:
        r = await officer.post(url, json={**good, **change})
        assert r.status_code == 422, change
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()
    assert await _count(db, Citizen) == 3
    assert await _count(db, CitizenChange) == 0


async def test_changes_outside_the_unit_are_not_found(officer, db):
    away = await create_citizen(db, commune_code=NEIGHBOUR)
    family = await create_family(db, commune_code=FAR)
    r = await officer.post(f"/api/v1/citizens/{away.id}/death", json={"date": "2025-01-01"})
    assert r.status_code == 404
    r = await _move(
        officer, away, kind="temporary", commune_code=HOME, address="x", date="2025-01-01"
    )
    assert r.status_code == 404
    r = await officer.post(
        f"/api/v1/households/{family['household'].id}/births",
        json={"given_name": "Khôi", "sex": "M", "birth_date": "2025-01-15"},
    )
    assert r.status_code == 404
    assert await _count(db, Citizen, Citizen.status == "deceased") == 0
    assert await _count(db, IdCard) == 1
