"""The embedded default under concurrent audited requests: no "database is locked".

Runs on its own SQLite file, outside the per-test savepoint wrapper, so that units of
work really overlap as they do in `dinhdanh serve`."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from dinhdanh.migrations.runner import upgrade
from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Database, make_engine


async def test_overlapping_read_then_write_units_of_work_all_succeed(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await upgrade(engine)
    db = Database(engine)

    async def audited_read(i: int) -> None:
        async with db.unit_of_work() as session:
            await session.scalar(select(func.count()).select_from(audit.AuditEvent))
            await asyncio.sleep(0)  # let the others read before this one writes
            await audit.record(
                session,
                actor=Principal.system(),
                action="test.read",
                subject_type="x",
                subject_id=str(i),
            )

    async def sealer() -> None:
        for _ in range(5):
            async with db.unit_of_work() as session:
                await audit.seal(session)
            await asyncio.sleep(0)

    await asyncio.gather(*(audited_read(i) for i in range(40)), sealer())
    async with db.unit_of_work() as session:
        await audit.seal(session)
        report = await audit.verify_chain(session)
    await engine.dispose()
    assert report.ok and report.checked == 40
