"""Recovery codes: ten single-use codes that stand in for the second factor when the phone
is lost. Only their digests are kept; they are typed back in any case, with or without
the dash."""

from __future__ import annotations

import secrets
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.models import Account, RecoveryCode
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import token_digest

RECOVERY_CODE_COUNT: Final = 10
# Unambiguous characters (no 0/O, 1/I/L): the codes are written on paper and typed back.
_RECOVERY_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_GROUP: Final = 5


def normalise_recovery_code(value: str) -> str:
    """Recovery codes are read aloud and typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


async def codes_left(session: AsyncSession, account: Account) -> int:
    """How many unused recovery codes the account has."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def new_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(2 * _RECOVERY_GROUP))
    return raw[:_RECOVERY_GROUP] + "-" + raw[_RECOVERY_GROUP:]


async def replace_all(session: AsyncSession, account: Account) -> list[str]:
    """Ten new codes; every earlier code (used or not) stops working."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = [new_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        RecoveryCode(account_id=account.id, code_digest=token_digest(normalise_recovery_code(c)))
        for c in codes
    )
    await session.flush()
    return codes


async def drop_unused(session: AsyncSession, account: Account) -> int:
    left = await codes_left(session, account)
    await session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    return left


async def use_code(session: AsyncSession, account: Account, value: str) -> bool:
    """Spend one unused recovery code of the account; True when it matched."""
    digest = token_digest(normalise_recovery_code(value))
    # One UPDATE decides: of two requests racing with the same code, only one spends it.
    spent = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_digest == digest,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(spent.rowcount)  # type: ignore[attr-defined]
