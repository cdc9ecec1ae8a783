"""Citizen sign-in: personal ID and password, then a second factor where the account has
one, then a fresh session on the web or in the app.

The steps keep their state in a short pending session whose id the browser (cookie) or the
app (bearer token) holds; the session id changes at every step. Failures are returned,
not raised, so that their audit events commit with the request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import factors, recovery_codes
from dinhdanh.accounts.devices import device_name, place_code
from dinhdanh.accounts.lean import (
    AnyAccount,
    account_for_sign_in,
    store_rehash,
)
from dinhdanh.accounts.models import TOTP_CONTEXT, Account
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    get_account,
    initial_password_expired,
    sms_to_holder,
)
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Executor
from dinhdanh.platform.errors import Problem, TooManyRequests, Unauthorized
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.sessions import SessionData

PENDING_SECONDS: Final = 300
# Session stages: waiting for the new password ("change"), for a second factor ("mfa"),
# signed in but locked ("locked", may unlock), signed in ("ok").
CHANGE, MFA, LOCKED, OK = "change", "mfa", "locked", "ok"


@dataclass
class Attempt:
    """Where a sign-in attempt comes from."""

    ip: str | None
    agent: str = ""
    channel: str = "web"  # or "app"
    app_device: str = ""  # the phone's name the app sends

    @property
    def device(self) -> str:
        """The device's display name."""
        return device_name(self.agent, app_device=self.app_device)


@dataclass
class Outcome:
    """A step's result: the session to hand to the client (its stage says what comes
    next), or the problem to show."""

    session: SessionData | None = None
    problem: Problem | None = None
    account: AnyAccount | None = None
    methods: list[str] = field(default_factory=list)
    restart: bool = False  # the pending sign-in is gone: start again from the password

    @property
    def stage(self) -> str | None:
        """What comes next: change, mfa, locked or ok."""
        return self.session.extra.get("st") if self.session else None


def bad_credentials() -> Unauthorized:
    """The one answer for an unknown personal ID and a wrong password."""
    return Unauthorized(
        N_("The personal ID or password is incorrect."),
        type="invalid-credentials",
        status=401,
        title=N_("Sign-in failed."),
    )


def expired_sign_in() -> Unauthorized:
    """The pending sign-in is gone (time, or never started): start again."""
    return Unauthorized(
        N_("Your sign-in has expired. Enter your personal ID and password again."),
        type="sign-in-expired",
    )


def wrong_code() -> Unauthorized:
    """A wrong, used or expired second-factor code."""
    return Unauthorized(
        N_("The code is not correct, or it was already used."),
        type="invalid-code",
        status=401,
        title=N_("Wrong code."),
    )


def citizen_actor(
    account: AnyAccount, *, ip: str | None, session_id: str | None = None
) -> Principal:
    """The principal of the holder acting on their own account."""
    return Principal(
        kind="citizen",
        id=str(account.id),
        citizen_id=account.citizen_id,
        roles=frozenset({"citizen"}),
        client_ip=ip,
        session_id=session_id,
    )


async def record_failure(
    session: Executor, account: AnyAccount | None, attempt: Attempt, step: str, reason: str
) -> None:
    """Audit a failed sign-in step (for an unknown personal ID, with no account)."""
    data = {"step": step, "reason": reason, "channel": attempt.channel}
    if account is None:
        await audit.record(
            session,
            actor=Principal.anonymous(attempt.ip),
            action="account.sign_in_failed",
            subject_type="account",
            data=data,
        )
    else:
        await audit_account(
            session, citizen_actor(account, ip=attempt.ip), "account.sign_in_failed", account, data
        )


async def _replace(
    tools: AccountTools,
    previous: SessionData | None,
    account: AnyAccount,
    attempt: Attempt,
    extra: dict[str, Any],
) -> SessionData:
    """A new session (new id) for the next step; the previous one ends."""
    if previous is not None:
        await tools.sessions_for(attempt.channel).destroy(previous)
    return await tools.sessions_for(attempt.channel).create(
        str(account.id), ip=attempt.ip, agent="", extra=extra
    )


def _pending(account: AnyAccount, stage: str, **more: Any) -> dict[str, Any]:
    return {"st": stage, "a": str(account.id), "at": clock.now().timestamp(), **more}


