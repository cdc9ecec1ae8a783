"""Browser tests: the real `dinhdanh serve` (embedded default) driven by Debian's Chromium."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.servers import Server, server_env, serving

CHROMIUM = os.environ.get("DINHDANH_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


def need_chromium() -> None:
    """Skip the test when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start `python -m dinhdanh serve` on the embedded default with a small demo population."""
    need_chromium()
    data_dir = tmp_path_factory.mktemp("e2e-var")
    with serving(data_dir, server_env(data_dir, DINHDANH_DEMO_CITIZENS="400")) as running:
        yield running


@asynccontextmanager
async def browsing(browser: Browser, base_url: str, locale: str) -> AsyncIterator[Page]:
    """A page in a fresh browser context (no cookies) at `base_url`, speaking `locale`."""
    context = await browser.new_context(base_url=base_url, locale=locale)
    yield await context.new_page()
    await context.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless."""
    need_chromium()
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, server: Server) -> AsyncIterator[Page]:
    """A fresh browser context (no cookies) per test."""
    async with browsing(browser, server.url, "vi-VN") as pg:
        yield pg
