"""Idempotency keys: a client that retries a request with the same `Idempotency-Key`
gets the first answer again instead of a second effect (IETF draft
"The Idempotency-Key HTTP Header Field").

The key and the answer are written in the same transaction as the effect: either both
commit or neither does, so a crash between the two cannot leave an effect without its
record. Two requests racing with one key both run, but only one can insert the key (the
primary key refuses the second), so the other's whole transaction rolls back and it gets
409 — never two effects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final

import orjson
from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy import String, Text, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.db import Base, UTCDateTime
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_

# The request header routes take (`key: IdempotencyKey = None`).
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="A unique value per operation; retries reuse it"),
]

HEADER: Final = "idempotency-key"
KEEP: Final = dt.timedelta(hours=24)


class IdempotencyRecord(Base):
    """The answer given to one (caller, key)."""

    __tablename__ = "idempotency_keys"

    owner: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=lambda: clock.now(), index=True
    )


def _missing() -> Problem:
    return Problem(
        N_("Send an Idempotency-Key header (a unique value per operation) with this request."),
        type="idempotency-key-missing",
        status=428,
        title=N_("Idempotency-Key required."),
    )


def _reused() -> Problem:
    return Problem(
        N_("This Idempotency-Key was already used for a different request."),
        type="idempotency-key-reused",
        status=422,
    )


CONTEXT: Final = "idempotency"


async def fingerprint(request: Request, cipher: FieldCipher) -> str:
    """The request's method, path and body under a keyed digest (bodies carry passwords):
    a retry must send the same."""
    body = await request.body()
    data = request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    return cipher.mac(data, context=CONTEXT)


def key_of(request: Request) -> str:
    """The request's key, checked: 1 to 80 printable characters."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key or len(key) > 80 or not key.isprintable():
        raise _missing()
    return key


async def once(
    request: Request,
    session: AsyncSession,
    *,
    owner: str,
    operation: Callable[[], Awaitable[tuple[int, Any]]],
) -> Response:
    """Run `operation` (returning status and JSON body) once per (owner, key); replay its
    answer to a retry. A failed operation (a Problem) records nothing: it may be retried."""
    key = key_of(request)
    owner = owner[:80]
    cipher: FieldCipher = request.app.state.cipher
    print_ = await fingerprint(request, cipher)
    found = await session.get(IdempotencyRecord, (owner, key))
    if found is not None:
        if found.fingerprint != print_:
            raise _reused()
        return Response(
            cipher.decrypt(found.body, context=CONTEXT) if found.body else None,
            status_code=found.status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    status, payload = await operation()
    body = orjson.dumps(payload).decode() if payload is not None else ""
    # The answer may hold secrets shown once (new recovery codes): sealed at rest.
    sealed = cipher.encrypt(body, context=CONTEXT) if body else ""
    session.add(
        IdempotencyRecord(owner=owner, key=key, fingerprint=print_, status=status, body=sealed)
    )
    await session.flush()
    return Response(body or None, status_code=status, media_type="application/json")


async def forget_old(session: AsyncSession) -> int:
    """Drop records older than a day (the worker's housekeeping)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - KEEP)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
