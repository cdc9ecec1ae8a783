"""The audit log seen through the reader's unit: a province reads its units' staff and its
residents, a commune likewise, the Ministry everything; typed usernames stay with the
units they name."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal
from dinhdanh.population.reference import commune_info
from tests.factories.population import FAR, HOME, NEIGHBOUR, create_citizen
from tests.factories.staff import PASSWORD, make_staff, move_staff, sign_in, submit_password
from tests.staff.conftest import browser

FAR_PROVINCE = commune_info(FAR).province_code  # TP Hồ Chí Minh

# What each seeded event is, and who besides the Ministry may read it.
EVERY = {
    "test.ministry_staff",
    "test.hanoi_police",
    "test.home_commune_police",
    "test.neighbour_commune_police",
    "test.far_commune_police",
    "test.system_job",
    "test.ministry_views_home_citizen",
    "test.ministry_views_far_citizen",
    "test.far_police_view_home_lodger",
    "test.anonymous",
}
HANOI = {
    "test.hanoi_police",
    "test.home_commune_police",
    "test.neighbour_commune_police",
    "test.ministry_views_home_citizen",
    "test.far_police_view_home_lodger",
}
HOME_COMMUNE = {
    "test.home_commune_police",
    "test.ministry_views_home_citizen",
    "test.far_police_view_home_lodger",
}
FAR_PROVINCE_SEES = {
    "test.far_commune_police",
    "test.ministry_views_far_citizen",
    "test.far_police_view_home_lodger",
}


def _staff_of(unit_code: str) -> Principal:
    return Principal(kind="staff", id=str(uuid.uuid4()), unit_code=unit_code)


@pytest.fixture
async def world(db) -> dict[str, uuid.UUID]:
    """One event of each kind; the citizens they are about."""
    home = await create_citizen(db, commune_code=HOME)
    far = await create_citizen(db, commune_code=FAR)
    # Lives in Hồ Chí Minh City, staying temporarily in Ba Đình.
    lodger = await create_citizen(
        db, commune_code=FAR, temporary_commune_code=HOME, temporary_address="5 Phố Kim Mã"
    )
    events = [
        ("test.ministry_staff", _staff_of("BCA"), None),
        ("test.hanoi_police", _staff_of("CAT-01"), None),
        ("test.home_commune_police", _staff_of(f"CAX-{HOME}"), None),
        ("test.neighbour_commune_police", _staff_of(f"CAX-{NEIGHBOUR}"), None),
        ("test.far_commune_police", _staff_of(f"CAX-{FAR}"), None),
        ("test.system_job", Principal.system("cli"), None),
        ("test.ministry_views_home_citizen", _staff_of("BCA"), home.id),
        ("test.ministry_views_far_citizen", _staff_of("BCA"), far.id),
        ("test.far_police_view_home_lodger", _staff_of(f"CAX-{FAR}"), lodger.id),
        ("test.anonymous", Principal.anonymous("203.0.113.7"), None),
    ]
    async with db.unit_of_work() as session:
        for action, actor, citizen in events:
            await audit.record(
                session,
                actor=actor,
                action=action,
                subject_type="citizen" if citizen else "test",
                subject_id=citizen,
                citizen_id=citizen,
            )
    return {"home": home.id, "far": far.id, "lodger": lodger.id}


async def _reader(app, db, ip: str, *, role: str, unit_code: str):
    login = await make_staff(db, app, role=role, unit_code=unit_code)
    ctx = browser(app, ip)
    client = await ctx.__aenter__()
    response = await sign_in(client, login)
    assert response.status_code == 303, response.text
    return client, ctx


async def _api_actions(client, **params) -> list[str]:
    response = await client.get("/api/v1/audit", params={"action": "test.", **params})
    assert response.status_code == 200, response.text
    return [e["action"] for e in response.json()["items"]]


async def _page_actions(client, **params) -> list[str]:
    response = await client.get("/admin/audit", params={"action": "test.", **params})
    assert response.status_code == 200, response.text
    body = response.text.split("<tbody>")[1]
    return [chunk.split("</code>")[0] for chunk in body.split("<code>")[1:]]


@pytest.mark.parametrize(
    ("role", "unit_code", "expected"),
    [
        ("admin", "BCA", EVERY),
        ("auditor", "BCA", EVERY),
        ("admin", "CAT-01", HANOI),
        ("auditor", "PC06-01", HANOI),
        ("auditor", f"CAX-{HOME}", HOME_COMMUNE),
        ("admin", f"CAX-{HOME}", HOME_COMMUNE),
        ("admin", f"CAT-{FAR_PROVINCE}", FAR_PROVINCE_SEES),
    ],
)
async def test_each_reader_sees_their_unit_and_the_api_and_page_agree(
    app, db, world, role, unit_code, expected
):
    client, ctx = await _reader(app, db, "192.0.2.10", role=role, unit_code=unit_code)
    try:
        from_api = await _api_actions(client)
        from_page = await _page_actions(client)
    finally:
        await ctx.__aexit__(None, None, None)
    assert set(from_api) == expected
    assert len(from_api) == len(expected)
    assert from_page == from_api


async def test_keyset_pages_stay_inside_the_scope(app, db, world):
    client, ctx = await _reader(app, db, "192.0.2.11", role="admin", unit_code="CAT-01")
    try:
        seen: list[str] = []
        before = None
        for _ in range(len(EVERY) + 1):
            params = {"action": "test.", "limit": 2} | ({"before": before} if before else {})
            body = (await client.get("/api/v1/audit", params=params)).json()
            seen += [e["action"] for e in body["items"]]
            before = body["next_before"]
            if before is None:
                break
        first = await client.get("/admin/audit", params={"action": "test."})
    finally:
        await ctx.__aexit__(None, None, None)
    assert before is None
    assert sorted(seen) == sorted(HANOI) and len(seen) == len(HANOI)
    assert "before=" not in first.text  # five events fit on one page


async def test_filters_still_apply_inside_the_scope(app, db, world):
    client, ctx = await _reader(app, db, "192.0.2.12", role="auditor", unit_code=f"CAX-{HOME}")
    try:
        lodger = await _api_actions(client, citizen_id=str(world["lodger"]))
        far = await _api_actions(client, citizen_id=str(world["far"]))
        exact = await _api_actions(client, action="test.ministry_views_home_citizen")
        outside = await _api_actions(client, action="test.ministry_staff")
    finally:
        await ctx.__aexit__(None, None, None)
    assert lodger == ["test.far_police_view_home_lodger"]
    assert far == []
    assert exact == ["test.ministry_views_home_citizen"]
    assert outside == []


async def _fail_sign_in(app, ip: str, username: str) -> None:
    async with browser(app, ip) as attacker:
        response = await submit_password(attacker, username, PASSWORD + "!")
        assert response.status_code == 401


async def _failures(client) -> list[dict]:
    response = await client.get("/api/v1/audit", params={"action": "staff.sign_in_failed"})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_typed_usernames_are_shown_only_where_they_belong(app, db):
    moved = await make_staff(db, app, username="dachuyen", unit_code=f"CAX-{HOME}")
    await make_staff(db, app, username="langgieng", unit_code=f"CAX-{NEIGHBOUR}")
    await _fail_sign_in(app, "198.51.100.20", "kedoan-dangthu")  # no such staff member
    await _fail_sign_in(app, "198.51.100.21", "langgieng")
    await _fail_sign_in(app, "198.51.100.22", "dachuyen")
    # Transferred to Hồ Chí Minh City after the failed attempt at Ba Đình.
    await move_staff(db, moved, f"CAX-{FAR}")

    ministry, m_ctx = await _reader(app, db, "192.0.2.20", role="auditor", unit_code="BCA")
    hanoi, h_ctx = await _reader(app, db, "192.0.2.21", role="admin", unit_code="CAT-01")
    home, c_ctx = await _reader(app, db, "192.0.2.22", role="auditor", unit_code=f"CAX-{HOME}")
    try:
        by_ministry = await _failures(ministry)
        by_hanoi = await _failures(hanoi)
        by_home = await _failures(home)
        home_page = await home.get("/admin/audit", params={"action": "staff.sign_in_failed"})
    finally:
        for ctx in (m_ctx, h_ctx, c_ctx):
            await ctx.__aexit__(None, None, None)

    assert sorted(e["data"]["username"] for e in by_ministry) == [
        "dachuyen",
        "kedoan-dangthu",
        "langgieng",
    ]
    assert all(e["hidden"] == [] for e in by_ministry)

    # Hà Nội reads both attempts made at its units, but no longer the name of the one
    # who moved away; the unknown name is the Ministry's alone.
    assert len(by_hanoi) == 2
    shown = {e["actor_unit"]: e for e in by_hanoi}
    assert shown[f"CAX-{NEIGHBOUR}"]["data"]["username"] == "langgieng"
    withheld = shown[f"CAX-{HOME}"]
    assert "username" not in withheld["data"] and withheld["hidden"] == ["username"]
    assert withheld["data"]["reason"] == "bad_password"
    assert "kedoan-dangthu" not in str(by_hanoi)

    # Ba Đình reads only its own unit's attempt, without the name.
    assert [e["actor_unit"] for e in by_home] == [f"CAX-{HOME}"]
    assert by_home[0]["hidden"] == ["username"] and by_home[0]["hash"] is None
    assert "dachuyen" not in home_page.text and "langgieng" not in home_page.text
    assert "ẩn ngoài phạm vi đơn vị" in home_page.text


async def test_the_log_stays_unchanged_by_what_a_reader_was_not_shown(app, db):
    moved = await make_staff(db, app, username="dachuyen", unit_code=f"CAX-{HOME}")
    await _fail_sign_in(app, "198.51.100.23", "dachuyen")
    await move_staff(db, moved, f"CAX-{FAR}")
    home, ctx = await _reader(app, db, "192.0.2.23", role="auditor", unit_code=f"CAX-{HOME}")
    try:
        assert (await _failures(home))[0]["hidden"] == ["username"]
    finally:
        await ctx.__aexit__(None, None, None)
    async with db.unit_of_work() as session:
        await audit.seal(session)
        report = await audit.verify_chain(session)
        assert report.ok, report
        names = [e["data"].get("username") for e in await _events(session)]
    assert "dachuyen" in names


async def _events(session) -> list[dict]:
    rows = await session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == "staff.sign_in_failed")
    )
    return [{"data": r.data} for r in rows]
