"""The campaign's dashboard: residents by age band with and without an account, levels,
applications by state and overdue, for a commune, its province (a line per commune) and
the Ministry (a line per province); an officer sees only their unit."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest

from tests.enrollment.campaign_support import add_application, build_town, campaign_officers
from tests.factories.population import FAR, HOME, NEIGHBOUR

DAY = dt.date(2026, 3, 1)  # the frozen clock's day


@pytest.fixture
async def officers(app):
    """Open officers' clients: `await officers("CAT-01")`."""
    async with contextlib.AsyncExitStack() as stack:
        yield campaign_officers(app, stack)


@pytest.fixture
async def town(db, frozen):
    """The population, and applications: overdue, on time, decided, at a card office."""
    town = await build_town(db)
    past, later = DAY - dt.timedelta(days=9), DAY + dt.timedelta(days=4)
    await add_application(db, town.binh, f"CAX-{HOME}", "open", past)  # overdue
    await add_application(db, town.chi, f"CAX-{HOME}", "submitted", later)
    await add_application(db, town.an, f"CAX-{HOME}", "approved", past)  # decided: not late
    await add_application(db, town.em, "PC06-01", "submitted", past)  # overdue, card office
    await add_application(db, town.nam, f"CAX-{FAR}", "open", later)
    return town


def _band(board, key):
    b = board["bands"][key]
    return b["residents"], b["with_account"]


async def test_a_commune_counts_its_living_residents_by_age_band(officers, town):
    officer = await officers()
    board = (await officer.get("/api/v1/campaign/dashboard")).json()

    assert board["area"] == {
        "level": "commune", "province_code": "01", "commune_code": HOME, "name": "Phường Ba Đình",
    }  # fmt: skip
    assert board["year"] == 2026
    # The deceased man and the woman whose permanent residence is next door are not
    # counted; the man with only a current residence here is.
    assert board["totals"] == {
        "residents": 7,
        "with_account": 2,
        "without_account": 5,
        "level1": 1,
        "level2": 1,
        "adults": 5,
        "adults_without_account": 4,
    }
    expected = {
        "0-5": (0, 0), "6-13": (1, 1), "14-17": (1, 0), "18-24": (1, 0), "25-39": (2, 1),
        "40-59": (2, 0), "60+": (0, 0),
    }  # fmt: skip
    assert {k: _band(board, k) for k in board["bands"]} == expected
    assert board["lines"] == [] and board["other_units"] is None
    assert board["applications"]["by_status"] == {
        "open": 1, "submitted": 1, "approved": 1, "rejected": 0, "cancelled": 0,
    }  # fmt: skip
    assert board["applications"]["overdue_by_status"] == {"open": 1, "submitted": 0}
    assert board["applications"]["overdue"] == 1


async def test_the_province_adds_up_its_communes_with_a_line_each(officers, town):
    province = await officers("CAT-01")
    board = (await province.get("/api/v1/campaign/dashboard")).json()

    assert board["area"]["level"] == "province" and board["area"]["name"] == "Thành phố Hà Nội"
    totals = board["totals"]
    assert (totals["residents"], totals["with_account"], totals["level1"]) == (9, 3, 2)
    assert (totals["level2"], totals["adults"], totals["adults_without_account"]) == (1, 7, 5)
    lines = {line["code"]: line for line in board["lines"]}
    assert len(lines) == 126  # every commune of Hà Nội, counted or not
    assert lines[HOME]["counts"]["residents"] == 7
    assert lines[NEIGHBOUR]["counts"] == {
        "residents": 2, "with_account": 1, "without_account": 1, "level1": 1, "level2": 0,
        "adults": 2, "adults_without_account": 1,
    }  # fmt: skip
    assert sum(line["counts"]["residents"] for line in lines.values()) == 9
    assert lines[HOME]["applications"]["overdue"] == 1
    # The card office's application is the province's, on no commune's line.
    assert board["other_units"]["by_status"]["submitted"] == 1
    assert board["other_units"]["overdue"] == 1
    assert board["applications"]["overdue"] == 2
    assert board["applications"]["by_status"]["submitted"] == 2

    commune = await province.get("/api/v1/campaign/dashboard", params={"commune": NEIGHBOUR})
    assert commune.json()["totals"]["residents"] == 2


async def test_the_ministry_sees_a_line_per_province(officers, town):
    ministry = await officers("BCA")
    board = (await ministry.get("/api/v1/campaign/dashboard")).json()

    assert board["area"]["level"] == "all"
    assert board["totals"]["residents"] == 10
    lines = {line["code"]: line for line in board["lines"]}
    assert len(lines) == 34
    assert lines["01"]["counts"]["residents"] == 9 and lines["79"]["counts"]["residents"] == 1
    assert lines["79"]["counts"]["adults_without_account"] == 1
    assert lines["01"]["applications"]["overdue"] == 2
    assert lines["79"]["applications"]["by_status"]["open"] == 1
    assert lines["79"]["applications"]["overdue"] == 0
    far = await ministry.get("/api/v1/campaign/dashboard", params={"province": "79"})
    assert far.json()["totals"]["residents"] == 1


