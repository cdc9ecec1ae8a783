"""A citizen's passkey and authenticator app in Chromium, with the DevTools virtual
authenticator standing in for the phone's fingerprint sensor.

WebAuthn wants a secure context and a domain as relying party id: this module runs its own
server whose public URL is http://localhost:PORT, and drives the browser there. Its two
citizens are made before the server starts, through the account service, on the server's
own SQLite file."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Browser, CDPSession, Page, expect

from tests.e2e.conftest import browsing, need_chromium
from tests.factories.accounts import PASSWORD
from tests.servers import free_port, run_script, server_env, serving

pytestmark = pytest.mark.e2e

# Run in a child process (its own event loop and engine): migrate the server's database
# and create two activated citizens with the known password.
PREPARE = """
import asyncio, json
from dinhdanh.accounts import passwords, service
from dinhdanh.app import create_app
from dinhdanh.migrations.runner import upgrade
from dinhdanh.platform.auth import Principal
from dinhdanh.settings import Settings
from tests.factories.accounts import PASSCODE, PASSWORD
from tests.factories.population import make_card, make_citizen

async def main():
    app = create_app(Settings())
    db, tools = app.state.db, app.state.account_tools
    await upgrade(db.engine)
    made = []
    async with db.unit_of_work() as session:
        for given, phone in (("Hoa", "0987654321"), ("Minh", "0912000111")):
            citizen = await make_citizen(session, family="Lê", middle="Thị", given=given)
            await make_card(session, citizen)
            account = await service.create_account(
                session=session, tools=tools, actor=Principal.system("e2e"),
                data=service.NewAccount(personal_id=citizen.personal_id, phone=phone),
            )
            await passwords.activate(
                session=session, tools=tools, actor=Principal.system("e2e"),
                account=account, password=PASSWORD, passcode=PASSCODE,
            )
            made.append(citizen.personal_id)
    await db.dispose()
    print(json.dumps(made))

asyncio.run(main())
"""


@dataclass
class PasskeyServer:
    """The server at its localhost URL, and the personal IDs of its two citizens."""

    url: str
    citizens: list[str]
    log: Path


@pytest.fixture(scope="module")
def passkey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasskeyServer]:
    """`dinhdanh serve` with public URL http://localhost:PORT and two citizens."""
    need_chromium()
    data_dir = tmp_path_factory.mktemp("e2e-passkeys")
    port = free_port()
    url = f"http://localhost:{port}"
    env = server_env(
        data_dir,
        DINHDANH_PUBLIC_URL=url,
        DINHDANH_DEMO="false",
        DINHDANH_LOG_LEVEL="WARNING",
    )
    citizens = run_script(PREPARE, env)
    with serving(data_dir, env, port=port, host="localhost") as running:
        yield PasskeyServer(running.url, citizens, running.log)


@pytest.fixture
async def page(browser: Browser, passkey_server: PasskeyServer) -> AsyncIterator[Page]:
    """A fresh English-speaking browser context at http://localhost:PORT."""
    async with browsing(browser, passkey_server.url, "en-US") as pg:
        yield pg


async def _virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator with resident keys that verifies the user (fingerprint)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    added = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


async def _sign_in_with_password(page: Page, personal_id: str) -> None:
    await page.goto("/me/login")
    await page.fill("#personal_id", personal_id)
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/me/login'] button[type=submit]")


async def _sign_out(page: Page) -> None:
    await page.click("header form[action='/me/logout'] button")
    await page.wait_for_url("**/me/login")


HOME = re.compile(r"/me$")


async def test_register_a_passkey_then_sign_in_with_it(page: Page, passkey_server):
    personal_id = passkey_server.citizens[0]
    cdp, authenticator = await _virtual_authenticator(page)
    await _sign_in_with_password(page, personal_id)
    await page.wait_for_url(HOME)

    await page.goto("/me/security")
    await expect(page.locator("#passkey-unsupported")).to_be_hidden()
    await page.fill("#passkey-name", "Máy tính ở nhà")
    await page.fill("#passkey-password", PASSWORD)
    await page.click("#passkey-register-button")
    await page.wait_for_url("**/me/security?done=passkey_added*")
    await expect(page.locator(".alert-ok")).to_have_text("The passkey was added.")
    await expect(page.locator(".passkey-name")).to_have_text("Máy tính ở nhà")
    # The first second factor: ten recovery codes, shown this once.
    await expect(page.locator("#new-recovery-codes code")).to_have_count(10)
    await page.screenshot(path=str(passkey_server.log.parent / "security.png"), full_page=True)
    stored = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in stored["credentials"]] == [True]

    # Signed out, the passkey alone signs in: no personal ID, no password.
    await _sign_out(page)
    await expect(page.locator("#passkey-signin")).to_be_visible()
    await page.click("#passkey-button")
    await page.wait_for_url(HOME)
    await expect(page.locator("#personal-id")).to_have_text(personal_id)

    # With the passkey alone refused, it is the second step after the password.
    await page.goto("/me/security")
    await page.fill("#alone-password", PASSWORD)
    await page.click("#alone-form button[type=submit]")
    await expect(page.locator("#alone-status")).to_have_text("Not allowed")
    await _sign_out(page)
    await page.click("#passkey-button")
    await expect(page.locator("#passkey-error")).to_contain_text("does not allow signing in")
    await _sign_in_with_password(page, personal_id)
    await page.wait_for_url("**/me/login/verify*")
    await page.click("#passkey-verify")
    await page.wait_for_url(HOME)
    await expect(page.locator("#personal-id")).to_have_text(personal_id)


async def test_set_up_an_authenticator_app_then_sign_in_with_its_code(page: Page, passkey_server):
    personal_id = passkey_server.citizens[1]
    await _sign_in_with_password(page, personal_id)
    await page.wait_for_url(HOME)

    await page.goto("/me/security")
    await page.click("#totp-start button[type=submit]")
    await expect(page.locator("#totp-qr")).to_be_visible()
    secret = await page.locator("#totp-secret").get_attribute("data-secret")
    assert secret
    totp = pyotp.TOTP(secret)
    await page.fill("#totp-code", totp.now())
    await page.fill("#totp-confirm-password", PASSWORD)
    await page.click("#totp-confirm button[type=submit]")
    await page.wait_for_url("**/me/security?done=totp_enabled*")
    await expect(page.locator("#totp-status")).to_have_text("On")
    await expect(page.locator("#new-recovery-codes code")).to_have_count(10)

    await _sign_out(page)
    await _sign_in_with_password(page, personal_id)
    await page.wait_for_url("**/me/login/verify*")
    # The code that confirmed the set-up is spent: give the next one (accepted a step early).
    await page.fill("#totp-code", totp.at(time.time() + 30))
    await page.click("#factor-totp button[type=submit]")
    await page.wait_for_url(HOME)
    await expect(page.locator("#personal-id")).to_have_text(personal_id)
