"""Who holds an account, for reports: a Core selectable (citizen_id, level) of every account,
whatever its state, that other contexts join to the registry's residents and count in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.sql import Subquery

from dinhdanh.accounts.models import Account


def account_holders() -> Subquery:
    """Every account's citizen_id and level (1 or 2): pending, active or locked alike."""
    return select(Account.citizen_id, Account.level).subquery("holders")
