"""Locking and unlocking an account (Law on Identity Art. 34; Decree 69 Art. 15, 30).

An account is locked while any of its locks is open; each lock names its legal reason and
who set it. The holder locks at once ("panic lock") and unlocks with password and second
factor; an officer locks with a legal reason and unlocks at the office; the registry locks
on a death or a revoked or seized card and unlocks when that reason ends. Every lock ends
all sessions and publishes `account.locked`, through which later features (tokens,
shares) are cut.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.models import (
    AUTOMATIC_LOCK_REASONS,
    LOCK_REASONS,
    OFFICER_LOCK_REASONS,
    Account,
    AccountLock,
)
from dinhdanh.accounts.service import (
    AccountTools,
    account_of_citizen,
    audit_account,
    end_all_sessions,
    sms_to_holder,
)
from dinhdanh.platform import clock, events
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, Forbidden, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.text import clean_text

REASON_LABELS = {
    "holder_request": N_("At the holder's request"),
    "terms_breach": N_("Breach of the terms of use"),
    "card_revoked": N_("ID card revoked"),
    "card_seized": N_("ID card seized"),
    "death": N_("The holder has died"),
    "authority_request": N_("Request of a competent authority"),
}


async def open_locks(session: AsyncSession, account: Account) -> list[AccountLock]:
    """The account's locks still in force, oldest first."""
    rows = await session.scalars(
        select(AccountLock)
        .where(AccountLock.account_id == account.id, AccountLock.unlocked_at.is_(None))
        .order_by(AccountLock.locked_at)
    )
    return list(rows)


async def lock_history(session: AsyncSession, account: Account) -> list[AccountLock]:
    """Every lock of the account, newest first."""
    rows = await session.scalars(
        select(AccountLock)
        .where(AccountLock.account_id == account.id)
        .order_by(AccountLock.locked_at.desc())
    )
    return list(rows)


def _by_kind(actor: Principal) -> str:
    return {"citizen": "holder", "staff": "officer"}.get(actor.kind, "system")


async def lock(
    *,
    session: AsyncSession,
    tools: AccountTools | None,
    actor: Principal,
    account: Account,
    reason: str,
    note: str = "",
    by_kind: str | None = None,
) -> AccountLock | None:
    """Lock the account for `reason`; None when a lock for that reason is already open.

    `tools` may be None in a registry event handler that has no session store at hand:
    the sessions then end at their next use, which checks `account.locked`. `by_kind`
    names who set the lock when it is not the actor's kind ("system": the registry, on an
    event an officer recorded)."""
    if reason not in LOCK_REASONS:
        raise ValidationProblem(errors=[field_error("reason", N_("Choose a legal reason."))])
    for existing in await open_locks(session, account):
        if existing.reason == reason:
            return None
    entry = AccountLock(
        account_id=account.id,
        reason=reason,
        note=clean_text(note)[:500],
        locked_by_kind=by_kind or _by_kind(actor),
        locked_by=actor.id,
        locked_unit=actor.unit_code,
    )
    session.add(entry)
    account.locked = True
    await session.flush()
    ended = await end_all_sessions(tools, account) if tools else 0
    await events.publish(
        session,
        events.ACCOUNT_LOCKED,
        actor=actor,
        account_id=account.id,
        citizen_id=account.citizen_id,
    )
    await sms_to_holder(
        session,
        account,
        N_("dinhdanh: your e-ID account is locked (%(reason)s). Every session was signed out."),
        reason=gettext(REASON_LABELS[reason]),
    )
    await audit_account(
        session,
        actor,
        "account.locked",
        account,
        {"reason": reason, "by": entry.locked_by_kind, "sessions_ended": ended, "note": entry.note},
    )
    return entry


def holder_may_lift(lock: AccountLock) -> bool:
    """The holder lifts online only what they set online: a lock the police set, even "at
    the holder's request" at the office, is lifted at the office."""
    return lock.reason == "holder_request" and lock.locked_by_kind == "holder"


def officer_may_lift(lock: AccountLock) -> bool:
    """An officer lifts any lock but the registry's own, which ends with its fact."""
    return not (lock.reason in AUTOMATIC_LOCK_REASONS and lock.locked_by_kind == "system")


async def _close(
    session: AsyncSession,
    actor: Principal,
    account: Account,
    locks: list[AccountLock],
    note: str,
    *,
    open_now: list[AccountLock],
    by_kind: str | None = None,
) -> None:
    """Lift `locks` (some of `open_now`, the account's open locks)."""
    now = clock.now()
    by_kind = by_kind or _by_kind(actor)
    for entry in locks:
        entry.unlocked_at, entry.unlocked_by = now, actor.id
        entry.unlocked_by_kind, entry.unlock_note = by_kind, clean_text(note)[:500]
    account.locked = any(x not in locks for x in open_now)
    await session.flush()
    await audit_account(
        session,
        actor,
        "account.unlocked",
        account,
        {
            "reasons": [x.reason for x in locks],
            "by": by_kind,
            "still_locked": account.locked,
        },
    )
    if not account.locked:
        await sms_to_holder(session, account, N_("dinhdanh: your e-ID account is unlocked."))


