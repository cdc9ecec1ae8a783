"""Partner registry fixtures: a frozen clock (secret grace periods and usage days move
only when a test says so) and clients signed in as administrator, auditor and officer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest

from dinhdanh.platform import clock, events
from dinhdanh.platform.auth import Scope
from dinhdanh.platform.clock import FrozenClock, SystemClock
from tests.factories.auth import sign_in_as

ADMIN_ID = "00000000-0000-4000-8000-0000000000ad"


@asynccontextmanager
async def browser(app, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookies, from `ip`, holding a CSRF token."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await c.get("/healthz")
        c.headers["X-CSRF-Token"] = c.cookies.get("dd_csrf", "")
        yield c


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    """10 March 2026, 09:00 in Vietnam."""
    frozen = FrozenClock(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(SystemClock())


async def sign_in_admin(client: httpx.AsyncClient, app) -> None:
    """A new session of the Ministry administrator (after the clock moved past the last)."""
    await sign_in_as(
        client, app, staff_id=ADMIN_ID, roles=("admin",), scope=Scope.everything(), unit_code="BCA"
    )


@pytest.fixture
async def admin(client, app) -> httpx.AsyncClient:
    """The client signed in as a Ministry administrator, reading English."""
    await sign_in_admin(client, app)
    client.headers["Accept-Language"] = "en"
    return client


@pytest.fixture
async def auditor(app) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, signed in as a Ministry auditor."""
    async with browser(app, "198.51.100.20") as c:
        await sign_in_as(c, app, roles=("auditor",), scope=Scope.everything(), unit_code="BCA")
        c.headers["Accept-Language"] = "en"
        yield c


@pytest.fixture
async def officer(app) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, signed in as a commune police officer."""
    async with browser(app, "198.51.100.30") as c:
        await sign_in_as(c, app, roles=("officer",), scope=Scope("commune", "01", "00004"))
        yield c


@pytest.fixture
async def anonymous(app) -> AsyncIterator[httpx.AsyncClient]:
    """A browser nobody signed in with."""
    async with browser(app, "198.51.100.40") as c:
        yield c


@pytest.fixture
def suspensions() -> Iterator[list[dict]]:
    """The `partner.suspended` events published, with what the handler saw."""
    seen: list[dict] = []

    async def handler(*, session, actor, partner_id) -> None:
        seen.append({"partner_id": partner_id, "actor": actor, "session": session})

    events.subscribe(events.PARTNER_SUSPENDED)(handler)
    yield seen
    events._handlers[events.PARTNER_SUSPENDED].remove(handler)
