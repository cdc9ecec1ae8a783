"""The audit log is written with the change, hash-chained by `seal`, and `verify_chain`
names the first broken link."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal


async def _append(db, n: int) -> list[int]:
    ids = []
    async with db.unit_of_work() as session:
        for i in range(n):
            event_id = await audit.record(
                session,
                actor=Principal.system("test"),
                action="test.event",
                subject_type="thing",
                subject_id=str(i),
                data={"i": i, "name": "Nguyễn Văn An"},
            )
            ids.append(event_id)
    return ids


async def _seal_and_verify(db) -> audit.ChainReport:
    async with db.unit_of_work() as session:
        await audit.seal(session)
    async with db.unit_of_work() as session:
        return await audit.verify_chain(session)


async def test_seal_links_each_event_to_the_previous(db):
    ids = await _append(db, 3)
    report = await _seal_and_verify(db)
    async with db.unit_of_work() as session:
        events = [await session.get(audit.AuditEvent, i) for i in ids]
    assert report.ok and report.checked >= 3 and report.unsealed == 0
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert events[2].seq == events[1].seq + 1


async def test_events_written_later_join_the_end_of_the_chain(db):
    await _append(db, 2)
    first = await _seal_and_verify(db)
    await _append(db, 2)
    async with db.unit_of_work() as session:
        assert (await audit.verify_chain(session)).unsealed == 2
    second = await _seal_and_verify(db)
    assert second.ok and second.checked == first.checked + 2


async def _drop_guards(session) -> None:
    """Play an attacker with the database owner's rights: remove the append-only triggers."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
    else:
        await session.execute(text("DROP TRIGGER audit_events_append_only"))
        await session.execute(text("DROP TRIGGER audit_events_no_delete"))


async def test_the_database_refuses_to_change_or_delete_events(db):
    ids = await _append(db, 2)
    await _seal_and_verify(db)
    for statement in (
        update(audit.AuditEvent).where(audit.AuditEvent.id == ids[0]).values(action="forged"),
        delete(audit.AuditEvent).where(audit.AuditEvent.id == ids[1]),
    ):
        with pytest.raises(DBAPIError, match=r"append-only|cannot change"):
            async with db.unit_of_work() as session:
                await session.execute(statement)


async def test_tampering_is_found_at_the_first_broken_link(db):
    ids = await _append(db, 4)
    await _seal_and_verify(db)
    async with db.unit_of_work() as session:
        await _drop_guards(session)
        await session.execute(
            update(audit.AuditEvent).where(audit.AuditEvent.id == ids[2]).values(data={"i": 99})
        )
    async with db.unit_of_work() as session:
        report = await audit.verify_chain(session)
    assert not report.ok
    assert report.broken_at == ids[2]
    assert "content" in report.reason


async def test_seal_pending_takes_every_batch(db):
    await _append(db, 7)
    assert await audit.seal_pending(db, batch=3) >= 7
    async with db.unit_of_work() as session:
        report = await audit.verify_chain(session)
    assert report.ok and report.unsealed == 0


async def test_a_deleted_event_is_found(db):
    ids = await _append(db, 3)
    await _seal_and_verify(db)
    async with db.unit_of_work() as session:
        await _drop_guards(session)
        await session.execute(delete(audit.AuditEvent).where(audit.AuditEvent.id == ids[1]))
    async with db.unit_of_work() as session:
        report = await audit.verify_chain(session)
    assert report.broken_at == ids[2]
    assert "missing" in report.reason


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
