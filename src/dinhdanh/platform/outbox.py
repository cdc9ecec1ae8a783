"""The outbox: messages written in the business transaction, delivered by the worker."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from sqlalchemy import String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, Database, UTCDateTime, new_uuid
from dinhdanh.platform.logging import get_logger
from dinhdanh.platform.notify import Notifier

log = get_logger(__name__)
Channel = Literal["sms", "email"]
MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    """An SMS or e-mail waiting to go out (or sent)."""

    __tablename__ = "outbox_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


async def enqueue(
    session: AsyncSession, *, channel: Channel, recipient: str, body: str, subject: str = ""
) -> OutboxMessage:
    """Queue a message in the caller's transaction; it leaves only if that commits."""
    message = OutboxMessage(channel=channel, recipient=recipient, subject=subject, body=body)
    session.add(message)
    await session.flush()
    return message


async def drain(db: Database, notifier: Notifier, *, batch: int = 50) -> int:
    """Deliver pending messages; safe with several workers (FOR UPDATE SKIP LOCKED)."""
    delivered = 0
    async with db.unit_of_work() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.created_at)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for message in (await session.scalars(query)).all():
            message.attempts += 1
            try:
                await notifier.send(
                    channel=message.channel,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                    message_id=str(message.id),
                )
            except Exception as exc:  # a sink failure is retried, never lost
                message.last_error = type(exc).__name__
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = "failed"
                log.warning("outbox.delivery_failed", message_id=str(message.id))
                continue
            message.status = "sent"
            message.sent_at = clock.now()
            # Bodies carry one-time codes and invitation links: they leave the database once
            # delivered (the sink, the gateway's side, keeps what was sent).
            message.body = ""
            delivered += 1
    return delivered
