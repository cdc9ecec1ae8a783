"""The background jobs, one pass: the in-process loop and the `worker` command both run it."""

from __future__ import annotations

from dinhdanh.platform import audit, idempotency, outbox
from dinhdanh.platform.db import Database
from dinhdanh.platform.notify import Notifier


async def run_background_jobs(db: Database, notifier: Notifier) -> int:
    """Seal the audit events committed since the last pass, deliver pending messages and
    forget idempotency keys older than a day; how many messages went out."""
    await audit.seal_pending(db)
    async with db.unit_of_work() as session:
        await idempotency.forget_old(session)
    return await outbox.drain(db, notifier)
