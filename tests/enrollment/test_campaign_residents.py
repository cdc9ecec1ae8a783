"""The campaign's list of adults without an account: who is on it, filters and pages, the
CSV export for Excel, and the audit of every person shown or exported."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest

from dinhdanh.population.models import Citizen
from tests.enrollment.campaign_support import build_town, campaign_officers, events
from tests.factories.population import FAR, HOME, make_citizen

HOME_LIST = ["Đỗ Văn Hải", "Lê Văn Bình", "Phạm Văn Em", "Trần Thị Chi"]


@pytest.fixture
async def officers(app):
    """Open officers' clients: `await officers("CAT-01")`."""
    async with contextlib.AsyncExitStack() as stack:
        yield campaign_officers(app, stack)


@pytest.fixture
async def town(db, frozen):
    """The population (the clock in 2026)."""
    return await build_town(db)


def _names(body) -> list[str]:
    return [r["full_name"] for r in body["items"]]


async def test_the_list_holds_the_adults_without_an_account_by_name(officers, town):
    officer = await officers()
    body = (await officer.get("/api/v1/campaign/residents")).json()

    # Not the holders of an account, the 17-year-old, the dead, nor the woman whose
    # permanent residence is next door; the 2008 boy is 18 this year.
    assert _names(body) == HOME_LIST
    assert (body["total"], body["page"], body["pages"]) == (4, 1, 1)
    hai = body["items"][0]
    assert hai["birth"] == "1970" and hai["age_band"] == "40-59"
    assert hai["commune_code"] == HOME and hai["address"] == "12 Phố Đội Cấn"
    assert hai["last_follow_up"] is None

    province = await officers("CAT-01")
    page = await province.get("/officer/campaign/residents", params={"commune": HOME})
    assert f'<option value="{HOME}" selected>Phường Ba Đình</option>' in page.text
    wider = (await province.get("/api/v1/campaign/residents")).json()
    assert _names(wider) == ["Đỗ Văn Hải", "Hoàng Thị Lan", *HOME_LIST[1:]]
    far = (await (await officers("BCA")).get("/api/v1/campaign/residents?province=79")).json()
    assert _names(far) == ["Dương Văn Nam"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"band": "25-39"}, ["Trần Thị Chi"]),
        ({"band": "18-24"}, ["Phạm Văn Em"]),
        ({"band": "60+"}, []),
        ({"sex": "F"}, ["Trần Thị Chi"]),
        ({"followed": "never"}, HOME_LIST),
        ({"followed": "yes"}, []),
    ],
)
async def test_filters_narrow_the_list(officers, town, params, names):
    officer = await officers()
    body = (await officer.get("/api/v1/campaign/residents", params=params)).json()
    assert _names(body) == names and body["total"] == len(names)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"band": "0-5"}, "band"), ({"sex": "X"}, "sex"), ({"followed": "maybe"}, "followed")],
)
async def test_a_bad_filter_is_refused(officers, town, db, params, field):
    officer = await officers()
    refused = await officer.get("/api/v1/campaign/residents", params=params)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert (await officer.get("/officer/campaign/residents", params=params)).status_code == 422
    assert await events(db, "enrollment.campaign.listed") == []


async def test_the_country_list_is_refused_and_the_page_asks_for_a_province(officers, town):
    ministry = await officers("BCA")
    refused = await ministry.get("/api/v1/campaign/residents")
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/area-too-large")
    assert (await ministry.get("/api/v1/campaign/residents.csv")).status_code == 422
    page = await ministry.get("/officer/campaign/residents")
    assert page.status_code == 200 and 'id="choose-province"' in page.text
    assert '<option value="79">' in page.text


