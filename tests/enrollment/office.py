"""The office in tests: officers' clients (each its own cookie jar and staff id), images,
and an application driven through the officers' API up to a given step."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from dinhdanh.enrollment import keys
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.outbox import OutboxMessage
from dinhdanh.population.models import Citizen
from tests.enrollment.helpers import tiny_png
from tests.factories.auth import staff_client
from tests.factories.population import HOME, NEIGHBOUR, make_card, make_citizen

UNIT = f"CAX-{HOME}"
SCOPES = {
    UNIT: Scope("commune", "01", HOME),
    f"CAX-{NEIGHBOUR}": Scope("commune", "01", NEIGHBOUR),
    "CAT-01": Scope("province", "01"),
    "PC06-01": Scope("province", "01"),
}
FACE = tiny_png(320, 400)
FINGER = tiny_png(200, 260)
OfficerFactory = Callable[..., Awaitable[httpx.AsyncClient]]


def officer_factory(app, stack: contextlib.AsyncExitStack) -> OfficerFactory:
    """A function opening a client signed in as a new officer of `unit` (English pages)."""

    async def make(unit: str = UNIT, role: str = "officer") -> httpx.AsyncClient:
        return await staff_client(
            app,
            stack,
            address=("198.51.100.30", 50002),
            role=role,
            scope=SCOPES[unit],
            unit_code=unit,
        )

    return make


async def registry_person(db, *, card: bool = True, **fields: Any) -> Citizen:
    """A citizen of the home commune (`fields` for the factory), holding a card unless
    `card` is False."""
    async with db.unit_of_work() as session:
        person = await make_citizen(session, **fields)
        if card:
            await make_card(session, person)
    return person


async def chip_keys(db, cipher) -> None:
    """The CSCA and Document Signer a card needs."""
    async with db.unit_of_work() as session:
        await keys.create_keys(session=session, cipher=cipher, actor=Principal.system("test"))


async def open_via_api(client: httpx.AsyncClient, citizen_id: Any, **fields: Any) -> httpx.Response:
    """POST /api/v1/applications (an adult's renewal with an account wish by default)."""
    body = {
        "citizen_id": str(citizen_id),
        "kind": "renew",
        "reason": "data_changed",
        "phone": "0987654321",
        "email": "an@example.vn",
        "wants_account": True,
    } | fields
    return await client.post("/api/v1/applications", json=body)


async def put_image(
    client: httpx.AsyncClient, application_id: str, position: str, data: bytes = FACE
) -> httpx.Response:
    """PUT an image as the request body."""
    return await client.put(
        f"/api/v1/applications/{application_id}/biometrics/{position}",
        content=data,
        headers={"Content-Type": "image/png"},
    )


async def captured(client: httpx.AsyncClient, citizen_id: Any, **fields: Any) -> dict[str, Any]:
    """An open application with the face and both index fingers captured."""
    opened = await open_via_api(client, citizen_id, **fields)
    assert opened.status_code == 201, opened.text
    application = opened.json()
    for position, image in (("face", FACE), ("right_index", FINGER), ("left_index", FINGER)):
        done = await put_image(client, application["id"], position, image)
        assert done.status_code == 201, done.text
    return (await client.get(f"/api/v1/applications/{application['id']}")).json()


async def submitted(client: httpx.AsyncClient, citizen_id: Any, **fields: Any) -> dict[str, Any]:
    """A captured application submitted for approval."""
    application = await captured(client, citizen_id, **fields)
    done = await client.post(f"/api/v1/applications/{application['id']}/submit")
    assert done.status_code == 200, done.text
    return done.json()


async def sms_to(db, phone: str) -> list[str]:
    """The bodies of the SMS queued for a number, oldest first."""
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.channel == "sms", OutboxMessage.recipient == phone)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return list(rows)


async def count(db, model: Any, *where: Any) -> int:
    """How many rows of `model` match."""
    async with db.unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
