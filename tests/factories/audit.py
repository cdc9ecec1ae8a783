"""The audit trail in tests: what was recorded about a person."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from dinhdanh.platform.audit import AuditEvent


async def actions(db, citizen_id: uuid.UUID) -> list[str]:
    """The audit actions about a person, oldest first."""
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.citizen_id == citizen_id)
            .order_by(AuditEvent.id)
        )
        return list(rows)
