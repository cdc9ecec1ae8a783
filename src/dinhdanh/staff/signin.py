"""Staff sign-in: password, then TOTP, then a fresh verified session.

Failures are returned, not raised: the audit event of a failed or locked-out attempt must
commit with the request's unit of work even though the caller is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.credentials import LoginGuard, PasswordHasher, Totp
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Problem, TooManyRequests, Unauthorized
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.platform.sessions import SessionData, SessionStore, staff_payload
from dinhdanh.staff.directory import acting_as, audit_staff
from dinhdanh.staff.models import TOTP_CONTEXT, Staff, Unit
from dinhdanh.staff.units import scope_for

PENDING_SECONDS: Final = 300


@dataclass
class SignInTools:
    """The credential machinery sign-in uses (app.state's, or a test's)."""

    hasher: PasswordHasher
    totp: Totp
    guard: LoginGuard
    sessions: SessionStore
    cipher: FieldCipher
    limiter: RateLimiter
    rate_limit: str

    @classmethod
    def from_state(cls, state: Any) -> SignInTools:
        """Collect the tools from `app.state`."""
        return cls(
            hasher=state.hasher,
            totp=state.totp,
            guard=state.staff_guard,
            sessions=state.staff_sessions,
            cipher=state.cipher,
            limiter=state.limiter,
            rate_limit=state.settings.login_rate_limit,
        )


@dataclass
class Attempt:
    """Where a sign-in attempt comes from."""

    ip: str | None
    agent: str = ""


@dataclass
class Outcome:
    """A step's result: a session on success, else the problem to show."""

    session: SessionData | None = None
    problem: Problem | None = None
    staff: Staff | None = None  # who signed in; after a wrong code, who is still pending
    restart: bool = False  # the pending sign-in is gone: start again at the password step


def bad_credentials() -> Unauthorized:
    """The one answer for an unknown user and a wrong password."""
    return Unauthorized(
        N_("The username or password is incorrect."), type="invalid-credentials", status=401
    )


def _disabled() -> Problem:
    return Problem(
        N_("This account is disabled. Contact your administrator."),
        type="account-disabled",
        status=403,
    )


def _expired() -> Problem:
    return Unauthorized(
        N_("Your sign-in has expired. Enter your username and password again."),
        type="sign-in-expired",
    )


def _wrong_code() -> Problem:
    return Unauthorized(
        N_("The code is not correct, or it was already used. Wait for the next code."),
        type="invalid-totp",
    )


def _actor(staff: Staff | None, attempt: Attempt) -> Principal:
    if staff is None:
        return Principal.anonymous(attempt.ip)
    return acting_as(staff, attempt.ip)


async def _record(
    session: AsyncSession,
    action: str,
    staff: Staff | None,
    attempt: Attempt,
    **data: Any,
) -> None:
    await audit_staff(session, _actor(staff, attempt), action, staff.id if staff else None, data)


async def _failed(
    session: AsyncSession,
    staff: Staff | None,
    attempt: Attempt,
    username: str,
    step: str,
    reason: str,
) -> None:
    await _record(
        session, "staff.sign_in_failed", staff, attempt, username=username, step=step, reason=reason
    )


async def _usable_unit(session: AsyncSession, staff: Staff) -> Unit | None:
    """The member's unit when they may sign in (enabled, set up, unit active), else None."""
    if staff.disabled or staff.totp_secret_enc is None:
        return None
    unit = await session.get(Unit, staff.unit_code)
    return unit if unit is not None and unit.active else None


async def check_password(
    session: AsyncSession,
    *,
    tools: SignInTools,
    username: str,
    password: str,
    attempt: Attempt,
    previous_sid: str | None = None,
) -> Outcome:
    """Step 1: check the password; on success start a pending (unverified) session and
    drop the session the browser held before (no fixation, no orphan)."""
    await tools.limiter.hit(tools.rate_limit, "login", attempt.ip or "-")
    username = (username or "").strip().lower()[:64]
    try:
        await tools.guard.check(username, attempt.ip)
    except TooManyRequests as locked:
        staff = await session.scalar(select(Staff).where(Staff.username == username))
        await _record(
            session,
            "staff.sign_in_locked_out",
            staff,
            attempt,
            username=username,
            reason=locked.type,
        )
        return Outcome(problem=locked)
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    matches, rehash = await tools.hasher.verify(staff.password_hash if staff else None, password)
    if not matches or staff is None:
        await tools.guard.failed(username, attempt.ip)
        reason = "unknown_user" if staff is None else "bad_password"
        await _failed(session, staff, attempt, username, "password", reason)
        return Outcome(problem=bad_credentials())
    if await _usable_unit(session, staff) is None:
        reason = "disabled" if staff.disabled else "not_usable"
        await _failed(session, staff, attempt, username, "password", reason)
        return Outcome(problem=_disabled())
    if rehash:
        staff.password_hash = await tools.hasher.hash(password)
    previous = await tools.sessions.get(previous_sid, touch=False) if previous_sid else None
    if previous is not None:
        await tools.sessions.destroy(previous)
    pending = await tools.sessions.create(
        str(staff.id),
        ip=attempt.ip,
        agent=attempt.agent,
        extra={"verified": False, "pending_staff": str(staff.id), "at": clock.now().timestamp()},
    )
    return Outcome(session=pending)