async def test_age_bands_follow_the_birth_year(officers, town, frozen):
    # A year later everyone is a band older where a boundary is crossed: the 17-year-old
    # becomes an adult on 1 January, the 2008 boy is still 18–24.
    frozen.advance(days=366)
    officer = await officers()
    board = (await officer.get("/api/v1/campaign/dashboard")).json()
    assert board["year"] == 2027
    assert _band(board, "14-17") == (0, 0)
    assert _band(board, "18-24") == (2, 0)
    assert board["totals"]["adults_without_account"] == 5


@pytest.mark.parametrize(
    ("unit", "params"),
    [
        (f"CAX-{HOME}", {"commune": NEIGHBOUR}),
        (f"CAX-{HOME}", {"commune": FAR}),
        (f"CAX-{HOME}", {"province": "01"}),
        ("CAT-01", {"commune": FAR}),
        ("CAT-01", {"province": "79"}),
        ("PC06-79", {"province": "01"}),
        ("BCA", {"commune": "99999"}),
        ("BCA", {"province": "00"}),
    ],
)
async def test_an_officer_sees_only_their_unit(officers, town, unit, params):
    officer = await officers(unit)
    api = await officer.get("/api/v1/campaign/dashboard", params=params)
    assert api.status_code == 404
    assert api.json()["type"].endswith("/area-not-found")
    page = await officer.get("/officer/campaign", params=params)
    assert page.status_code == 404
    assert "No such area in your unit." in page.text
    listed = await officer.get("/api/v1/campaign/residents", params=params)
    assert listed.status_code == 404


async def test_only_officers_open_the_dashboard(officers, town, client):
    for role in ("admin", "auditor"):
        other = await officers("BCA", role=role)
        assert (await other.get("/api/v1/campaign/dashboard")).status_code == 403
        assert (await other.get("/officer/campaign")).status_code == 403
    assert (await client.get("/api/v1/campaign/dashboard")).status_code == 401
    supervisor = await officers(role="supervisor")
    assert (await supervisor.get("/api/v1/campaign/dashboard")).status_code == 200


def _table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


async def test_the_page_draws_each_chart_with_its_numbers_in_a_table(officers, town):
    officer = await officers(lang="vi")
    page = await officer.get("/officer/campaign")
    assert page.status_code == 200
    html = page.text
    assert "Vận động toàn dân có tài khoản định danh" in html
    assert "Số dân theo nhóm tuổi, có và chưa có tài khoản" in html
    # Three inline SVG charts, each named for screen readers, no script, no inline style.
    assert html.count('role="img" aria-labelledby=') == 3
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert " style=" not in html
    bands = _table(html, "table-bands")
    row = re.search(r'data-band="25-39"><th scope="row">25–39</th>(.*?)</tr>', bands).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["2", "1", "1", "50,0%"]
    # The bar of 25–39 is split in two segments of equal width (one with, one without).
    chart = html.split('id="chart-bands"', 1)[1].split("</svg>", 1)[0]
    widths = re.findall(r'<rect x="[\d.]+" y="(\d+)" width="([\d.]+)"', chart)
    by_row: dict[str, list[str]] = {}
    for y, width in widths:
        by_row.setdefault(y, []).append(width)
    assert sorted(len(w) for w in by_row.values()) == [1, 1, 1, 1, 2]
    assert any(w[0] == w[1] for w in by_row.values() if len(w) == 2)
    levels = _table(html, "table-levels")
    assert "Mức độ 2" in levels and "14,3%" in levels  # 1 of 7
    apps = _table(html, "table-applications")
    assert re.search(r'data-status="open">.*?<td>1</td><td>1</td>', apps)


async def test_the_province_page_lists_its_communes_in_english(officers, town):
    province = await officers("CAT-01")
    page = await province.get("/officer/campaign", params={"sort": "coverage"})
    assert page.status_code == 200
    assert "Reaching every resident" in page.text and "By commune" in page.text
    lines = _table(page.text, "table-lines")
    assert f'href="/officer/campaign?commune={HOME}"' in lines
    # Lowest share first: the communes with nobody (0 of 0), then 2 of 7, then 1 of 2.
    order = re.findall(r'<tr data-code="(\d+)"', lines)
    assert order[-2:] == [HOME, NEIGHBOUR]
    assert "Card office and provincial police" in lines
