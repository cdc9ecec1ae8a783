"""The officer console in Chromium: TOTP sign-in, folded-name search, a record, the refusal
of another commune's record, and the language switch."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pyotp
import pytest
from playwright.async_api import Browser, Page, expect

from dinhdanh.population.names import fold
from dinhdanh.staff.service import DEMO_STAFF
from tests.e2e.helpers import staff_signs_in

pytestmark = pytest.mark.e2e
LOGINS = {login.username: login for login in DEMO_STAFF}


async def sign_in(page: Page, username: str) -> None:
    """Sign in through the pages: password, then the TOTP code from the authenticator."""
    login = LOGINS[username]
    await staff_signs_in(page, login.username, login.password, login.totp_secret)


@pytest.fixture(scope="session")
async def officer_state(browser: Browser, server) -> dict:
    """The commune officer of Phường Ba Đình, signed in once for the session."""
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await sign_in(page, "officer")
    await page.wait_for_url("**/registry")
    state = await context.storage_state()
    await context.close()
    return state


@pytest.fixture
async def officer_page(browser: Browser, server, officer_state) -> Page:
    """A page signed in as the commune officer."""
    context = await browser.new_context(base_url=server.url, storage_state=officer_state)
    page = await context.new_page()
    yield page
    await context.close()


async def test_sign_in_with_password_then_totp(page: Page):
    await sign_in(page, "province")
    await page.wait_for_url("**/registry")
    await expect(page.locator("header .who")).to_contain_text("Trần Văn Hùng")
    await expect(page.locator("h1")).to_have_text("Cơ sở dữ liệu dân cư")


async def test_wrong_totp_code_is_refused_on_the_page(page: Page):
    login = LOGINS["admin"]
    await page.goto("/login")
    await page.fill("#username", login.username)
    await page.fill("#password", login.password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/login/totp**")
    await page.fill("#code", "000000" if pyotp.TOTP(login.totp_secret).now() != "000000" else "1")
    await page.click("form[action='/login/totp'] button[type=submit]")
    await expect(page.locator(".alert-error")).to_be_visible()
    await expect(page).not_to_have_url("**/admin/**")


async def test_search_by_folded_name_and_open_the_record(officer_page: Page, server):
    pid, family, middle, given, year = server.query(
        "SELECT personal_id, family_name, middle_name, given_name, birth_year FROM citizens "
        "WHERE permanent_commune_code = '00004' AND status = 'living' "
        "AND middle_name != '' ORDER BY personal_id LIMIT 1"
    )[0]
    full = " ".join(p for p in (family, middle, given) if p)
    await officer_page.goto("/registry")
    await officer_page.fill("#q", fold(full))
    await officer_page.fill("#birth", str(year))
    await officer_page.click("#registry-search button[type=submit]")
    row = officer_page.locator("#results tbody tr", has_text=pid)
    await expect(row).to_contain_text(full)
    await row.locator("a").first.click()
    await expect(officer_page.locator("#personal-id")).to_have_text(pid)
    for section in ("#identity", "#residence", "#household", "#relatives", "#cards", "#history"):
        await expect(officer_page.locator(section)).to_be_visible()
    await officer_page.fill("#res-commune", "ngoc ha")
    await expect(officer_page.locator("#res-commune-list option[value='00008']")).to_have_count(1)
    await officer_page.screenshot(path=str(server.data_dir / "record.png"), full_page=True)


async def test_another_communes_record_is_refused(officer_page: Page, server):
    cid, pid = server.query(
        "SELECT id, personal_id FROM citizens WHERE permanent_commune_code != '00004' "
        "AND coalesce(temporary_commune_code, '') != '00004' "
        "AND coalesce(current_commune_code, '') != '00004' LIMIT 1"
    )[0]
    cid = cid if "-" in str(cid) else f"{cid[:8]}-{cid[8:12]}-{cid[12:16]}-{cid[16:20]}-{cid[20:]}"
    response = await officer_page.goto(f"/registry/citizens/{cid}")
    assert response.status == 404
    await expect(officer_page.locator("body")).not_to_contain_text(pid)
    await officer_page.goto("/registry")
    await officer_page.fill("#q", pid)
    await officer_page.click("#registry-search button[type=submit]")
    await expect(officer_page.locator("#no-results")).to_be_visible()


async def test_language_switch_on_every_page(page: Page):
    await page.goto("/login")
    await expect(page.locator("h1")).to_have_text("Đăng nhập cán bộ")
    await page.click("#lang-en")
    await expect(page.locator("h1")).to_have_text("Officer sign-in")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto("/login")
    await expect(page.locator("label[for=password]")).to_have_text("Password")
    await page.click("#lang-vi")
    await expect(page.locator("label[for=password]")).to_have_text("Mật khẩu")


async def _delivered_email(server, to: str, within: float = 15.0) -> str:
    """Wait for the outbox worker inside `serve` to deliver an e-mail to the file sink."""
    deadline = asyncio.get_running_loop().time() + within
    folder = server.data_dir / "outbox" / "email"
    while asyncio.get_running_loop().time() < deadline:
        for path in sorted(folder.glob("*.txt")) if folder.exists() else []:
            text = path.read_text(encoding="utf-8")
            if f"To: {to}" in text:
                return text
        await asyncio.sleep(0.2)  # the worker drains the outbox about once a second
    raise AssertionError(f"no e-mail to {to} within {within} s")


async def test_admin_invites_an_officer_who_enrols_and_signs_in(page: Page, server):
    await sign_in(page, "admin")
    await page.wait_for_url("**/admin/staff")
    await page.fill("#username", "hoa.pt")
    await page.fill("#full_name", "Phạm Thị Hoa")
    await page.fill("#email", "hoa.pt@example.vn")
    await page.fill("#unit_code", "CAX-00004")
    await page.click("form[action='/admin/staff'][method='post'] button[type=submit]")
    await expect(page.locator("body")).to_contain_text("Phạm Thị Hoa")

    # Deactivating a unit asks first; dismissing the question changes nothing.
    await page.goto("/admin/units?q=cao+bang&level=province")
    row = page.locator("tr", has_text="CAT-04")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    await row.locator("button[type=submit]").click()
    await expect(row.locator(".badge.ok")).to_be_visible()
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await row.locator("button[type=submit]").click()
    await expect(page.locator("tr", has_text="CAT-04").locator(".badge.bad")).to_be_visible()

    email = await _delivered_email(server, "hoa.pt@example.vn")
    link = re.search(r"https?://\S+/staff/invite/[A-Za-z0-9_-]+", email).group(0)
    invite = await page.context.browser.new_context(base_url=server.url)
    officer = await invite.new_page()
    await officer.goto("/staff/invite/" + link.rsplit("/", 1)[1])
    await officer.fill("#password", "Ba Đình an toàn 2026")
    await officer.fill("#confirm", "Ba Đình an toàn 2026")
    await officer.click("button[type=submit]")
    secret = (await officer.locator("#totp-secret").text_content()).strip()
    await officer.fill("#code", pyotp.TOTP(secret).now())
    await officer.click("form[action$='/totp'] button[type=submit]")

    await officer.goto("/login")
    await officer.fill("#username", "hoa.pt")
    await officer.fill("#password", "Ba Đình an toàn 2026")
    await officer.click("button[type=submit]")
    await officer.wait_for_url("**/login/totp**")
    # The enrolment used this 30-second step's code, and a code works once: the
    # authenticator's next code (the server accepts one step of drift) signs in.
    step = pyotp.TOTP(secret)
    await officer.fill("#code", step.at(step.timecode(datetime.now(UTC)) * 30 + 30))
    await officer.click("form[action='/login/totp'] button[type=submit]")
    await officer.wait_for_url("**/registry")
    await expect(officer.locator("header .who")).to_contain_text("Phạm Thị Hoa")
    await invite.close()
