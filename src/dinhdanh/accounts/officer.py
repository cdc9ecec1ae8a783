"""The officer's side of citizens' accounts: look-up inside the unit, detail and history, and
the office actions (lock with a legal reason, unlock, a new initial password, end sessions).

An account is seen through its holder's registry residence: an officer (or supervisor)
sees the accounts of the citizens living in their unit, an administrator at the Ministry
sees every account. An account outside the caller's scope answers exactly like one that
does not exist. Every look-up is audited as a read of the citizen's data, every action as
a change of the account, each with the citizen's id so their activity log shows it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import locks, service
from dinhdanh.accounts.models import Account, AccountLock
from dinhdanh.accounts.service import AccountTools, NewAccount
from dinhdanh.accounts.signin import OK
from dinhdanh.platform import audit
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.population.identity import Identity, identity
from dinhdanh.population.rules import check_field, typed_personal_id
from dinhdanh.population.scope import covers_citizen

HISTORY_LIMIT: Final = 100
# Reads of the account by staff are in the citizen's activity log, not in the account's
# history an officer reads (which is about what happened to the account).
_READS: Final = ("account.looked_up", "account.viewed")
NO_ACCOUNT_IN_UNIT: Final = N_("No account with this personal ID in your unit.")
NO_ACCOUNT_YET: Final = N_("This citizen has no e-ID account yet.")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of the account's history, from the audit log."""

    at: dt.datetime
    action: str
    actor_kind: str
    actor_unit: str | None
    data: dict[str, Any]


@dataclass(slots=True)
class AccountDetail:
    """What an officer sees of an account."""

    account: Account
    holder: Identity
    phone_masked: str
    sessions: int
    last_sign_in_at: dt.datetime | None = None
    open_locks: list[AccountLock] = field(default_factory=list)
    lock_history: list[AccountLock] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)


def _not_in_unit() -> NotFound:
    """The one answer for an unknown personal ID, a citizen outside the unit, and a citizen
    without an account outside the unit."""
    return NotFound(NO_ACCOUNT_IN_UNIT, type="account-not-found")


async def look_up(
    *, session: AsyncSession, principal: Principal, personal_id: str
) -> tuple[Account, Identity]:
    """The account of the citizen with this personal ID and its holder, inside the caller's
    unit (audited as a read of the citizen's data)."""
    pid = check_field("personal_id", typed_personal_id, personal_id)
    who = await identity(session=session, personal_id=pid)
    if who is None or not covers_citizen(principal.scope, who):
        raise _not_in_unit()
    account = await service.account_of_citizen(session, who.id)
    if account is None:
        # The officer may see this citizen in the registry anyway; the read is recorded.
        await audit.record(
            session,
            actor=principal,
            action="account.looked_up",
            subject_type="account",
            citizen_id=who.id,
            data={"found": False},
        )
        raise NotFound(NO_ACCOUNT_YET, type="no-account")
    await service.audit_account(session, principal, "account.looked_up", account, {"found": True})
    return account, who


async def account_in_scope(
    *, session: AsyncSession, principal: Principal, account_id: uuid.UUID | str
) -> tuple[Account, Identity]:
    """The account with this id and its holder, when the holder lives inside the caller's
    unit; else the same NotFound as an unknown id."""
    try:
        account = await service.get_account(session, account_id)
    except NotFound:
        raise _not_in_unit() from None
    who = await service.holder(session, account)
    if not covers_citizen(principal.scope, who):
        raise _not_in_unit()
    return account, who


async def _sessions(tools: AccountTools, account: Account) -> int:
    subject = str(account.id)
    live = await tools.web_sessions.list_for(subject) + await tools.app_sessions.list_for(subject)
    return sum(1 for s in live if s.extra.get("st") == OK)


async def account_history(session: AsyncSession, account: Account) -> list[HistoryEntry]:
    """The account's events from the audit log, newest first (staff reads left out)."""
    rows = await session.execute(
        select(
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.actor_kind,
            AuditEvent.actor_unit,
            AuditEvent.data,
        )
        .where(
            AuditEvent.citizen_id == account.citizen_id,
            AuditEvent.subject_type == "account",
            AuditEvent.action.not_in(_READS),
        )
        .order_by(AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [HistoryEntry(r.at, r.action, r.actor_kind, r.actor_unit, r.data or {}) for r in rows]


async def last_sign_in(session: AsyncSession, account: Account) -> dt.datetime | None:
    """When the account last signed in, from the audit log (sign-in writes nothing else)."""
    return await session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.subject_type == "account",
            AuditEvent.subject_id == str(account.id),
            AuditEvent.action == "account.signed_in",
        )
    )


