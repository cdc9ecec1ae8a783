"""An officer's lock seen by the citizen, in Chromium: the commune officer looks up a
citizen's account and locks it with a legal reason; the citizen, signed in in another
browser, is signed out at the next click and sees the reason when signing in again."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys

import pytest
from playwright.async_api import Browser, Page, expect

from dinhdanh.staff.service import DEMO_STAFF
from tests.e2e.helpers import sms_matching, staff_signs_in

pytestmark = pytest.mark.e2e
LOGINS = {login.username: login for login in DEMO_STAFF}
PASSWORD = "Zebra-Quokka-Fjord-42"
PASSCODE = "480317"
REASON = "Breach of the terms of use"
# The initial password's alphabet (no 0/O, 1/l/I), twelve characters.
INITIAL = re.compile(r"(?<![\w*])[A-HJ-NP-Za-km-z2-9]{12}(?![\w*])")


def _create_account(server, personal_id: str, phone: str) -> str:
    """`dinhdanh accounts create` against the running server's data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DINHDANH_")}
    env["DINHDANH_DATA_DIR"] = str(server.data_dir)
    command = [sys.executable, "-m", "dinhdanh", "accounts", "create"]
    done = subprocess.run(
        [*command, "--personal-id", personal_id, "--phone", phone],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _officer_signs_in(page: Page, username: str) -> None:
    login = LOGINS[username]
    await staff_signs_in(page, login.username, login.password, login.totp_secret)


async def test_officer_lock_signs_the_citizen_out_and_shows_the_reason(browser: Browser, server):
    (pid,) = server.query(
        "SELECT personal_id FROM citizens WHERE permanent_commune_code = '00004' "
        "AND status = 'living' AND birth_year <= 2000 "
        "AND id NOT IN (SELECT citizen_id FROM accounts) ORDER BY personal_id DESC LIMIT 1"
    )[0]
    phone = "09" + pid[-8:]
    printed = _create_account(server, pid, phone)
    assert f"{phone[:4]}***{phone[-3:]}" in printed and phone not in printed
    seen: set[str] = set()
    initial = await sms_matching(server, phone, INITIAL, seen)
    assert initial not in printed

    citizen_ctx = await browser.new_context(base_url=server.url, locale="en-US")
    officer_ctx = await browser.new_context(base_url=server.url, locale="en-US")
    try:
        # The citizen activates the account and is signed in.
        citizen = await citizen_ctx.new_page()
        await citizen.goto("/me/login")
        await citizen.fill("#personal_id", pid)
        await citizen.fill("#password", initial)
        await citizen.click("form[action='/me/login'] button[type=submit]")
        await citizen.wait_for_url("**/me/activate")
        await citizen.fill("#password", PASSWORD)
        await citizen.fill("#password2", PASSWORD)
        await citizen.fill("#passcode", PASSCODE)
        await citizen.click("form[action='/me/activate'] button[type=submit]")
        await citizen.wait_for_url("**/me?done=activated")
        await expect(citizen.locator("#personal-id")).to_have_text(pid)

        # The officer finds the account and locks it; the browser asks before sending.
        officer = await officer_ctx.new_page()
        await _officer_signs_in(officer, "officer")
        await officer.click("nav a[href='/officer/accounts']")
        await officer.fill("#personal_id", pid)
        await officer.click("#account-search button[type=submit]")
        await expect(officer.locator("#personal-id")).to_have_text(pid)
        await expect(officer.locator("#sessions")).to_have_text("1")
        await officer.select_option("#lock-reason", "terms_breach")
        await officer.fill("#lock-note", "Quyết định 15/QĐ-CAX")
        officer.once("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
        await officer.click("#lock")
        await expect(officer.locator("#account-state")).not_to_have_text("Locked")
        officer.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await officer.click("#lock")
        await officer.wait_for_url("**done=locked")
        await expect(officer.locator("#account-state")).to_have_text("Locked")
        await expect(officer.locator("#open-locks .lock-reason")).to_have_text(REASON)
        await expect(officer.locator("#sessions")).to_have_text("0")

        # The citizen's next click signs them out.
        await citizen.click("nav a[href='/me']")
        await citizen.wait_for_url("**/me/login**")
        await expect(citizen.locator("#personal_id")).to_be_visible()

        # Signing in again: a code to the phone, then the reason, and no unlock button.
        await citizen.fill("#personal_id", pid)
        await citizen.fill("#password", PASSWORD)
        await citizen.click("form[action='/me/login'] button[type=submit]")
        await citizen.wait_for_url("**/me/login/verify**")
        await citizen.click("#send-sms")
        code = await sms_matching(server, phone, re.compile(r"\b(\d{6})\b"), seen)
        await citizen.fill("#sms-code", code)
        await citizen.click("#factor-sms form[action='/me/login/verify'] button[type=submit]")
        await citizen.wait_for_url("**/me/unlock**")
        await expect(citizen.locator("ul.locks")).to_contain_text(REASON)
        await expect(citizen.locator("ul.locks")).to_contain_text("by the police")
        await expect(citizen.locator("#unlock")).to_have_count(0)
        await citizen.screenshot(path=str(server.data_dir / "officer-lock.png"), full_page=True)
    finally:
        await citizen_ctx.close()
        await officer_ctx.close()
