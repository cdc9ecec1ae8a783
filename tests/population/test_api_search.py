"""Searching the registry over the JSON API: personal ID, folded names, scope."""

from __future__ import annotations

from sqlalchemy import select

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as
from tests.factories.population import FAR, HOME, NEIGHBOUR, create_citizen, create_family


async def test_find_by_personal_id_returns_the_citizen_and_audits(officer, db):
    an = await create_citizen(db)
    r = await officer.get("/api/v1/citizens", params={"personal_id": an.personal_id})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["full_name"] for i in items] == ["Nguyễn Văn An"]
    assert items[0]["birth"] == "1990-05-17"
    async with db.unit_of_work() as s:
        event = await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "population.citizen.looked_up")
        )
    assert event.citizen_id == an.id
    assert an.personal_id not in str(event.data)


async def test_unknown_personal_id_finds_nothing(officer):
    r = await officer.get("/api/v1/citizens", params={"personal_id": "001090999999"})
    assert r.status_code == 200
    assert r.json()["items"] == []


async def test_malformed_personal_id_is_a_problem(officer):
    for bad in ("12345", "99909000000a", "999090000001", "00109012345x"):
        r = await officer.get("/api/v1/citizens", params={"personal_id": bad})
        assert r.status_code == 422, bad
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == "personal_id"


async def test_folded_name_search_ignores_accents(officer, db):
    await create_citizen(db, family="Nguyễn", middle="Văn", given="An")
    await create_citizen(db, family="Lê", middle="Thị", given="Thủy", sex="F", birth=(1975, 2, 1))
    r = await officer.get("/api/v1/citizens", params={"name": "nguyen van an"})
    assert [i["full_name"] for i in r.json()["items"]] == ["Nguyễn Văn An"]
    r = await officer.get("/api/v1/citizens", params={"name": "Lê Thị Thuỷ"})
    assert [i["full_name"] for i in r.json()["items"]] == ["Lê Thị Thủy"]
    r = await officer.get("/api/v1/citizens", params={"name": "LE THI"})
    assert [i["full_name"] for i in r.json()["items"]] == ["Lê Thị Thủy"]


async def test_name_search_does_not_match_inside_words(officer, db):
    await create_citizen(db, given="Anh")
    r = await officer.get("/api/v1/citizens", params={"name": "nguyen van an"})
    assert r.json()["items"] == []


async def test_birth_narrows_name_search_and_partial_dates_match(officer, db):
    await create_citizen(db, birth=(1990, 5, 17))
    await create_citizen(db, birth=(1991, 1, 2))
    await create_citizen(db, birth=(1990, None, None))
    r = await officer.get("/api/v1/citizens", params={"name": "Nguyễn Văn An", "birth": "1990"})
    assert sorted(i["birth"] for i in r.json()["items"]) == ["1990", "1990-05-17"]
    r = await officer.get(
        "/api/v1/citizens", params={"name": "Nguyễn Văn An", "birth": "1991-01-02"}
    )
    assert [i["birth"] for i in r.json()["items"]] == ["1991-01-02"]
    r = await officer.get("/api/v1/citizens", params={"name": "Nguyễn Văn An", "birth": "1990-06"})
    assert [i["birth"] for i in r.json()["items"]] == ["1990"]


async def test_bad_birth_in_search_is_a_problem(officer):
    for bad in ("1990-13", "1990-02-30", "3000", "19x0", "1850"):
        r = await officer.get("/api/v1/citizens", params={"name": "an an", "birth": bad})
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["field"] == "birth"


async def test_search_needs_a_query(officer):
    r = await officer.get("/api/v1/citizens")
    assert r.status_code == 422


async def test_sql_in_search_is_harmless(officer, db):
    await create_citizen(db)
    r = await officer.get("/api/v1/citizens", params={"name": "an' OR '1'='1"})
    assert r.status_code == 200
    assert r.json()["items"] == []


async def test_signed_out_and_wrong_role_are_refused(client, app):
    r = await client.get("/api/v1/citizens", params={"name": "an an"})
    assert r.status_code == 401
    await sign_in_as(client, app, roles=("auditor",), scope=Scope.everything())
    r = await client.get("/api/v1/citizens", params={"name": "an an"})
    assert r.status_code == 403