async def describe(
    session: AsyncSession, tools: AccountTools, account: Account, who: Identity
) -> AccountDetail:
    """The account's detail (not audited: the caller records the read)."""
    return AccountDetail(
        account=account,
        holder=who,
        phone_masked=service.mask_phone(account.phone),
        sessions=await _sessions(tools, account),
        last_sign_in_at=await last_sign_in(session, account),
        open_locks=await locks.open_locks(session, account),
        lock_history=await locks.lock_history(session, account),
        history=await account_history(session, account),
    )


async def detail(
    *,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: uuid.UUID | str,
) -> AccountDetail:
    """An account inside the caller's unit with its locks, sessions and history (audited)."""
    account, who = await account_in_scope(
        session=session, principal=principal, account_id=account_id
    )
    await service.audit_account(session, principal, "account.viewed", account)
    return await describe(session, tools, account, who)


async def find(
    *, session: AsyncSession, tools: AccountTools, principal: Principal, personal_id: str
) -> AccountDetail:
    """Look up by personal ID and describe the account (one audited read)."""
    account, who = await look_up(session=session, principal=principal, personal_id=personal_id)
    return await describe(session, tools, account, who)


# ---------------------------------------------------------------- the office's actions


async def lock(
    *,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: uuid.UUID | str,
    reason: str,
    note: str,
) -> AccountLock:
    """Lock the account with a legal reason and the grounds; every session ends at once."""
    account, _ = await account_in_scope(session=session, principal=principal, account_id=account_id)
    return await locks.officer_lock(
        session=session, tools=tools, actor=principal, account=account, reason=reason, note=note
    )


async def unlock(
    *,
    session: AsyncSession,
    principal: Principal,
    account_id: uuid.UUID | str,
    lock_id: str,
    note: str,
) -> AccountLock:
    """Lift one lock at the office (the registry's own locks end with their reason)."""
    account, _ = await account_in_scope(session=session, principal=principal, account_id=account_id)
    await locks.officer_unlock(
        session=session, actor=principal, account=account, lock_id=lock_id, note=note
    )
    lifted = await session.get(AccountLock, uuid.UUID(lock_id))
    assert lifted is not None  # officer_unlock found it open
    return lifted


async def send_initial_password(
    *,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: uuid.UUID | str,
) -> Account:
    """A new single-use initial password by SMS to the registered phone (the holder forgot
    theirs and has no second factor): the old password stops working, every session ends."""
    account, who = await account_in_scope(
        session=session, principal=principal, account_id=account_id
    )
    if who.status != "living":
        raise Conflict(N_("This citizen is recorded as deceased."), type="citizen-deceased")
    await service.send_initial_password(
        session=session, tools=tools, actor=principal, account=account
    )
    return account


async def end_sessions(
    *,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: uuid.UUID | str,
) -> int:
    """End every session of the account, web and app; how many ended."""
    account, _ = await account_in_scope(session=session, principal=principal, account_id=account_id)
    ended = await service.end_all_sessions(tools, account)
    await service.audit_account(
        session, principal, "account.sessions_ended", account, {"sessions_ended": ended}
    )
    return ended


async def create_account(
    *, session: AsyncSession, tools: AccountTools, principal: Principal, data: NewAccount
) -> Account:
    """An administrator creates an account for a citizen inside their scope; the initial
    password goes by SMS (until the enrollment context creates accounts on approval)."""
    pid = "".join((data.personal_id or "").split())
    if pid.isdigit():
        who = await identity(session=session, personal_id=pid)
        if who is not None and not covers_citizen(principal.scope, who):
            # The very answer create_account gives for an unknown personal ID.
            raise NotFound(N_("No citizen with this personal ID."), type="citizen-not-found")
    data = NewAccount(personal_id=pid, phone=data.phone, email=data.email, level=data.level)
    return await service.create_account(session=session, tools=tools, actor=principal, data=data)
