"""Browser tests: the real `dinhdanh serve` (embedded default) driven by Debian's Chromium."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

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
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """A running server and the SQLite file behind it (read by tests to pick citizens)."""

    url: str
    data_dir: Path
    log: Path

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the server's database (read-only)."""
        uri = f"file:{self.data_dir / 'dinhdanh.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            return conn.execute(sql, params).fetchall()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_chromium() -> None:
    """Skip the test when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its DINHDANH_ settings (but the Chromium path),
    with the server's data folder and the given `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DINHDANH_") or k == "DINHDANH_CHROMIUM"
    }
    env.update(DINHDANH_DATA_DIR=str(data_dir), **settings)
    return env


@contextmanager
def serving(
    data_dir: Path, env: dict[str, str], *, port: int | None = None, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """Run `python -m dinhdanh serve` with `env` until the block ends, once it is ready;
    its URL names `host` (WebAuthn wants `localhost`), its log is in `data_dir`."""
    port = port or free_port()
    log = data_dir / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dinhdanh", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)  # readiness polling of a child process, not a race cover-up
        yield Server(f"http://{host}:{port}", data_dir, log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
