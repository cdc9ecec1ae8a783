"""A citizen activates the account the office created (forced change of the initial
password, passcode), then locks it in panic: every session ends. The server's log never
shows the passwords or the passcode."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Cau-Long-Bien-1902-xanh"
PASSCODE = "583920"


def _pending_demo_account(server) -> str:
    rows = server.query(
        "SELECT personal_id FROM accounts WHERE status = 'pending' AND created_by = 'demo'"
    )
    assert rows, "the demo creates one account waiting for activation"
    return rows[0][0]


async def _initial_password(page: Page, personal_id: str) -> str:
    """Read the SMS in the demo inbox, as a newcomer would."""
    await page.goto("/demo/inbox")
    text = await page.locator("main").inner_text()
    masked = personal_id[:3] + "******" + personal_id[-3:]
    match = re.search(re.escape(masked) + r" (?:là|is) ([A-Za-z0-9]{12})\.", text)
    assert match, "the initial-password SMS is in the demo inbox"
    return match.group(1)


async def test_activation_then_panic_lock(page: Page, server):
    personal_id = _pending_demo_account(server)
    initial = await _initial_password(page, personal_id)
    await page.goto("/me/login")
    await page.fill("#personal_id", personal_id)
    await page.fill("#password", initial)
    await page.click("form[action='/me/login'] button[type=submit]")
    await expect(page).to_have_url(re.compile(r"/me/activate$"))
    # A weak choice is refused with the reason, in Vietnamese.
    await page.fill("#password", "matkhau123456")
    await page.fill("#password2", "matkhau123456")
    await page.fill("#passcode", "123456")
    await page.click("form[action='/me/activate'] button[type=submit]")
    await expect(page.locator(".alert-error")).to_contain_text("Mã bảo vệ này quá dễ đoán")
    await page.fill("#password", NEW_PASSWORD)
    await page.fill("#password2", NEW_PASSWORD)
    await page.fill("#passcode", PASSCODE)
    await page.click("form[action='/me/activate'] button[type=submit]")
    await expect(page.locator(".alert-ok")).to_contain_text("Tài khoản của bạn đã hoạt động")
    await expect(page.locator("#personal-id")).to_have_text(personal_id)
    await page.screenshot(path=str(server.data_dir / "citizen-home.png"), full_page=True)

    # A second browser is signed in too; the panic lock ends both.
    other = await page.context.browser.new_context(base_url=server.url, locale="vi-VN")
    second = await other.new_page()
    await second.goto("/me/login")
    await second.fill("#personal_id", personal_id)
    await second.fill("#password", NEW_PASSWORD)
    await second.click("form[action='/me/login'] button[type=submit]")
    await expect(second).to_have_url(re.compile(r"/me$"))

    page.on("dialog", lambda dialog: dialog.accept())
    await page.click("#panic-lock")
    await expect(page.locator("#locked-now")).to_be_visible()
    await second.goto("/me/devices")
    await expect(second).to_have_url(re.compile(r"/me/login"))
    # Password alone does not open a locked account: a code to the phone is asked.
    await second.fill("#personal_id", personal_id)
    await second.fill("#password", NEW_PASSWORD)
    await second.click("form[action='/me/login'] button[type=submit]")
    await expect(second).to_have_url(re.compile(r"/me/login/verify"))
    await expect(second.locator(".alert-error")).to_contain_text("Tài khoản của bạn đang bị khóa")
    await other.close()

    # The JSON log lines (the demo logins printed at start are not logs).
    log = "\n".join(x for x in server.log.read_text().splitlines() if x.startswith("{"))
    assert '"path": "/me/login"' in log
    for secret in (initial, NEW_PASSWORD, PASSCODE, personal_id):
        assert secret not in log
