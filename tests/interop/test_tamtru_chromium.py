"""The demo public service in Chromium: the citizen clicks "Sign in with dinhdanh", signs
in and allows the data on dinhdanh's pages, and lands back on the service's form, filled.

A real browser matters here: dinhdanh's pages forbid form submissions to other origins
(CSP `form-action 'self'`), which Chromium also applies to the redirect after the consent
form; the provider hands the browser over to the service by a page of its own instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.conftest import CHROMIUM, FLAGS, need_chromium
from tests.interop.conftest import PASSWORD, Provider

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless."""
    need_chromium()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(chromium: Browser) -> AsyncIterator[Page]:
    """A fresh Vietnamese-speaking browser context."""
    context = await chromium.new_context(locale="vi-VN")
    yield await context.new_page()
    await context.close()


async def test_sign_in_with_dinhdanh_fills_the_form_in_chromium(
    page: Page, tamtru: str, provider: Provider, tmp_path: Path
) -> None:
    await page.goto(f"{tamtru}/")
    await page.click("a.signin")
    await page.wait_for_url(f"{provider.url}/me/login**")
    await page.fill("input[name=personal_id]", provider.people["level2"])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda url: "/oidc/consent" in url or url.startswith(tamtru))
    if "/oidc/consent" in page.url:
        await page.screenshot(path=str(tmp_path / "consent.png"), full_page=True)
        await page.click("#allow")
    await page.wait_for_url(f"{tamtru}/form**", timeout=15000)
    await expect(page.locator("input[name=personal_id]")).to_have_value(provider.people["level2"])
    await expect(page.locator("body")).to_contain_text("Lê Thị Hoa")
