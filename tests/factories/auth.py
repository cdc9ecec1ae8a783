"""Sign a test client in as a staff principal without going through the login pages."""

from __future__ import annotations

import contextlib
import uuid

import httpx

from dinhdanh.platform.auth import Scope
from dinhdanh.platform.sessions import staff_payload
from dinhdanh.platform.web import STAFF_COOKIE


async def sign_in_as(
    client: httpx.AsyncClient,
    app,
    *,
    staff_id: str = "00000000-0000-0000-0000-000000000001",
    roles: tuple[str, ...] = ("officer",),
    scope: Scope,
    unit_code: str | None = None,
    name: str = "Test Officer",
) -> None:
    """Create a verified staff session in the store and give the client its cookie."""
    data = await app.state.staff_sessions.create(
        staff_id,
        ip="203.0.113.7",
        extra=staff_payload(roles=list(roles), unit=unit_code, name=name, scope=scope),
    )
    client.cookies.set(STAFF_COOKIE, data.id)


async def staff_client(
    app,
    stack: contextlib.AsyncExitStack,
    *,
    address: tuple[str, int],
    role: str,
    scope: Scope,
    unit_code: str,
    lang: str = "en",
) -> httpx.AsyncClient:
    """A client of its own (cookie jar, CSRF header, pages in `lang`) from `address`, signed
    in as a new staff member; closed with `stack`."""
    transport = httpx.ASGITransport(app=app, client=address)
    client = await stack.enter_async_context(
        httpx.AsyncClient(transport=transport, base_url="http://testserver")
    )
    await client.get("/healthz")
    client.headers["X-CSRF-Token"] = client.cookies.get("dd_csrf", "")
    client.headers["Accept-Language"] = lang
    await sign_in_as(
        client, app, staff_id=str(uuid.uuid4()), roles=(role,), scope=scope, unit_code=unit_code
    )
    return client
