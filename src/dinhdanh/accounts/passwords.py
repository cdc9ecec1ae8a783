"""The holder's secrets: the password (first chosen at activation, then changed) and the
app's 6-digit passcode, checked against the rules and the holder's own data."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    end_other_sessions,
    holder,
    sms_to_holder,
)
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, Unauthorized, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.passwords import password_errors
from dinhdanh.population import names
from dinhdanh.population.identity import Identity


def personal_data(who: Identity, account: Account) -> list[str]:
    """The holder's own data a password or passcode must not contain."""
    b = who.birth
    pieces = [who.personal_id, str(b.year), account.phone, account.phone[-6:]]
    pieces += [who.family_name, who.middle_name, who.given_name]
    if b.month and b.day:
        dd, mm, yy, yyyy = f"{b.day:02d}", f"{b.month:02d}", f"{b.year % 100:02d}", str(b.year)
        pieces += [dd + mm + yyyy, yyyy + mm + dd, dd + mm + yy, yy + mm + dd]
    return [p for p in pieces if p]


def _fold(text: str) -> str:
    # Accent-free lower case, letters and digits only: "Nguyễn Văn Đức" -> "nguyenvanduc".
    return "".join(ch for ch in names.fold(text) if ch.isalnum())


def personal_data_errors(password: str, personal: Iterable[str]) -> list[str]:
    """A message when the password contains the holder's own data: ID, birth date, name
    parts, phone (accents and case ignored; pieces shorter than 4 characters are not checked,
    so a 3-letter name does not ban every password holding it)."""
    folded = _fold(password)
    for piece in personal:
        piece_folded = _fold(piece)
        if len(piece_folded) >= 4 and piece_folded in folded:
            return [N_("The password must not contain your ID, birth date, name or phone.")]
    return []


def citizen_password_errors(password: str, personal: Iterable[str]) -> list[str]:
    """The citizen's rule: the common rule, and none of the holder's own data."""
    return password_errors(password, "") + personal_data_errors(password, personal)


def passcode_errors(passcode: str, personal: Iterable[str]) -> list[str]:
    """The app's 6-digit passcode: digits only, not one digit repeated, not a run
    (123456, 654321), not a date the holder is known by (birth date as ddmmyy or yymmdd)."""
    if len(passcode) != 6 or not passcode.isdigit():
        return [N_("The passcode is exactly 6 digits.")]
    steps = {int(b) - int(a) for a, b in itertools.pairwise(passcode)}
    if len(set(passcode)) <= 2 or steps in ({1}, {-1}):
        return [N_("This passcode is too easy to guess. Choose another.")]
    if any(passcode in _fold(piece) for piece in personal if len(_fold(piece)) >= 6):
        return [N_("The passcode must not be your birth date, ID or phone number.")]
    return []


def check_passwords_match(password: str, again: str | None) -> None:
    """The password typed twice must be the same (the app sends it once: `again` None)."""
    if again is not None and password != again:
        raise ValidationProblem(
            errors=[field_error("password2", N_("The two passwords are not the same."))]
        )


async def check_new_secrets(
    session: AsyncSession, account: Account, *, password: str | None, passcode: str | None
) -> None:
    """Refuse a weak new password or passcode, naming the field."""
    personal = personal_data(await holder(session, account), account)
    errors = []
    if password is not None:
        errors += [field_error("password", m) for m in citizen_password_errors(password, personal)]
    if passcode is not None:
        errors += [field_error("passcode", m) for m in passcode_errors(passcode, personal)]
    if errors:
        raise ValidationProblem(errors=errors)


async def activate(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    password: str,
    passcode: str,
    again: str | None = None,
) -> None:
    """First sign-in: the initial password is replaced by the holder's own, with a passcode."""
    if account.status != "pending":
        raise Conflict(N_("This account is already activated."), type="already-activated")
    check_passwords_match(password, again)
    await check_new_secrets(session, account, password=password, passcode=passcode)
    account.password_hash = await tools.hasher.hash(password)
    account.passcode_hash = await tools.hasher.hash(passcode)
    now = clock.now()
    first = account.activated_at is None
    account.status, account.initial_password_expires_at = "active", None
    account.password_changed_at = now
    account.activated_at = account.activated_at or now
    await audit_account(session, actor, "account.activated", account, {"first": first})


async def confirm_password(tools: AccountTools, account: Account, password: str) -> None:
    """Re-check the holder's password before a sensitive change (counted as a failure)."""

    async def matches() -> bool:
        return (await tools.hasher.verify(account.password_hash, password))[0]

    if not await tools.code_guard.attempt(f"pw:{account.id}", None, matches):
        raise Unauthorized(N_("The password is incorrect."), type="wrong-password", status=403)


async def change_password(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    current: str,
    new: str,
    again: str | None = None,
) -> int:
    """Change the password: the current one first; every other session ends. Returns how
    many other sessions ended."""
    check_passwords_match(new, again)
    await confirm_password(tools, account, current)
    await check_new_secrets(session, account, password=new, passcode=None)
    account.password_hash = await tools.hasher.hash(new)
    account.password_changed_at = clock.now()
    ended = await end_other_sessions(tools, account, keep=actor.session_id)
    await sms_to_holder(
        session,
        account,
        N_("dinhdanh: the password of your e-ID account was changed. Not you? Lock it now."),
    )
    await audit_account(
        session, actor, "account.password_changed", account, {"sessions_ended": ended}
    )
    return ended


async def verify_passcode(tools: AccountTools, account: Account, passcode: str) -> bool:
    """Check the app passcode (5 failures lock it out for a while, like a password)."""

    async def matches() -> bool:
        return (await tools.hasher.verify(account.passcode_hash, passcode))[0]

    return await tools.code_guard.attempt(f"passcode:{account.id}", None, matches)


async def open_app(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account, passcode: str
) -> bool:
    """The app opens with the passcode; a wrong one is written to the activity log."""
    ok = await verify_passcode(tools, account, passcode)
    if not ok:
        await audit_account(session, actor, "account.passcode_failed", account)
    return ok


async def change_passcode(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    password: str,
    passcode: str,
) -> None:
    """Set a new 6-digit passcode, confirmed with the password."""
    await confirm_password(tools, account, password)
    await check_new_secrets(session, account, password=None, passcode=passcode)
    account.passcode_hash = await tools.hasher.hash(passcode)
    await audit_account(session, actor, "account.passcode_changed", account)
