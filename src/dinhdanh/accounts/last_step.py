"""The last steps of a sign-in that are not a second factor, for the pages and the app
alike: activation (the holder's own password and passcode replace the initial password)
and the holder lifting their own lock; each ends in the signed-in session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import locks, passwords, signin
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools
from dinhdanh.accounts.signin import Attempt
from dinhdanh.platform.sessions import SessionData


async def activate(
    session: AsyncSession,
    *,
    tools: AccountTools,
    pending: SessionData,
    account: Account,
    attempt: Attempt,
    password: str,
    passcode: str,
    again: str | None = None,
) -> SessionData:
    """Activate the account and open its session (a new id)."""
    await passwords.activate(
        session=session,
        tools=tools,
        actor=signin.citizen_actor(account, ip=attempt.ip),
        account=account,
        password=password,
        passcode=passcode,
        again=again,
    )
    return await signin.complete(
        session, tools=tools, account=account, attempt=attempt, previous=pending, method="initial"
    )


async def unlock(
    session: AsyncSession,
    *,
    tools: AccountTools,
    pending: SessionData,
    account: Account,
    attempt: Attempt,
) -> SessionData:
    """Lift the holder's own lock and open the session, recorded with the factor used."""
    await locks.holder_unlock(
        session=session, actor=signin.citizen_actor(account, ip=attempt.ip), account=account
    )
    return await signin.complete(
        session,
        tools=tools,
        account=account,
        attempt=attempt,
        previous=pending,
        method=pending.extra.get("m", "unlock"),
    )