async def test_commune_officer_sees_only_residents(officer, db):
    here = await create_citizen(db, given="Hải")
    away = await create_citizen(db, given="Hải", commune_code=NEIGHBOUR)
    staying = await create_citizen(db, given="Hải", commune_code=FAR, temporary_commune_code=HOME)
    r = await officer.get("/api/v1/citizens", params={"name": "nguyen van hai"})
    assert {i["id"] for i in r.json()["items"]} == {str(here.id), str(staying.id)}
    r = await officer.get("/api/v1/citizens", params={"personal_id": away.personal_id})
    assert r.json()["items"] == []
    r = await officer.get(f"/api/v1/citizens/{away.id}")
    assert r.status_code == 404
    assert r.json()["detail"]


async def test_province_and_ministry_scopes(client, app, db):
    here = await create_citizen(db, given="Hải")
    neighbour = await create_citizen(db, given="Hải", commune_code=NEIGHBOUR)
    far = await create_citizen(db, given="Hải", commune_code=FAR)
    await sign_in_as(client, app, roles=("supervisor",), scope=Scope("province", "01"))
    r = await client.get("/api/v1/citizens", params={"name": "nguyen van hai"})
    assert {i["id"] for i in r.json()["items"]} == {str(here.id), str(neighbour.id)}
    assert (await client.get(f"/api/v1/citizens/{far.id}")).status_code == 404
    await sign_in_as(client, app, roles=("officer",), scope=Scope.everything())
    r = await client.get("/api/v1/citizens", params={"name": "nguyen van hai"})
    assert len(r.json()["items"]) == 3


async def test_record_shows_household_relatives_cards(officer, db):
    family = await create_family(db)
    r = await officer.get(f"/api/v1/citizens/{family['father'].id}")
    assert r.status_code == 200
    rec = r.json()
    assert rec["full_name"] == "Nguyễn Văn Bình"
    assert rec["permanent"]["commune_name"] == "Phường Ba Đình"
    assert rec["permanent"]["province_name"] == "Thành phố Hà Nội"
    assert rec["household"]["head"]["full_name"] == "Nguyễn Văn Bình"
    assert len(rec["household"]["members"]) == 3
    assert {(p["relation"], p["full_name"]) for p in rec["relatives"]} == {
        ("spouse", "Trần Thị Thủy"),
        ("child", "Nguyễn Thị Hoa"),
    }
    assert rec["cards"][0]["kind"] == "can_cuoc_2024"
    async with db.unit_of_work() as s:
        event = await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "population.citizen.viewed")
        )
    assert event.citizen_id == family["father"].id


async def test_record_of_malformed_id_is_not_found(officer):
    r = await officer.get("/api/v1/citizens/not-a-uuid")
    assert r.status_code == 404


async def test_each_person_listed_by_a_name_search_gets_an_audit_event(client, app, db):
    first = await create_citizen(db, family="Đặng", middle="Thu", given="Thuỷ")
    second = await create_citizen(db, family="Đặng", middle="Thu", given="Thủy")
    await sign_in_as(client, app, scope=Scope("all"))
    found = (await client.get("/api/v1/citizens", params={"name": "dang thu thuy"})).json()
    assert {i["id"] for i in found["items"]} == {str(first.id), str(second.id)}
    async with db.unit_of_work() as session:
        listed_action = AuditEvent.action == "population.citizen.listed"
        listed = (await session.scalars(select(AuditEvent.citizen_id).where(listed_action))).all()
    assert set(listed) == {first.id, second.id}


async def test_commune_picker_finds_communes_by_folded_name_or_code(client, app):
    await sign_in_as(client, app, scope=Scope("commune", "01", HOME))
    by_name = (await client.get("/api/v1/communes", params={"q": "phuong ba dinh"})).json()
    assert by_name[0] == {
        "code": "00004",
        "name": "Phường Ba Đình",
        "province_code": "01",
        "province_name": "Thành phố Hà Nội",
    }
    by_code = (await client.get("/api/v1/communes", params={"q": "0000"})).json()
    assert "00004" in {c["code"] for c in by_code}
    assert (await client.get("/api/v1/communes", params={"q": "zzzz"})).json() == []


async def test_relatives_shown_on_a_record_are_audited_for_them(client, app, db):
    family = await create_family(db)
    await sign_in_as(client, app, scope=Scope("all"))
    head = family["father"]
    record = (await client.get(f"/api/v1/citizens/{head.id}")).json()
    shown = {m["id"] for m in record["household"]["members"]} | {
        r["id"] for r in record["relatives"]
    }
    shown.discard(str(head.id))
    assert shown
    async with db.unit_of_work() as session:
        listed_action = AuditEvent.action == "population.citizen.listed"
        listed = (await session.scalars(select(AuditEvent.citizen_id).where(listed_action))).all()
    assert {str(i) for i in listed} == shown