async def panic_lock(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account
) -> None:
    """The holder locks their own account at once: every session ends."""
    await lock(session=session, tools=tools, actor=actor, account=account, reason="holder_request")


async def holder_unlock(*, session: AsyncSession, actor: Principal, account: Account) -> None:
    """The holder lifts their own lock (after password and second factor). Locks set by the
    police or the registry stay: those are lifted at the office or when the reason ends."""
    locks = await open_locks(session, account)
    own = [x for x in locks if holder_may_lift(x)]
    if len(own) != len(locks):
        raise Forbidden(
            N_(
                "Your account is locked by the police or the registry. Go to a police office "
                "to have it unlocked."
            ),
            type="locked-by-authority",
        )
    if not own:
        raise Conflict(N_("The account is not locked."), type="not-locked")
    await _close(session, actor, account, own, "", open_now=locks)


async def officer_lock(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    reason: str,
    note: str,
) -> AccountLock:
    """An officer locks with a legal reason (a note is required for the record)."""
    errors = []
    if reason not in OFFICER_LOCK_REASONS:
        errors.append(field_error("reason", N_("Choose a legal reason.")))
    if not clean_text(note):
        errors.append(field_error("note", N_("Write the grounds (request, decision number).")))
    if errors:
        raise ValidationProblem(errors=errors)
    entry = await lock(
        session=session, tools=tools, actor=actor, account=account, reason=reason, note=note
    )
    if entry is None:
        raise Conflict(N_("The account is already locked for this reason."), type="already-locked")
    return entry


async def officer_unlock(
    *, session: AsyncSession, actor: Principal, account: Account, lock_id: str, note: str
) -> None:
    """An officer lifts one lock at the office; the registry's own reasons (death, card)
    end only with the fact."""
    try:
        wanted = uuid.UUID(lock_id)
    except ValueError:
        wanted = None
    open_now = await open_locks(session, account)
    locks = [x for x in open_now if x.id == wanted]
    if not locks:
        raise Conflict(N_("This lock is no longer in force."), type="not-locked")
    if not officer_may_lift(locks[0]):
        raise Forbidden(
            N_("This lock ends by itself when its reason ends in the registry."),
            type="automatic-lock",
        )
    if not clean_text(note):
        raise ValidationProblem(
            errors=[field_error("note", N_("Write the grounds (request, decision number)."))]
        )
    await _close(session, actor, account, locks, note, open_now=open_now)


# ---------------------------------------------------------------- the registry's events


async def _system_lock(
    session: AsyncSession, actor: Principal, citizen_id: uuid.UUID, reason: str
) -> None:
    account = await account_of_citizen(session, citizen_id)
    if account is not None:
        # The registry sets this lock (the officer who recorded the fact is in the audit
        # event): it ends with the fact, not by an officer's unlock.
        await lock(
            session=session,
            tools=None,
            actor=actor,
            account=account,
            reason=reason,
            by_kind="system",
        )


async def _system_unlock(
    session: AsyncSession, actor: Principal, citizen_id: uuid.UUID, reasons: tuple[str, ...]
) -> None:
    account = await account_of_citizen(session, citizen_id)
    if account is None:
        return
    open_now = await open_locks(session, account)
    ending = [x for x in open_now if x.reason in reasons and x.locked_by_kind == "system"]
    if ending:
        await _close(session, actor, account, ending, "", open_now=open_now, by_kind="system")


@events.subscribe(events.CITIZEN_DIED)
async def on_death(*, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID) -> None:
    """A death recorded in the registry locks the account."""
    await _system_lock(session, actor, citizen_id, "death")


@events.subscribe(events.CARD_REVOKED)
async def on_card_revoked(
    *, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID, reason: str
) -> None:
    """A revoked or seized card locks the account."""
    await _system_lock(
        session, actor, citizen_id, "card_seized" if reason == "seized" else "card_revoked"
    )


@events.subscribe(events.CARD_RESTORED)
async def on_card_restored(
    *, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID
) -> None:
    """A seized card handed back ends the seizure lock."""
    await _system_unlock(session, actor, citizen_id, ("card_seized",))


@events.subscribe(events.CARD_ISSUED)
async def on_card_issued(*, session: AsyncSession, actor: Principal, citizen_id: uuid.UUID) -> None:
    """A new valid card ends the locks of the revoked or seized one."""
    await _system_unlock(session, actor, citizen_id, ("card_revoked", "card_seized"))
