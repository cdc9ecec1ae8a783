"""The background jobs, one pass: the in-process loop and the `worker` command both run it."""

from __future__ import annotations

import time
from typing import Final

from dinhdanh.platform import audit, idempotency, outbox
from dinhdanh.platform.db import Database
from dinhdanh.platform.notify import Notifier

# Idempotency keys live a day: sweeping them hourly is enough, and spares a write
# transaction (on SQLite, the database's write lock) at every one-second pass.
SWEEP_SECONDS: Final = 3600
_next_sweep: dict[int, float] = {}  # per Database object, monotonic time


async def run_background_jobs(db: Database, notifier: Notifier) -> int:
    """Seal the audit events committed since the last pass, deliver pending messages and,
    hourly, forget idempotency keys older than a day; how many messages went out."""
    await audit.seal_pending(db)
    now = time.monotonic()
    if now >= _next_sweep.get(id(db), 0.0):
        _next_sweep[id(db)] = now + SWEEP_SECONDS
        async with db.unit_of_work() as session:
            await idempotency.forget_old(session)
    return await outbox.drain(db, notifier)
