"""The audit log is hash-chained, written with the change, and `audit verify` names a break."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal

pytestmark = pytest.mark.storage


async def _append(db, n: int) -> list[int]:
    ids = []
    async with db.unit_of_work() as session:
        for i in range(n):
            event = await audit.record(
                session,
                actor=Principal.system("test"),
                action="test.event",
                subject_type="thing",
                subject_id=str(i),
                data={"i": i, "name": "Nguyễn Văn An"},
            )
            ids.append(event.id)
    return ids


async def test_chain_links_each_event_to_the_previous(db):
    ids = await _append(db, 3)
    async with db.unit_of_work() as session:
        report = await audit.verify_chain(session)
        events = [await session.get(audit.AuditEvent, i) for i in ids]
    assert report.ok and report.checked >= 3
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


async def test_tampering_is_found_at_the_first_broken_link(db):
    ids = await _append(db, 4)
    async with db.unit_of_work() as session:
        await session.execute(
            update(audit.AuditEvent).where(audit.AuditEvent.id == ids[2]).values(data={"i": 99})
        )
    async with db.unit_of_work() as session:
        report = await audit.verify_chain(session)
    assert not report.ok
    assert report.broken_at == ids[2]
    assert "content" in report.reason


async def test_event_rolls_back_with_its_transaction(db):
    before = await _count(db)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await audit.record(
                session, actor=Principal.system(), action="test.rolled_back", subject_type="x"
            )
            raise RuntimeError("the change failed")
    assert await _count(db) == before


async def _count(db) -> int:
    async with db.unit_of_work() as session:
        return await audit.count_events(session)
