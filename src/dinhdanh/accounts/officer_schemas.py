"""JSON shapes of the officers' account API (/api/v1/accounts)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dinhdanh.accounts.models import AccountLock
from dinhdanh.accounts.officer import AccountDetail, HistoryEntry


class LockIn(BaseModel):
    """An officer's lock: a legal reason and the grounds (request, decision number)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        max_length=24,
        description="holder_request, terms_breach, card_seized or authority_request",
    )
    note: str = Field(max_length=500, description="the grounds, required")


class UnlockIn(BaseModel):
    """Lifting one lock at the office."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=500, description="the grounds, required")


class AccountIn(BaseModel):
    """A new account (administrators); the initial password goes by SMS."""

    model_config = ConfigDict(extra="forbid")

    personal_id: str = Field(max_length=20)
    phone: str = Field(max_length=20, description="Vietnamese mobile number")
    email: str = Field("", max_length=254)
    level: Literal[1, 2] = 2


class LockOut(BaseModel):
    """One lock of an account."""

    id: str
    reason: str
    note: str
    locked_by_kind: str = Field(description="holder, officer or system")
    locked_unit: str | None
    locked_at: dt.datetime
    unlocked_at: dt.datetime | None
    unlocked_by_kind: str | None
    unlock_note: str

    @classmethod
    def of(cls, lock: AccountLock) -> LockOut:
        """From the table row."""
        return cls(
            id=str(lock.id),
            reason=lock.reason,
            note=lock.note,
            locked_by_kind=lock.locked_by_kind,
            locked_unit=lock.locked_unit,
            locked_at=lock.locked_at,
            unlocked_at=lock.unlocked_at,
            unlocked_by_kind=lock.unlocked_by_kind,
            unlock_note=lock.unlock_note,
        )


class HistoryOut(BaseModel):
    """One event of the account's history."""

    at: dt.datetime
    action: str
    actor_kind: str
    actor_unit: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryOut:
        """From the audit event (the same fields)."""
        return cls.model_validate(entry, from_attributes=True)


class AccountOut(BaseModel):
    """An account as an officer sees it (the phone masked)."""

    id: str
    citizen_id: str
    personal_id: str
    full_name: str
    level: int
    status: str = Field(description="pending (initial password not yet used) or active")
    locked: bool
    phone: str = Field(description="masked, e.g. 0912***678")
    email: str | None
    created_at: dt.datetime
    activated_at: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    sessions: int = Field(description="signed-in sessions, web and app")
    open_locks: list[LockOut]
    lock_history: list[LockOut]
    history: list[HistoryOut]

    @classmethod
    def of(cls, detail: AccountDetail) -> AccountOut:
        """From the service's detail."""
        a = detail.account
        return cls(
            id=str(a.id),
            citizen_id=str(a.citizen_id),
            personal_id=a.personal_id,
            full_name=detail.holder.full_name,
            level=a.level,
            status=a.status,
            locked=a.locked,
            phone=detail.phone_masked,
            email=a.email,
            created_at=a.created_at,
            activated_at=a.activated_at,
            last_sign_in_at=detail.last_sign_in_at,
            sessions=detail.sessions,
            open_locks=[LockOut.of(x) for x in detail.open_locks],
            lock_history=[LockOut.of(x) for x in detail.lock_history],
            history=[HistoryOut.of(e) for e in detail.history],
        )


class PasswordSent(BaseModel):
    """A new initial password went by SMS."""

    phone: str = Field(description="masked number the SMS went to")


class SessionsEnded(BaseModel):
    """How many sessions ended."""

    sessions_ended: int
