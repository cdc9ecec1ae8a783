"""The append-only, hash-chained audit log, written in the transaction of the change it records."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import JSON, Index, String, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Base, BigId, UTCDateTime

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 0x64696E68  # pg advisory lock id: serialises appends to the chain


class AuditEvent(Base):
    """One audit record; `hash` chains it to the previous record."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_unit: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_unit": event.actor_unit,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "citizen_id": str(event.citizen_id) if event.citizen_id else None,
        "client_ip": event.client_ip,
        "data": event.data,
    }


async def record(
    session: AsyncSession,
    *,
    actor: Principal,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | None = None,
    citizen_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    prev = await session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_unit=actor.unit_code,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        citizen_id=citizen_id,
        client_ip=actor.client_ip,
        data=data or {},
        prev_hash=prev or GENESIS,
    )
    event.hash = _digest(event.prev_hash, _fields(event))
    session.add(event)
    await session.flush()
    return event


@dataclass
class ChainReport:
    """The outcome of `audit verify`."""

    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.broken_at is None


async def _iter_events(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].id
        session.expunge_all()


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Recompute the chain; name the first event whose link or content does not hold."""
    prev = GENESIS
    checked = 0
    async for event in _iter_events(session):
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "prev_hash does not match the previous event")
        if _digest(prev, _fields(event)) != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        prev = event.hash
        checked += 1
    return ChainReport(checked)


async def count_events(session: AsyncSession) -> int:
    """Number of events in the log."""
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
