"""Accounts: creation with an initial password by SMS, activation, password and passcode.

Sign-in lives in `signin.py`, locks in `locks.py`, second factors in `factors.py` and
`passkeys.py`, devices in `devices.py`. Every operation takes `session` (the unit of work)
and `actor` keyword arguments, only flushes, and writes its audit event with the
citizen's id so the holder's activity log finds it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.codes import OneTimeCodes
from dinhdanh.accounts.lean import SignInAccount
from dinhdanh.accounts.models import Account
from dinhdanh.platform import audit, clock, outbox
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.credentials import LoginGuard, PasswordHasher, Totp
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.db import Executor
from dinhdanh.platform.errors import (
    Conflict,
    NotFound,
    ValidationProblem,
    field_error,
)
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.kv import KeyValue
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.platform.sessions import SessionStore
from dinhdanh.population import personal_id as pid_rules
from dinhdanh.population.identity import Identity, identity
from dinhdanh.population.rules import Checker, RuleError

# Unambiguous characters (no 0/O, 1/l/I): the initial password is typed from an SMS.
_INITIAL_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
_INITIAL_LENGTH: Final = 12
# Vietnamese mobile numbers: 0 + 9 digits, networks 03, 05, 07, 08, 09.
_MOBILE = re.compile(r"0[35789]\d{8}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,24}")


@dataclass
class AccountTools:
    """The machinery account operations use (app.state's, or a test's)."""

    kv: KeyValue
    hasher: PasswordHasher
    totp: Totp
    cipher: FieldCipher
    guard: LoginGuard  # password sign-in, per personal ID and per address
    code_guard: LoginGuard  # second factors, passcode, one-time codes
    web_sessions: SessionStore
    app_sessions: SessionStore
    limiter: RateLimiter
    codes: OneTimeCodes
    settings: Any

    @property
    def stores(self) -> tuple[SessionStore, SessionStore]:
        """Both session stores: web and app."""
        return self.web_sessions, self.app_sessions

    def sessions_for(self, channel: str) -> SessionStore:
        """The session store of a channel ('web' or 'app')."""
        return self.app_sessions if channel == "app" else self.web_sessions


def make_tools(
    *,
    settings: Any,
    kv: KeyValue,
    hasher: PasswordHasher,
    totp: Totp,
    cipher: FieldCipher,
    limiter: RateLimiter,
) -> AccountTools:
    """Build the account tools from settings (the app factory and the benchmarks call it)."""
    return AccountTools(
        kv=kv,
        hasher=hasher,
        totp=totp,
        cipher=cipher,
        guard=settings.login_guard(kv, "citizen"),
        code_guard=settings.login_guard(kv, "citizen-code"),
        web_sessions=SessionStore(
            kv,
            ttl=settings.citizen_session_ttl_seconds,
            idle=settings.citizen_session_idle_seconds,
            namespace="cw",
        ),
        app_sessions=SessionStore(
            kv,
            ttl=settings.app_session_ttl_seconds,
            idle=settings.app_session_idle_seconds,
            namespace="ca",
        ),
        limiter=limiter,
        codes=OneTimeCodes(kv, ttl=settings.one_time_code_seconds),
        settings=settings,
    )


async def audit_account(
    session: Executor,
    actor: Principal,
    action: str,
    account: Account | SignInAccount,
    data: dict[str, Any] | None = None,
) -> None:
    """One audit event about an account, carrying the citizen's id for their activity log."""
    await audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="account",
        subject_id=str(account.id),
        citizen_id=account.citizen_id,
        data=data,
    )


# ---------------------------------------------------------------- look-ups


def _account_not_found() -> NotFound:
    return NotFound(N_("No account with this reference."), type="account-not-found")


async def get_account(session: AsyncSession, account_id: uuid.UUID | str) -> Account:
    """The account with this id, or NotFound."""
    try:
        aid = account_id if isinstance(account_id, uuid.UUID) else uuid.UUID(str(account_id))
    except ValueError:
        raise _account_not_found() from None
    account = await session.get(Account, aid)
    if account is None:
        raise _account_not_found()
    return account


async def find_account(session: AsyncSession, personal_id: str) -> Account | None:
    """The account whose username is this personal ID, if any."""
    return await session.scalar(select(Account).where(Account.personal_id == personal_id))


async def account_of_citizen(session: AsyncSession, citizen_id: uuid.UUID) -> Account | None:
    """The account of a citizen, if they have one."""
    return await session.scalar(select(Account).where(Account.citizen_id == citizen_id))


async def holder(session: AsyncSession, account: Account) -> Identity:
    """The registry identity of the account's holder."""
    who = await identity(session=session, citizen_id=account.citizen_id)
    assert who is not None  # the foreign key guarantees it
    return who


async def sms_to_holder(
    session: AsyncSession, account: Account, message: str, **params: Any
) -> None:
    """Queue an SMS to the account's registered phone: `message` a msgid (marked with N_),
    translated now and filled with `params`."""
    await outbox.enqueue(
        session, channel="sms", recipient=account.phone, body=gettext(message, **params)
    )


# ---------------------------------------------------------------- contact data