async def check_password(
    session: Executor,
    *,
    tools: AccountTools,
    personal_id: str,
    password: str,
    attempt: Attempt,
    previous_sid: str | None = None,
) -> Outcome:
    """Step 1: personal ID and password (or the initial password from the SMS)."""
    await tools.limiter.hit(tools.settings.login_rate_limit, "citizen-login", attempt.ip or "-")
    username = "".join((personal_id or "").split())[:12]
    try:
        had_failures = await tools.guard.check(username, attempt.ip)
    except TooManyRequests as locked_out:
        account = await account_for_sign_in(session, username) if username.isdigit() else None
        await record_failure(session, account, attempt, "password", "locked_out")
        return Outcome(problem=locked_out)
    account = await account_for_sign_in(session, username) if username.isdigit() else None
    matches, rehash = await tools.hasher.verify(
        account.password_hash if account else None, password or ""
    )
    if not matches or account is None:
        await tools.guard.failed(username, attempt.ip)
        await record_failure(
            session, account, attempt, "password", "unknown" if account is None else "bad_password"
        )
        return Outcome(problem=bad_credentials())
    if initial_password_expired(account):
        await record_failure(session, account, attempt, "password", "initial_expired")
        return Outcome(
            problem=Unauthorized(
                N_("Your initial password has expired. Ask the police office to send a new one."),
                type="initial-password-expired",
                status=401,
            )
        )
    if had_failures:
        await tools.guard.succeeded(username)
    if rehash:
        await store_rehash(session, account.id, await tools.hasher.hash(password))
    previous = await tools.sessions_for(attempt.channel).get(previous_sid, touch=False)
    if account.status == "pending" and account.locked:
        await record_failure(session, account, attempt, "password", "locked")
        return Outcome(
            problem=Problem(
                N_("Your account is locked. Go to a police office to have it reviewed."),
                type="account-locked",
                status=403,
            )
        )
    if account.status == "pending":
        pending = await _replace(tools, previous, account, attempt, _pending(account, CHANGE))
        return Outcome(session=pending, account=account)
    # A locked account always needs a second factor (a code to the phone at least): the
    # holder unlocks with password and second factor.
    methods = factors.methods_from(
        totp=bool(account.totp_secret_enc),
        passkey=account.has_passkey,
        sms=account.sms_otp or account.locked,
        recovery=account.has_recovery,
    )
    if methods:
        pending = await _replace(tools, previous, account, attempt, _pending(account, MFA))
        return Outcome(session=pending, account=account, methods=methods)
    done = await complete(
        session, tools=tools, account=account, attempt=attempt, previous=previous, method="password"
    )
    return Outcome(session=done, account=account)


async def pending_sign_in(
    session: AsyncSession, tools: AccountTools, sid: str | None, channel: str, stage: str
) -> tuple[SessionData, Account] | None:
    """The open pending step `stage` of this session id and its account."""
    data = await tools.sessions_for(channel).get(sid, touch=False) if sid else None
    if data is None or data.extra.get("st") != stage:
        return None
    if clock.now().timestamp() - float(data.extra.get("at", 0)) > PENDING_SECONDS:
        await tools.sessions_for(channel).destroy(data)
        return None
    return data, await get_account(session, data.extra["a"])


async def send_sign_in_code(
    session: AsyncSession, *, tools: AccountTools, sid: str | None, channel: str
) -> Account:
    """Send the sign-in (or unlock) code by SMS to the registered phone."""
    found = await pending_sign_in(session, tools, sid, channel, MFA)
    if found is None:
        raise expired_sign_in()
    _, account = found
    if "sms" not in await factors.methods_of(session, account, unlocking=account.locked):
        raise Problem(
            N_("Codes by SMS are not turned on for this account. Use your second factor."),
            type="sms-not-enabled",
            status=400,
        )
    code = await tools.codes.issue("signin", str(account.id))
    await sms_to_holder(
        session,
        account,
        N_(
            "dinhdanh: your sign-in code is %(code)s. It expires in 5 minutes. "
            "Never tell it to anyone, police included."
        ),
        code=code,
    )
    await audit_account(
        session, citizen_actor(account, ip=None), "account.sign_in_code_sent", account
    )
    return account


def _totp_secret(tools: AccountTools, account: Account) -> str:
    return tools.cipher.decrypt(account.totp_secret_enc or "", context=TOTP_CONTEXT)


def demo_code(tools: AccountTools, account: Account) -> str | None:
    """The authenticator code valid now, for demo mode's hint (None without an app)."""
    return (
        tools.totp.current_code(_totp_secret(tools, account)) if account.totp_secret_enc else None
    )


async def check_factor(
    session: AsyncSession, tools: AccountTools, account: Account, method: str, value: str
) -> bool:
    """True when `value` is a good TOTP, SMS or recovery code of the account (spent once)."""
    subject = str(account.id)
    if method == "totp" and account.totp_secret_enc:
        secret = _totp_secret(tools, account)
        return await tools.totp.verify(secret, value, subject=f"citizen:{subject}")
    if method == "sms":
        return await tools.codes.verify("signin", subject, value)
    if method == "recovery":
        return await recovery_codes.use_code(session, account, value)
    return False


