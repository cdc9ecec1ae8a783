"""The append-only, hash-chained audit log, written in the transaction of the change it records.

Writing and chaining are two steps. `record` only INSERTs the event, in the caller's
transaction, so that concurrent requests never queue behind one lock (a chained insert
needs the previous hash, which serialises every audited request of the whole system: we
measured it as the bottleneck of the registry look-up). `seal` — run by the worker, or
inside `serve` in the embedded default, about once a second — then gives each newly
committed event its place `seq` in the chain and its hash, one sealer at a time. An event
is thus tamper-evident from the first seal after its commit; `audit verify` seals what is
pending before it checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import JSON, Index, String, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Base, BigId, Database, Executor, UTCDateTime

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 0x64696E68  # pg advisory lock id: serialises appends to the chain


class AuditEvent(Base):
    """One audit record; `hash` chains it to the previous record."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigId, unique=True)
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
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
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


_INSERT: Final = insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)


def _row(
    actor: Principal,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | None,
    citizen_id: uuid.UUID | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": clock.now(),
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_unit": actor.unit_code,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id) if subject_id is not None else None,
        "citizen_id": citizen_id,
        "client_ip": actor.client_ip,
        "data": data or {},
    }


async def record(
    executor: Executor,
    *,
    actor: Principal,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | None = None,
    citizen_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Write one event inside the caller's transaction (chained by the next `seal`); its id.

    A Core INSERT, not an ORM object: it sits on every audited read's hot path."""
    row = _row(actor, action, subject_type, subject_id, citizen_id, data)
    return int((await executor.execute(_INSERT, row)).scalar_one())


async def record_many(
    executor: Executor,
    *,
    actor: Principal,
    action: str,
    subject_type: str,
    citizen_ids: list[uuid.UUID],
    data: dict[str, Any] | None = None,
) -> None:
    """One event per citizen (a list shown to an officer), written in one round trip."""
    if citizen_ids:
        rows = [_row(actor, action, subject_type, c, c, data) for c in citizen_ids]
        await executor.execute(insert(AuditEvent.__table__), rows)


async def seal(session: AsyncSession, *, batch: int = 5000) -> int:
    """Chain the committed events that have no place yet, in the order found; returns how many."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    head = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    pending = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(batch)
        )
    ).all()
    for event in pending:
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.hash = prev = _digest(prev, _fields(event))
    await session.flush()
    return len(pending)


async def seal_pending(db: Database, *, batch: int = 5000) -> int:
    """Seal everything committed so far, a batch per transaction; returns how many."""
    total = 0
    while True:
        async with db.unit_of_work() as session:
            sealed = await seal(session, batch=batch)
        total += sealed
        if sealed < batch:
            return total


@dataclass
class ChainReport:
    """The outcome of `audit verify`: events checked, the first broken one, unsealed ones."""

    checked: int
    broken_at: int | None = None
    reason: str | None = None
    unsealed: int = 0
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.broken_at is None


async def _iter_events(session: AsyncSession, batch: int = 5000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq
        session.expunge_all()


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Recompute the chain; name the first event whose place, link or content does not hold."""
    prev = GENESIS
    checked = 0
    async for event in _iter_events(session):
        if event.seq != checked + 1:
            return ChainReport(checked, event.id, "an event is missing before this one")
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "prev_hash does not match the previous event")
        if _digest(prev, _fields(event)) != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        prev = event.hash or ""
        checked += 1
    unsealed = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
    )
    return ChainReport(checked, unsealed=int(unsealed or 0), head=prev)


async def count_events(session: AsyncSession) -> int:
    """Number of events in the log."""
    return int(await session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
