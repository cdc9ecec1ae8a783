"""Signed-in staff clients beside the citizen's `client`: each its own cookie jar."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable

import httpx

from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as
from tests.factories.population import FAR, HOME, NEIGHBOUR

SCOPES = {
    HOME: Scope("commune", "01", HOME),
    NEIGHBOUR: Scope("commune", "01", NEIGHBOUR),
    FAR: Scope("commune", "79", FAR),
}
StaffFactory = Callable[..., Awaitable[httpx.AsyncClient]]


def staff_factory(app, stack: contextlib.AsyncExitStack) -> StaffFactory:
    """A function opening a client signed in as staff (officer of the home commune unless
    told otherwise; role 'admin' gets the Ministry's scope)."""

    async def make(role: str = "officer", commune: str = HOME) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50001))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        await client.get("/healthz")
        client.headers["X-CSRF-Token"] = client.cookies.get("dd_csrf", "")
        client.headers["Accept-Language"] = "en"
        admin = role == "admin"
        await sign_in_as(
            client,
            app,
            staff_id=str(uuid.uuid4()),
            roles=(role,),
            scope=Scope.everything() if admin else SCOPES[commune],
            unit_code="BCA" if admin else f"CAX-{commune}",
        )
        return client

    return make
