"""Forgotten password: personal ID, a one-time code to the registered phone, then a second
factor, then a new password. Never by an e-mail link alone; an account without a second
factor is reset at the police office (an officer sends a new initial password).

The steps share a short-lived reset state in the key-value store, named by a random token
the browser keeps in a cookie (the app keeps it as its bearer). An unknown personal ID gets
a state too, so the answers do not tell whether an account exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import factors, signin
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.passwords import check_new_secrets, check_passwords_match
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    end_all_sessions,
    find_account,
    get_account,
    sms_to_holder,
)
from dinhdanh.platform import clock
from dinhdanh.platform.errors import TooManyRequests, Unauthorized
from dinhdanh.platform.i18n import N_

RESET_SECONDS: Final = 600
# The second factors a reset accepts (the SMS code was its first factor).
RESET_FACTORS: Final = ("totp", "recovery")
CODE, FACTOR, NEW_PASSWORD, OFFICE = "code", "factor", "password", "office"


@dataclass
class ResetState:
    """Where a reset stands: its step, and the account (None for an unknown ID)."""

    token: str
    step: str
    account_id: str | None


def _key(token: str) -> str:
    return f"reset:{token}"


async def _save(tools: AccountTools, state: ResetState) -> None:
    payload = orjson.dumps([state.step, state.account_id])
    await tools.kv.set(_key(state.token), payload, ttl=RESET_SECONDS)


async def load(tools: AccountTools, token: str | None) -> ResetState | None:
    """The reset state of a token, if still open."""
    if not token or len(token) > 64:
        return None
    raw = await tools.kv.get(_key(token))
    if raw is None:
        return None
    step, account_id = orjson.loads(raw)
    return ResetState(token, step, account_id)


def expired() -> Unauthorized:
    """The reset is gone (time, or too many wrong codes): start again."""
    return Unauthorized(
        N_("This password reset has expired. Start again."), type="reset-expired", status=400
    )


async def start(
    session: AsyncSession, *, tools: AccountTools, personal_id: str, ip: str | None
) -> ResetState:
    """Step 1: a code by SMS to the registered phone, if an active account has this ID."""
    await tools.limiter.hit(tools.settings.login_rate_limit, "reset", ip or "-")
    username = "".join((personal_id or "").split())[:12]
    account = await find_account(session, username) if username.isdigit() else None
    usable = account is not None and account.status == "active"
    state = ResetState(secrets.token_urlsafe(24), CODE, str(account.id) if usable else None)
    if usable:
        try:
            code = await tools.codes.issue("reset", str(account.id))
        except TooManyRequests:
            code = None  # a code went out seconds ago: that one still works
        if code is not None:
            await sms_to_holder(
                session,
                account,
                N_(
                    "dinhdanh: the code to reset your e-ID password is %(code)s. It expires in "
                    "5 minutes. Did not ask? Ignore this message; your password is unchanged."
                ),
                code=code,
            )
        await audit_account(
            session, signin.citizen_actor(account, ip=ip), "account.password_reset_started", account
        )
    await _save(tools, state)
    return state


async def check_code(
    session: AsyncSession, *, tools: AccountTools, state: ResetState, code: str, ip: str | None
) -> tuple[ResetState, list[str]]:
    """Step 2: the SMS code; then the second factors the account can use (none: office)."""
    if state.step != CODE:
        raise expired()
    subject = state.account_id or f"unknown:{state.token}"

    async def right_code() -> bool:
        return state.account_id is not None and await tools.codes.verify("reset", subject, code)

    if not await tools.code_guard.attempt(f"reset:{subject}", ip, right_code):
        raise signin.wrong_code()
    account = await get_account(session, subject)
    methods = [m for m in await factors.methods_of(session, account) if m in RESET_FACTORS]
    state.step = FACTOR if methods else OFFICE
    await _save(tools, state)
    return state, methods


async def check_factor(
    session: AsyncSession,
    *,
    tools: AccountTools,
    state: ResetState,
    method: str,
    value: str,
    ip: str | None,
) -> ResetState:
    """Step 3: a TOTP code or a recovery code (the SMS code was the first factor)."""
    if state.step != FACTOR or state.account_id is None:
        raise expired()
    account = await get_account(session, state.account_id)

    async def right_factor() -> bool:
        return method in RESET_FACTORS and await signin.check_factor(
            session, tools, account, method, value
        )

    if not await tools.code_guard.attempt(f"reset:{account.id}", ip, right_factor):
        raise signin.wrong_code()
    state.step = NEW_PASSWORD
    await _save(tools, state)
    return state


async def set_password(
    session: AsyncSession,
    *,
    tools: AccountTools,
    state: ResetState,
    password: str,
    again: str | None = None,
    ip: str | None,
) -> Account:
    """Step 4: the new password; every session ends and the holder is told by SMS."""
    if state.step != NEW_PASSWORD or state.account_id is None:
        raise expired()
    account = await get_account(session, state.account_id)
    check_passwords_match(password, again)
    await check_new_secrets(session, account, password=password, passcode=None)
    account.password_hash = await tools.hasher.hash(password)
    account.password_changed_at = clock.now()
    ended = await end_all_sessions(tools, account)
    await tools.guard.unlock(account.personal_id)
    await tools.kv.delete(_key(state.token))
    await sms_to_holder(
        session,
        account,
        N_("dinhdanh: the password of your e-ID account was reset. Not you? Lock it now."),
    )
    await audit_account(
        session,
        signin.citizen_actor(account, ip=ip),
        "account.password_reset",
        account,
        {"sessions_ended": ended},
    )
    return account
