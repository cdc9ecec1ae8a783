"""The campaign in Chromium: the commune officer's dashboard draws its three charts under
the console's strict CSP (no console error), in Vietnamese and English; from the list a
follow-up is recorded and shows on the list."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Browser, Page, expect

from dinhdanh.staff.service import DEMO_STAFF
from tests.e2e.helpers import staff_signs_in

pytestmark = pytest.mark.e2e
OFFICER = next(login for login in DEMO_STAFF if login.username == "officer")


@pytest.fixture(scope="module")
async def signed_in(browser: Browser, server) -> dict:
    """The commune officer of Phường Ba Đình, signed in once for the module."""
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await staff_signs_in(page, OFFICER.username, OFFICER.password, OFFICER.totp_secret)
    state = await context.storage_state()
    await context.close()
    return state


@pytest.fixture
async def officer(browser: Browser, server, signed_in) -> Page:
    """A page signed in as the commune officer of Phường Ba Đình, console errors kept."""
    context = await browser.new_context(
        base_url=server.url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        storage_state=signed_in,
    )
    page = await context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    await page.goto("/registry")
    yield page
    await context.close()


async def test_the_dashboard_draws_its_charts_in_both_languages(officer: Page, tmp_path):
    await officer.click("nav.mainnav >> text=Vận động người dân")
    await expect(officer.locator("h1")).to_contain_text("Vận động toàn dân có tài khoản định danh")
    charts = officer.locator("figure.chart svg[role=img]")
    await expect(charts).to_have_count(3)
    for n in range(3):
        box = await charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 60
    residents = await officer.locator("#fig-residents").inner_text()
    assert int(residents.replace(".", "")) > 0
    assert await officer.locator("#chart-bands rect").count() > 0
    await officer.screenshot(path=str(tmp_path / "campaign-vi.png"), full_page=True)

    await officer.click("#lang-en")
    await expect(officer.locator("h1")).to_contain_text("Reaching every resident")
    await expect(officer.locator("#table-bands tfoot th")).to_have_text("Total")
    await officer.screenshot(path=str(tmp_path / "campaign-en.png"), full_page=True)
    # A CSP refusal (an inline style, a script) would be logged as a console error.
    assert [e for e in officer.errors if "favicon" not in e and "404" not in e] == []  # type: ignore[attr-defined]


async def test_a_follow_up_recorded_from_the_list_shows_on_it(officer: Page):
    await officer.goto("/officer/campaign/residents?followed=never")
    total = int((await officer.locator("#list-total").inner_text()).replace(".", ""))
    assert total > 0
    first = officer.locator("#residents tbody tr").first
    citizen = await first.get_attribute("data-citizen")
    await first.locator("td:last-child a").click()
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()  # the server's day
    await expect(officer.locator("#happened_on")).to_have_value(today.isoformat())
    await officer.select_option("#channel", "phone")
    await officer.select_option("#outcome", "will_register")
    await officer.fill("#note", "Hẹn thứ Hai mang thẻ đến.")
    await officer.click("#follow-up-form button[type=submit]")
    await expect(officer.locator("[role=status]")).to_contain_text("Đã ghi nhận lần vận động.")
    await expect(officer.locator("#history tbody tr")).to_have_count(1)
    await officer.click("#back-to-list")
    await expect(officer.locator("#list-total")).to_have_text(f"{total - 1:,}".replace(",", "."))
    await officer.goto("/officer/campaign/residents?followed=yes")
    row = officer.locator(f'tr[data-citizen="{citizen}"] td.last')
    await expect(row).to_contain_text("Gọi điện thoại")
