"""The password step's reads and writes in SQLAlchemy Core, not the ORM.

Sign-in is a hot path (the benchmark compares it with argon2's own rate): the account, and
whether it has a passkey or unused recovery codes, come back in one Core round trip; the
rehash is a single UPDATE. Everything here works on the request's
ORM session and on a bare Core connection alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Uuid, bindparam, exists, func, select, update

from dinhdanh.accounts.models import Account, AccountLock, Passkey, RecoveryCode
from dinhdanh.platform.db import Executor

_accounts = Account.__table__
_passkeys = Passkey.__table__
_recovery = RecoveryCode.__table__
_locks = AccountLock.__table__


@dataclass(frozen=True, slots=True)
class SignInAccount:
    """What the password step needs of an account (read-only; writes go through Core)."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    personal_id: str
    level: int
    status: str
    locked: bool
    password_hash: str | None
    initial_password_expires_at: dt.datetime | None
    totp_secret_enc: str | None
    sms_otp: bool
    phone: str
    has_passkey: bool
    has_recovery: bool


# An account as the sign-in steps see it: the ORM row, or the password step's lean read.
AnyAccount = Account | SignInAccount

_BY_PERSONAL_ID: Final = select(
    _accounts.c.id,
    _accounts.c.citizen_id,
    _accounts.c.personal_id,
    _accounts.c.level,
    _accounts.c.status,
    _accounts.c.locked,
    _accounts.c.password_hash,
    _accounts.c.initial_password_expires_at,
    _accounts.c.totp_secret_enc,
    _accounts.c.sms_otp,
    _accounts.c.phone,
    exists().where(_passkeys.c.account_id == _accounts.c.id).label("has_passkey"),
    exists()
    .where(_recovery.c.account_id == _accounts.c.id, _recovery.c.used_at.is_(None))
    .label("has_recovery"),
).where(_accounts.c.personal_id == bindparam("pid"))


async def account_for_sign_in(executor: Executor, personal_id: str) -> SignInAccount | None:
    """The account whose username is `personal_id`, with its factor flags; None if none."""
    row = (await executor.execute(_BY_PERSONAL_ID, {"pid": personal_id})).first()
    return SignInAccount(**row._mapping) if row is not None else None


async def store_rehash(executor: Executor, account_id: uuid.UUID, password_hash: str) -> None:
    """Keep the password hashed with the current argon2 parameters."""
    await executor.execute(
        update(_accounts).where(_accounts.c.id == account_id).values(password_hash=password_hash)
    )


@dataclass(frozen=True, slots=True)
class TokenBarrier:
    """What decides whether a token given out for a citizen may still be used."""

    locked: bool
    last_locked_at: dt.datetime | None

    def allows(self, issued_at: float) -> bool:
        """False while the account is locked, and for a token issued before its last lock
        (an unlock revives nothing that the lock ended)."""
        if self.locked:
            return False
        return self.last_locked_at is None or issued_at >= self.last_locked_at.timestamp()


_BARRIER: Final = (
    select(_accounts.c.locked, func.max(_locks.c.locked_at))
    .select_from(_accounts.outerjoin(_locks, _locks.c.account_id == _accounts.c.id))
    .where(_accounts.c.citizen_id == bindparam("citizen_id", type_=Uuid()))
    .group_by(_accounts.c.id, _accounts.c.locked)
)


async def token_barrier(executor: Executor, citizen_id: uuid.UUID) -> TokenBarrier | None:
    """The account's lock state for tokens given out in its name (one Core read); None
    when the citizen has no account."""
    row = (await executor.execute(_BARRIER, {"citizen_id": citizen_id})).first()
    return TokenBarrier(locked=row[0], last_locked_at=row[1]) if row is not None else None
