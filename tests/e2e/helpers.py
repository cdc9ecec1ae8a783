"""Steps the browser tests share: a staff member signs in on the console's pages, and an
SMS is read where the server's outbox worker delivered it (the file sink)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pyotp
from playwright.async_api import Page

# The session cookies of staff members already signed in, by username: an authenticator
# code works once, so the browser tests (which share the demo officer) sign each member
# in once and reuse the session, as a person keeps their tab open. (A session of another
# test server is unknown to this one: the page then asks for a sign-in, which happens.)
_SIGNED_IN: dict[str, list] = {}


async def staff_signs_in(page: Page, username: str, password: str, totp_secret: str) -> None:
    """The member's session from an earlier test when it still works; else password, then
    the authenticator's code (when another sign-in used this 30-second step's code, the
    next step's goes in: one step of drift is accepted)."""
    if username in _SIGNED_IN:
        await page.context.add_cookies(_SIGNED_IN[username])
        await page.goto("/")
        if "/login" not in page.url:
            return
    await _sign_in(page, username, password, totp_secret)
    _SIGNED_IN[username] = [c for c in await page.context.cookies() if c["name"] != "dd_citizen"]


async def _sign_in(page: Page, username: str, password: str, totp_secret: str) -> None:
    totp = pyotp.TOTP(totp_secret)
    await page.goto("/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/login/totp**")
    for drift in (0, 1):
        await page.fill("#code", totp.generate_otp(totp.timecode(datetime.now(UTC)) + drift))
        async with page.expect_navigation():
            await page.click("form[action='/login/totp'] button[type=submit]")
        if "/login/totp" not in page.url:
            return
    raise AssertionError(f"{username} could not sign in")


async def sms_matching(
    server, phone: str, pattern: re.Pattern[str], seen: set[str] | None = None
) -> str:
    """The first match of `pattern` (its first group, when it has one) in an SMS to `phone`,
    oldest first, once the outbox worker inside `serve` delivered it; an SMS whose file is
    in `seen` is passed over, and the one matched is added to it."""
    folder = server.data_dir / "outbox" / "sms"
    seen = set() if seen is None else seen
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while loop.time() < deadline:
        for path in sorted(folder.glob("*.txt")) if folder.exists() else []:
            if path.name in seen:
                continue
            head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
            found = pattern.search(body)
            if f"To: {phone}\n" in head + "\n" and found:
                seen.add(path.name)
                return found.group(1) if found.groups() else found.group(0)
        await asyncio.sleep(0.2)  # the worker drains the outbox about once a second
    raise AssertionError(f"no SMS to {phone} matching {pattern.pattern}")
