"""Staff test fixtures: a frozen clock (TOTP steps move only when a test says so),
signed-in administrators, officers and auditors."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest

from dinhdanh.app import create_app
from dinhdanh.platform import clock
from dinhdanh.platform.clock import FrozenClock, SystemClock
from tests.factories.staff import StaffLogin, make_staff, sign_in


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    """Freeze time at the start of a TOTP step so codes stay valid for the whole test."""
    now = dt.datetime.now(dt.UTC)
    start = now.replace(second=0 if now.second < 30 else 30, microsecond=0)
    frozen = FrozenClock(start + dt.timedelta(seconds=1))
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(SystemClock())


@pytest.fixture
async def admin_login(db, app) -> StaffLogin:
    """A Ministry administrator with credentials."""
    return await make_staff(db, app, username="quantri", role="admin", unit_code="BCA")


@pytest.fixture
async def admin(client, admin_login) -> httpx.AsyncClient:
    """The client signed in as the Ministry administrator."""
    response = await sign_in(client, admin_login)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
async def officer_login(db, app) -> StaffLogin:
    """An officer of the commune police of Phường Ba Đình."""
    return await make_staff(db, app, username="canbo", role="officer", unit_code="CAX-00004")


@asynccontextmanager
async def browser(app, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookies, from `ip`, holding a CSRF token."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await c.get("/healthz")
        c.headers["X-CSRF-Token"] = c.cookies.get("dd_csrf", "")
        yield c


@pytest.fixture
async def other_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser (its own cookies) from another address."""
    async with browser(app, "198.51.100.9") as c:
        yield c


@pytest.fixture
async def strict_app(settings, db, kv):
    """The app with low lockout thresholds (per account 3, per address 4)."""
    strict = settings.model_copy(update={"lockout_threshold": 3, "ip_failure_threshold": 4})
    return create_app(strict, db=db, kv=kv)


@pytest.fixture
async def strict_client(strict_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `strict_app`."""
    async with browser(strict_app, "203.0.113.50") as c:
        yield c
