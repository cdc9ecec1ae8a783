"""Households: a head cannot abandon living members, joining stays inside the unit, and a
household can be given a new head (API and record page)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.population.models import Citizen, CitizenChange
from tests.factories.population import (
    FAR,
    HOME,
    NEIGHBOUR,
    create_citizen,
    create_family,
    create_household,
)

EN = {"accept-language": "en"}
HTML = {"accept": "text/html"}
NOT_IN_UNIT = "No household with this number in your unit."


def _body(household_number: str = "", relation: str = "", commune: str = HOME) -> dict:
    return {
        "kind": "permanent",
        "commune_code": commune,
        "address": "7 Phố Kim Mã",
        "date": "2025-01-10",
        "household_number": household_number,
        "relation_to_head": relation,
    }


async def _move(officer, citizen, body):
    return await officer.post(f"/api/v1/citizens/{citizen.id}/residence", json=body, headers=EN)


async def _citizen(db, citizen) -> Citizen:
    async with db.unit_of_work() as s:
        return await s.get(Citizen, citizen.id)


async def _count(db, model, *where) -> int:
    async with db.unit_of_work() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


def _messages(response, field: str) -> list[str]:
    return [e["message"] for e in response.json()["errors"] if e["field"] == field]


# ---------------------------------------------------------------- the head leaving


async def test_head_cannot_join_another_household_leaving_members_headless(officer, db):
    family = await create_family(db)
    other = await create_family(db)
    father = family["father"]
    for body in (
        _body(other["household"].number, "child"),  # joins another household
        _body(),  # joins none
        _body(family["household"].number, "child"),  # stays, but gives up the headship
    ):
        r = await _move(officer, father, body)
        assert r.status_code == 422, (body, r.text)
        assert "name a new head first" in _messages(r, "household_number")[0]
    still = await _citizen(db, father)
    assert (still.household_id, still.relation_to_head) == (family["household"].id, "head")
    assert await _count(db, CitizenChange) == 0


async def test_head_may_move_within_own_household_or_leave_when_no_one_living_remains(officer, db):
    family = await create_family(db)
    father = family["father"]
    r = await _move(officer, father, _body(family["household"].number, "head"))
    assert r.status_code == 200, r.text
    alone = await create_household(db)
    widow = await create_citizen(db, sex="F", given="Lan", household=alone, relation="head")
    await create_citizen(
        db,
        given="Hùng",
        household=alone,
        relation="spouse",
        status="deceased",
        death_date=dt.date(2020, 1, 1),
    )
    r = await _move(officer, widow, _body(family["household"].number, "sibling"))
    assert r.status_code == 200, r.text
    assert (await _citizen(db, widow)).household_id == family["household"].id


# ---------------------------------------------------------------- joining inside the unit


async def test_joining_a_household_outside_the_unit_is_refused_with_one_message(officer, db):
    an = await create_citizen(db)
    neighbour = await create_family(db, commune_code=NEIGHBOUR)
    far = await create_family(db, commune_code=FAR)
    headless = await create_household(db, commune_code=NEIGHBOUR)
    cases = [
        _body(neighbour["household"].number, "sibling", NEIGHBOUR),
        _body(neighbour["household"].number, "head", NEIGHBOUR),  # would reveal a head
        _body(far["household"].number, "sibling", FAR),
        _body(headless.number, "head", NEIGHBOUR),
        _body("HKNOSUCH1", "sibling", NEIGHBOUR),
    ]
    answers = []
    for body in cases:
        r = await _move(officer, an, body)
        assert r.status_code == 422, (body, r.text)
        answers.append(r.json()["errors"])
    assert all(a == [{"field": "household_number", "message": NOT_IN_UNIT}] for a in answers), (
        answers
    )
    assert (await _citizen(db, an)).household_id is None
    assert await _count(db, CitizenChange) == 0


async def test_moving_away_without_a_household_is_still_allowed(officer, db):
    an = await create_citizen(db)
    r = await _move(officer, an, _body(commune=FAR))
    assert r.status_code == 200, r.text
    r = await _move(officer, await create_citizen(db), _body(commune="99999"))
    assert r.status_code == 422
    assert _messages(r, "commune_code")


async def test_household_message_is_translated(officer, db):
    an = await create_citizen(db)
    r = await officer.post(
        f"/api/v1/citizens/{an.id}/residence", json=_body("HKNOSUCH1", "sibling")
    )
    assert _messages(r, "household_number") == [
        "Không có hộ gia đình nào mang số này trong đơn vị của bạn."
    ]


# ---------------------------------------------------------------- change of head


async def _head(officer, household, citizen, **extra):
    return await officer.post(
        f"/api/v1/households/{household.id}/head",
        json={"citizen_id": str(citizen.id), **extra},
        headers=EN,
    )


async def test_new_head_after_the_head_died(officer, db):
    family = await create_family(db)
    father, mother = family["father"], family["mother"]
    r = await officer.post(f"/api/v1/citizens/{father.id}/death", json={"date": "2025-02-03"})
    assert r.status_code == 200
    r = await _head(officer, family["household"], mother)
    assert r.status_code == 200, r.text
    rec = (await officer.get(f"/api/v1/citizens/{mother.id}")).json()
    assert rec["relation_to_head"] == "head"
    assert rec["household"]["head"]["id"] == str(mother.id)
    assert rec["history"][0]["kind"] == "head_changed"
    assert rec["history"][0]["details"]["former_head_id"] == str(father.id)
    assert (await _citizen(db, father)).relation_to_head == "other"
    async with db.unit_of_work() as s:
        actions = list(await s.scalars(select(AuditEvent.action)))
    assert actions.count("population.household.head_changed") == 1


async def test_new_head_lets_the_former_head_leave(officer, db):
    family = await create_family(db)
    father, mother = family["father"], family["mother"]
    r = await _head(officer, family["household"], mother, former_head_relation="spouse")
    assert r.status_code == 200, r.text
    assert (await _citizen(db, father)).relation_to_head == "spouse"
    r = await _move(officer, father, _body(commune=FAR))
    assert r.status_code == 200, r.text
    assert await _count(db, CitizenChange, CitizenChange.kind == "head_changed") == 2


async def test_bad_head_changes_write_nothing(officer, db):
    family = await create_family(db)
    household, father, child = family["household"], family["father"], family["child"]
    stranger = await create_citizen(db)
    dead = await create_citizen(
        db,
        given="Tư",
        household=household,
        relation="parent",
        status="deceased",
        death_date=dt.date(2021, 1, 1),
    )
    cases = [
        (stranger, {}, "citizen_id"),
        (dead, {}, "citizen_id"),
        (father, {}, "citizen_id"),  # already the head
        (child, {"former_head_relation": "head"}, "former_head_relation"),
        (child, {"former_head_relation": "boss"}, "former_head_relation"),
    ]
    for who, extra, field in cases:
        r = await _head(officer, household, who, **extra)
        assert r.status_code == 422, (who.given_name, extra)
        assert _messages(r, field), r.json()
    r = await officer.post(
        f"/api/v1/households/{household.id}/head", json={"citizen_id": "not-a-uuid"}
    )
    assert r.status_code == 422
    far = await create_family(db, commune_code=FAR)
    r = await _head(officer, far["household"], far["mother"])
    assert r.status_code == 404
    assert (await _citizen(db, father)).relation_to_head == "head"
    assert (await _citizen(db, far["father"])).relation_to_head == "head"
    assert await _count(db, CitizenChange) == 0


async def _post_form(client, url: str, data: dict[str, str]):
    csrf = client.cookies.get("dd_csrf")
    token = client.headers.pop("X-CSRF-Token", None)
    try:
        return await client.post(url, data={**data, "csrf_token": csrf}, headers=HTML)
    finally:
        if token is not None:
            client.headers["X-CSRF-Token"] = token


async def test_head_form_on_the_record_page(officer, db):
    family = await create_family(db)
    household, father, mother = family["household"], family["father"], family["mother"]
    r = await officer.get(f"/registry/citizens/{father.id}", headers=HTML)
    assert 'id="form-head"' in r.text
    assert "Xác định chủ hộ mới" in r.text
    url = f"/registry/households/{household.id}/head"
    r = await _post_form(
        officer,
        url,
        {"citizen_id": str(father.id), "former_head_relation": "", "from_citizen": str(father.id)},
    )
    assert r.status_code == 422
    assert "Công dân này đã là chủ hộ." in r.text
    r = await _post_form(
        officer,
        url,
        {
            "citizen_id": str(mother.id),
            "former_head_relation": "spouse",
            "from_citizen": str(father.id),
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/registry/citizens/{mother.id}?done=head"
    r = await officer.get(r.headers["location"], headers=HTML)
    assert "Đã ghi nhận chủ hộ mới." in r.text
    assert "Thay đổi chủ hộ" in r.text
    assert (await _citizen(db, father)).relation_to_head == "spouse"