def clean_phone(value: str) -> str | None:
    """A Vietnamese mobile number as 0xxxxxxxxx (from +84…, 84… or 0…); None if not one."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def clean_email(value: str | None) -> str | None:
    """An e-mail address, trimmed; '' for none; None when it is not an address."""
    value = (value or "").strip()
    if not value:
        return ""
    ok = _EMAIL.fullmatch(value) and len(value) <= 254 and value.isprintable()
    return value if ok else None


def check_phone(value: str) -> str:
    """A Vietnamese mobile number as 0xxxxxxxxx, else RuleError."""
    phone = clean_phone(value)
    if phone is None:
        raise RuleError(N_("Enter a Vietnamese mobile number (10 digits)."))
    return phone


def check_email(value: str | None) -> str | None:
    """An e-mail address, or None for none; RuleError when it is not an address."""
    email = clean_email(value)
    if email is None:
        raise RuleError(N_("Enter a valid e-mail address, or leave it empty."))
    return email or None


def mask_phone(phone: str) -> str:
    """0912***678: enough for the holder to recognise the number."""
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 8 else "***"


# ---------------------------------------------------------------- creation


@dataclass
class NewAccount:
    """What creating an account needs."""

    personal_id: str
    phone: str
    email: str = ""
    level: int = 2


def _check_new(data: NewAccount) -> tuple[str, str, str | None]:
    checker = Checker()
    pid = (data.personal_id or "").strip()
    try:
        pid_rules.validate(pid)
    except pid_rules.InvalidPersonalId:
        checker.add("personal_id", N_("Enter a valid 12-digit personal ID."))
    phone = checker.check("phone", check_phone, data.phone)
    email = checker.check("email", check_email, data.email)
    if data.level not in (1, 2):
        checker.add("level", N_("The level is 1 or 2."))
    checker.raise_if_any()
    assert phone is not None
    return pid, phone, email


async def create_account(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, data: NewAccount
) -> Account:
    """Create a citizen's account and send the initial password by SMS (the office's step,
    until the enrollment context calls this on approval)."""
    pid, phone, email = _check_new(data)
    who = await identity(session=session, personal_id=pid)
    if who is None:
        raise NotFound(N_("No citizen with this personal ID."), type="citizen-not-found")
    if who.status != "living":
        raise Conflict(N_("This citizen is recorded as deceased."), type="citizen-deceased")
    if await account_of_citizen(session, who.id) is not None:
        raise Conflict(N_("This citizen already has an account."), type="account-exists")
    account = Account(
        citizen_id=who.id,
        personal_id=who.personal_id,
        level=data.level,
        status="pending",
        locked=False,
        phone=phone,
        email=email,
        sms_otp=False,
        passkey_sign_in=True,
        created_by=actor.id,
    )
    session.add(account)
    await session.flush()
    await audit_account(session, actor, "account.created", account, {"level": data.level})
    await send_initial_password(session=session, tools=tools, actor=actor, account=account)
    return account


def _initial_password() -> str:
    return "".join(secrets.choice(_INITIAL_ALPHABET) for _ in range(_INITIAL_LENGTH))


async def send_initial_password(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account
) -> None:
    """A new single-use initial password by SMS: the old password stops working, every
    session ends, and the holder must choose a new password at the next sign-in."""
    password = _initial_password()
    hours = tools.settings.initial_password_hours
    account.password_hash = await tools.hasher.hash(password)
    account.status = "pending"
    account.initial_password_expires_at = clock.now() + dt.timedelta(hours=hours)
    await sms_to_holder(
        session,
        account,
        N_(
            "dinhdanh: the initial password of e-ID account %(user)s is %(password)s. "
            "It works once, for %(hours)s hours. Never share it."
        ),
        user=pid_rules.mask(account.personal_id),
        password=password,
        hours=hours,
    )
    await end_all_sessions(tools, account)
    await audit_account(
        session,
        actor,
        "account.initial_password_sent",
        account,
        {"phone": mask_phone(account.phone)},
    )


async def end_all_sessions(tools: AccountTools, account: Account) -> int:
    """End every session of the account, web and app; how many ended."""
    subject = str(account.id)
    return await tools.web_sessions.destroy_all(subject) + await tools.app_sessions.destroy_all(
        subject
    )


def initial_password_expired(account: Account) -> bool:
    """True when a pending account's initial password is past its time."""
    expires = account.initial_password_expires_at
    return account.status == "pending" and expires is not None and expires < clock.now()


async def end_other_sessions(tools: AccountTools, account: Account, *, keep: str | None) -> int:
    """End every session of the account but `keep` (the caller's)."""
    ended = 0
    for store in tools.stores:
        for data in await store.list_for(str(account.id)):
            if data.id != keep:
                await store.destroy(data)
                ended += 1
    return ended


async def set_level(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account, level: int
) -> None:
    """Raise or lower the account's level (an officer's upgrade to 2 at the office). A change
    of privilege: every session ends, and the next sign-in carries the new level."""
    if level not in (1, 2):
        raise ValidationProblem(errors=[field_error("level", N_("The level is 1 or 2."))])
    if level == account.level:
        return
    before, account.level = account.level, level
    ended = await end_all_sessions(tools, account)
    await audit_account(
        session,
        actor,
        "account.level_changed",
        account,
        {"from": before, "to": level, "sessions_ended": ended},
    )