async def pending_staff(
    session: AsyncSession, sessions: SessionStore, sid: str | None
) -> tuple[SessionData, Staff] | None:
    """The pending sign-in of this cookie and its staff member, if still open."""
    data = await sessions.get(sid) if sid else None
    if data is None or data.extra.get("verified") or not data.extra.get("pending_staff"):
        return None
    if clock.now().timestamp() - float(data.extra.get("at", 0)) > PENDING_SECONDS:
        await sessions.destroy(data)
        return None
    staff = await session.get(Staff, uuid.UUID(data.extra["pending_staff"]))
    if staff is None:
        return None
    return data, staff


def demo_code(tools: SignInTools, staff: Staff) -> str:
    """The TOTP code valid now for this member (shown only in demo mode)."""
    secret = tools.cipher.decrypt(staff.totp_secret_enc or "", context=TOTP_CONTEXT)
    return tools.totp.current_code(secret)


async def check_totp(
    session: AsyncSession,
    *,
    tools: SignInTools,
    pending_sid: str | None,
    code: str,
    attempt: Attempt,
) -> Outcome:
    """Step 2: check the TOTP code; on success replace the pending session with a new one."""
    found = await pending_staff(session, tools.sessions, pending_sid)
    if found is None:
        return Outcome(problem=_expired(), restart=True)
    pending, staff = found
    try:
        await tools.guard.check(staff.username, attempt.ip)
    except TooManyRequests as locked:
        await tools.sessions.destroy(pending)
        await _record(
            session,
            "staff.sign_in_locked_out",
            staff,
            attempt,
            username=staff.username,
            reason=locked.type,
        )
        return Outcome(problem=locked, restart=True)
    unit = await _usable_unit(session, staff)
    if unit is None:
        await tools.sessions.destroy(pending)
        await _failed(session, staff, attempt, staff.username, "totp", "disabled")
        return Outcome(problem=_disabled(), restart=True)
    secret = tools.cipher.decrypt(staff.totp_secret_enc or "", context=TOTP_CONTEXT)
    if not await tools.totp.verify(secret, code, subject=str(staff.id)):
        await tools.guard.failed(staff.username, attempt.ip)
        await _failed(session, staff, attempt, staff.username, "totp", "bad_code")
        return Outcome(problem=_wrong_code(), staff=staff)
    await tools.guard.succeeded(staff.username)
    await tools.sessions.destroy(pending)
    scope = scope_for(unit)
    verified = await tools.sessions.create(
        str(staff.id),
        ip=attempt.ip,
        agent=attempt.agent,
        extra=staff_payload(roles=[staff.role], unit=unit.code, name=staff.full_name, scope=scope),
    )
    staff.last_sign_in_at = clock.now()
    await _record(session, "staff.signed_in", staff, attempt, username=staff.username)
    return Outcome(session=verified, staff=staff)


async def sign_out(
    session: AsyncSession, *, sessions: SessionStore, sid: str | None, actor: Principal
) -> None:
    """End the caller's session (and record it when it was a signed-in one)."""
    data = await sessions.get(sid, touch=False) if sid else None
    if data is None:
        return
    await sessions.destroy(data)
    if data.extra.get("verified"):
        await audit_staff(session, actor, "staff.signed_out", data.subject)


async def live_sessions(sessions: SessionStore, subject: str) -> list[SessionData]:
    """The signed-in (verified) sessions of a staff member, newest first."""
    return [s for s in await sessions.list_for(subject) if s.extra.get("verified")]


async def end_own_session(
    session: AsyncSession, *, sessions: SessionStore, actor: Principal, handle: str
) -> bool:
    """End one of the caller's sessions (from the account page); True when it was the one
    making this request (the caller is now signed out)."""
    for data in await live_sessions(sessions, actor.id or ""):
        if data.handle == handle:
            await sessions.destroy(data)
            own = data.id == actor.session_id
            await audit_staff(session, actor, "staff.session_ended", actor.id, {"own": own})
            return own
    return False
