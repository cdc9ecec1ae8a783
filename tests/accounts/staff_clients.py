"""Signed-in staff clients beside the citizen's `client`: each its own cookie jar."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import httpx

from dinhdanh.platform.auth import Scope
from tests.factories.auth import staff_client
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
        admin = role == "admin"
        return await staff_client(
            app,
            stack,
            address=("198.51.100.20", 50001),
            role=role,
            scope=Scope.everything() if admin else SCOPES[commune],
            unit_code="BCA" if admin else f"CAX-{commune}",
        )

    return make
