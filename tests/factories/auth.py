"""Sign a test client in as a staff principal without going through the login pages."""

from __future__ import annotations

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