async def test_pages_of_fifty(officers, town, db):
    async with db.unit_of_work() as s:
        for n in range(55):
            await make_citizen(s, family="Nguyễn", given=f"Tư {n:02d}", birth=(1980, 1, 1))
    officer = await officers()
    first = (await officer.get("/api/v1/campaign/residents")).json()
    second = (await officer.get("/api/v1/campaign/residents", params={"page": 2})).json()
    assert (first["total"], first["pages"], len(first["items"])) == (59, 2, 50)
    assert (second["page"], len(second["items"])) == (2, 9)
    seen = {r["citizen_id"] for r in first["items"]} | {r["citizen_id"] for r in second["items"]}
    assert len(seen) == 59
    beyond = (await officer.get("/api/v1/campaign/residents", params={"page": 9})).json()
    assert beyond["page"] == 2
    page = await officer.get("/officer/campaign/residents")
    assert 'rel="next"' in page.text and "Page 1 of 2" in page.text


async def test_each_person_listed_is_audited(officers, town, db):
    officer = await officers()
    await officer.get("/officer/campaign/residents")
    listed = await events(db, "enrollment.campaign.listed")
    assert {e.citizen_id for e in listed} == {town.binh, town.chi, town.em, town.hai}
    assert all(e.actor_unit == f"CAX-{HOME}" and e.data["results"] == 4 for e in listed)


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def test_the_csv_opens_in_excel_and_is_audited_once_per_person(officers, town, db):
    officer = await officers()
    export = await officer.get("/officer/campaign/residents.csv")

    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert export.headers["content-disposition"] == (
        f'attachment; filename="no-account-{HOME}-2026-03-01.csv"'
    )
    assert export.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = _read_csv(export.content)
    assert rows[0] == [
        "Personal ID", "Full name", "Date of birth", "Sex", "Age band", "Commune", "Address",
        "Last follow-up", "Channel", "Outcome", "Follow-ups",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == HOME_LIST
    async with db.unit_of_work() as s:
        chi = await s.get(Citizen, town.chi)
    assert rows[4] == [
        f'="{chi.personal_id}"', "Trần Thị Chi", "09/08/2000", "Female", "25–39",
        "Phường Ba Đình", "12 Phố Đội Cấn", "", "", "", "0",
    ]  # fmt: skip
    assert export.content.count(b"\r\n") == 5

    exported = await events(db, "enrollment.campaign.exported")
    assert sorted(map(str, (e.citizen_id for e in exported))) == sorted(
        map(str, (town.binh, town.chi, town.em, town.hai))
    )
    assert {e.data["count"] for e in exported} == {4}
    assert len({e.data["export"] for e in exported}) == 1  # one export, one id

    again = await officer.get("/api/v1/campaign/residents.csv", params={"band": "25-39"})
    assert [r[1] for r in _read_csv(again.content)[1:]] == ["Trần Thị Chi"]
    assert len({e.data["export"] for e in await events(db, "enrollment.campaign.exported")}) == 2


async def test_the_csv_headings_follow_the_language_and_no_cell_is_a_formula(officers, town, db):
    async with db.unit_of_work() as s:
        binh = await s.get(Citizen, town.binh)
        binh.permanent_address = '=HYPERLINK("http://evil.example","x")'
    officer = await officers(lang="vi")
    rows = _read_csv((await officer.get("/officer/campaign/residents.csv")).content)
    assert rows[0][:4] == ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính"]
    assert rows[2][1] == "Lê Văn Bình" and rows[2][3] == "Nam"
    assert rows[2][6] == '\'=HYPERLINK("http://evil.example","x")'


async def test_another_unit_cannot_export_the_list(officers, town, db):
    officer = await officers()
    for params in ({"commune": FAR}, {"province": "79"}):
        refused = await officer.get("/officer/campaign/residents.csv", params=params)
        assert refused.status_code == 404
    assert await events(db, "enrollment.campaign.exported") == []


async def test_the_list_page_reads_in_vietnamese(officers, town):
    officer = await officers(lang="vi")
    page = await officer.get("/officer/campaign/residents")
    assert page.status_code == 200
    assert '<select id="commune"' not in page.text  # a commune police has one commune
    assert "Người trưởng thành chưa có tài khoản" in page.text
    assert "Xuất CSV (Excel)" in page.text and "Chưa lần nào" in page.text
    for name in HOME_LIST:
        assert name in page.text
