"""The background jobs, one pass: the in-process loop and the `worker` command both run it."""

from __future__ import annotations

from dinhdanh.platform import audit, outbox
from dinhdanh.platform.db import Database
from dinhdanh.platform.notify import Notifier


async def run_background_jobs(db: Database, notifier: Notifier) -> int:
    """Seal the audit events committed since the last pass, then deliver pending messages;
    how many messages went out."""
    await audit.seal_pending(db)
    return await outbox.drain(db, notifier)
