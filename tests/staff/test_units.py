"""Police units: built from the administrative units, scoped, listed and deactivated."""

from __future__ import annotations

from sqlalchemy import func, select

from dinhdanh.platform.auth import Scope
from dinhdanh.staff.models import Unit
from dinhdanh.staff.units import scope_for, unit_rows
from tests.factories.staff import make_staff, submit_password


def test_unit_rows_cover_the_whole_hierarchy():
    rows = unit_rows()
    by_level: dict[str, int] = {}
    for row in rows:
        by_level[row["level"]] = by_level.get(row["level"], 0) + 1
    assert by_level == {"ministry": 1, "province": 34, "card_office": 34, "commune": 3321}
    codes = {r["code"]: r for r in rows}
    assert codes["BCA"]["name"] == "Bộ Công an"
    assert codes["CAT-01"]["name"] == "Công an thành phố Hà Nội"
    assert codes["CAX-00004"]["name"] == "Công an phường Ba Đình"
    assert codes["CAX-00004"]["parent_code"] == "CAT-01"
    assert codes["PC06-01"]["name"] == "Phòng Cảnh sát QLHC về TTXH – Công an thành phố Hà Nội"
    assert codes["CAT-04"]["name"] == "Công an tỉnh Cao Bằng"
    # Every parent exists and comes before its children.
    seen: set[str] = set()
    for row in rows:
        assert row["parent_code"] is None or row["parent_code"] in seen
        seen.add(row["code"])


def test_scope_follows_the_unit_level():
    assert scope_for(Unit(code="BCA", level="ministry")) == Scope.everything()
    assert scope_for(Unit(code="CAT-01", level="province", province_code="01")) == Scope(
        "province", "01"
    )
    assert scope_for(Unit(code="PC06-01", level="card_office", province_code="01")) == Scope(
        "province", "01"
    )
    commune = Unit(code="CAX-00004", level="commune", province_code="01", commune_code="00004")
    assert scope_for(commune) == Scope("commune", "01", "00004")


async def test_migration_loaded_the_units(db):
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(Unit)) == 3390


async def test_units_page_filters_and_searches(admin):
    page = await admin.get("/admin/units", params={"level": "province"})
    assert "34" in page.text and "Công an thành phố Hà Nội" in page.text
    assert "CAX-00004" not in page.text
    found = await admin.get("/admin/units", params={"q": "ba dinh"})
    assert "Công an phường Ba Đình" in found.text
    one_province = await admin.get(
        "/admin/units", params={"province": "04", "level": "card_office"}
    )
    assert "Công an tỉnh Cao Bằng" in one_province.text and "PC06-01" not in one_province.text


async def test_deactivated_unit_blocks_its_staff(admin, other_client, db, app):
    login = await make_staff(db, app, username="ngocha", unit_code="CAX-00008")
    off = await admin.post(
        "/admin/units/CAX-00008/deactivate", data={"back": "/admin/units?q=ngoc"}
    )
    assert off.status_code == 303
    assert off.headers["location"] == "/admin/units?q=ngoc&done=unit-deactivated"
    refused = await submit_password(other_client, login.username, login.password)
    assert refused.status_code == 403
    creating = await admin.post(
        "/admin/staff",
        data={
            "username": "moi",
            "full_name": "Người Mới",
            "email": "moi@example.test",
            "role": "officer",
            "unit_code": "CAX-00008",
        },
    )
    assert creating.status_code == 422
    await admin.post("/admin/units/CAX-00008/activate")
    assert (await submit_password(other_client, login.username, login.password)).status_code == 303