async def check_second_factor(
    session: AsyncSession,
    *,
    tools: AccountTools,
    sid: str | None,
    method: str,
    value: str,
    attempt: Attempt,
) -> Outcome:
    """Step 2: a TOTP code, an SMS code or a recovery code (passkeys go through
    `passkeys.finish_sign_in`, which ends in `after_second_factor` too)."""
    found = await pending_sign_in(session, tools, sid, attempt.channel, MFA)
    if found is None:
        return Outcome(problem=expired_sign_in(), restart=True)
    pending, account = found
    key = account.personal_id
    try:
        await tools.code_guard.check(key, attempt.ip)
    except TooManyRequests as locked_out:
        await tools.sessions_for(attempt.channel).destroy(pending)
        await record_failure(session, account, attempt, method, "locked_out")
        return Outcome(problem=locked_out, restart=True)
    offered = await factors.methods_of(session, account, unlocking=account.locked)
    # Only a factor the account has: no SMS code in place of its authenticator app.
    if method not in offered or not await check_factor(session, tools, account, method, value):
        await tools.code_guard.failed(key, attempt.ip)
        await record_failure(session, account, attempt, method, "bad_code")
        return Outcome(
            problem=wrong_code(),
            account=account,
            methods=offered,
        )
    await tools.code_guard.succeeded(key)
    return await after_second_factor(
        session, tools=tools, pending=pending, account=account, attempt=attempt, method=method
    )


async def after_second_factor(
    session: AsyncSession,
    *,
    tools: AccountTools,
    pending: SessionData | None,
    account: Account,
    attempt: Attempt,
    method: str,
) -> Outcome:
    """Both factors are good: signed in, or (locked account) at the unlock question."""
    if account.locked:
        locked = await _replace(
            tools, pending, account, attempt, _pending(account, LOCKED, m=method)
        )
        return Outcome(session=locked, account=account)
    done = await complete(
        session, tools=tools, account=account, attempt=attempt, previous=pending, method=method
    )
    return Outcome(session=done, account=account)


async def complete(
    session: Executor,
    *,
    tools: AccountTools,
    account: AnyAccount,
    attempt: Attempt,
    previous: SessionData | None,
    method: str,
) -> SessionData:
    """Open the signed-in session (a new id). In the app, by default, the other app
    devices are signed out: one app device at a time, as the national app does."""
    store = tools.sessions_for(attempt.channel)
    if previous is not None:
        await store.destroy(previous)
    ended = 0
    if attempt.channel == "app" and tools.settings.app_single_device:
        ended = await store.destroy_all(str(account.id))
    place = place_code(attempt.ip)
    data = await store.create(
        str(account.id),
        ip=attempt.ip,
        extra={
            "st": OK,
            "c": str(account.citizen_id),
            "lvl": account.level,
            # The factors used: OpenID Connect reports them to services (`amr`).
            "m": method,
            "ch": attempt.channel,
            "dev": attempt.device,
            "pl": place,
        },
    )
    await audit_account(
        session,
        citizen_actor(account, ip=attempt.ip, session_id=data.id),
        "account.signed_in",
        account,
        {
            "method": method,
            "channel": attempt.channel,
            "device": attempt.device,
            "place": place,
            "other_app_devices_signed_out": ended,
        },
    )
    return data


def principal_of(data: SessionData, *, ip: str | None) -> Principal | None:
    """The citizen principal of a signed-in session; None for a pending one."""
    if data.extra.get("st") != OK:
        return None
    return Principal(
        kind="citizen",
        id=data.subject,
        citizen_id=uuid.UUID(data.extra["c"]),
        roles=frozenset({"citizen", f"level{data.extra.get('lvl', 1)}"}),
        client_ip=ip,
        session_id=data.id,
    )


async def sign_out(
    session: AsyncSession, *, tools: AccountTools, sid: str | None, channel: str, ip: str | None
) -> None:
    """End the caller's session (recorded when it was a signed-in one)."""
    store = tools.sessions_for(channel)
    data = await store.get(sid, touch=False) if sid else None
    if data is None:
        return
    await store.destroy(data)
    if data.extra.get("st") == OK:
        account = await get_account(session, data.subject)
        await audit_account(
            session,
            citizen_actor(account, ip=ip),
            "account.signed_out",
            account,
            {"channel": channel},
        )
