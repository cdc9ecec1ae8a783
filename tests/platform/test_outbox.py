"""The outbox delivers only committed messages, through the file sink."""

from __future__ import annotations

import pytest

from dinhdanh.platform import outbox
from dinhdanh.platform.notify import FileSink


async def test_committed_message_is_written_to_the_sink(db, tmp_path):
    async with db.unit_of_work() as session:
        await outbox.enqueue(
            session, channel="sms", recipient="0912345678", body="Mã xác thực của bạn"
        )
    sent = await outbox.drain(db, FileSink(tmp_path))
    assert sent >= 1
    files = list((tmp_path / "sms").iterdir())
    assert any("Mã xác thực của bạn" in f.read_text(encoding="utf-8") for f in files)
    assert await outbox.drain(db, FileSink(tmp_path)) == 0


async def test_rolled_back_message_never_leaves(db, tmp_path):
    with pytest.raises(ValueError):
        async with db.unit_of_work() as session:
            await outbox.enqueue(session, channel="email", recipient="a@b.vn", body="x")
            raise ValueError("business rule failed")
    assert await outbox.drain(db, FileSink(tmp_path)) == 0


class _BrokenSink:
    async def send(self, **kwargs):
        raise ConnectionError("gateway down")


async def test_failed_delivery_stays_pending_for_retry(db, tmp_path):
    async with db.unit_of_work() as session:
        message = await outbox.enqueue(session, channel="sms", recipient="0900000000", body="y")
    assert await outbox.drain(db, _BrokenSink()) == 0
    async with db.unit_of_work() as session:
        stored = await session.get(outbox.OutboxMessage, message.id)
        assert stored.status == "pending" and stored.attempts == 1
    assert await outbox.drain(db, FileSink(tmp_path)) == 1


async def test_delivered_bodies_leave_the_database(db, tmp_path):
    async with db.unit_of_work() as session:
        message = await outbox.enqueue(
            session, channel="email", recipient="a@b.vn", body="link /staff/invite/SECRET"
        )
    await outbox.drain(db, FileSink(tmp_path))
    async with db.unit_of_work() as session:
        stored = await session.get(outbox.OutboxMessage, message.id)
        assert stored.status == "sent" and stored.body == ""
