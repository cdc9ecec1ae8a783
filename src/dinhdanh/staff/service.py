"""Staff administration: create, list, change role or unit, disable, reset credentials,
revoke sessions, invitations; the demo staff and the CLI's `staff create`."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.credentials import LoginGuard, PasswordHasher, Totp
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.passwords import password_errors
from dinhdanh.platform.sessions import SessionStore
from dinhdanh.population.names import nfc
from dinhdanh.staff.directory import audit_staff, get_staff, unit_in_scope
from dinhdanh.staff.invitations import invitation_link, issue_invitation
from dinhdanh.staff.models import ROLES, TOTP_CONTEXT, Staff, Unit

USERNAME_RE: Final = re.compile(r"[a-z][a-z0-9._-]{2,39}")
EMAIL_RE: Final = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


# ---------------------------------------------------------------- validation


def _clean_username(value: str, errors: list[dict[str, Any]]) -> str:
    username = (value or "").strip().lower()
    if not USERNAME_RE.fullmatch(username):
        errors.append(
            field_error(
                "username",
                "A username has 3 to 40 characters: lower-case letters, digits, '.', '_' or "
                "'-', starting with a letter.",
            )
        )
    return username


def _clean_full_name(value: str, errors: list[dict[str, Any]]) -> str:
    name = " ".join(nfc(value or "").split())
    if not 2 <= len(name) <= 120 or any(not (ch.isprintable()) for ch in name):
        errors.append(field_error("full_name", "Enter the full name (2 to 120 characters)."))
    return name


def _clean_email(value: str, errors: list[dict[str, Any]]) -> str:
    email = (value or "").strip()
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        errors.append(field_error("email", "Enter a valid e-mail address."))
    return email


def _check_role(role: str, errors: list[dict[str, Any]]) -> None:
    if role not in ROLES:
        errors.append(field_error("role", "Choose a role from the list."))


async def _usable_unit(
    session: AsyncSession, code: str, scope: Scope, errors: list[dict[str, Any]]
) -> Unit | None:
    unit = await session.get(Unit, (code or "").strip().upper()) if code else None
    if unit is None or not unit_in_scope(unit, scope):
        errors.append(field_error("unit_code", "Unknown unit."))
        return None
    if not unit.active:
        errors.append(field_error("unit_code", "This unit is not active."))
        return None
    return unit


# ---------------------------------------------------------------- operations


@dataclass
class NewStaff:
    """What an administrator enters to create a staff member."""

    username: str
    full_name: str
    email: str
    role: str
    unit_code: str


async def create_staff(
    session: AsyncSession,
    *,
    actor: Principal,
    data: NewStaff,
    public_url: str,
    invite: bool = True,
) -> tuple[Staff, str | None]:
    """Create a staff member without credentials and e-mail an invitation; (staff, token)."""
    errors: list[dict[str, Any]] = []
    username = _clean_username(data.username, errors)
    full_name = _clean_full_name(data.full_name, errors)
    email = _clean_email(data.email, errors)
    _check_role(data.role, errors)
    unit = await _usable_unit(session, data.unit_code, actor.scope, errors)
    if errors or unit is None:
        raise ValidationProblem(errors=errors)
    staff = Staff(
        username=username, full_name=full_name, email=email, role=data.role, unit_code=unit.code
    )
    try:
        # A savepoint: a taken username (even by a concurrent creation) fails cleanly.
        async with session.begin_nested():
            session.add(staff)
    except IntegrityError:
        raise ValidationProblem(
            errors=[field_error("username", "This username is already taken.")]
        ) from None
    token = await issue_invitation(session, staff, public_url=public_url) if invite else None
    await audit_staff(
        session,
        actor,
        "staff.created",
        staff.id,
        {"username": username, "role": data.role, "unit": unit.code},
    )
    return staff, token


def is_self(actor: Principal, staff: Staff) -> bool:
    """True when the actor is this staff member (who may not change their own role, unit
    or status)."""
    return actor.id == str(staff.id)


def _not_self(actor: Principal, staff: Staff) -> None:
    if is_self(actor, staff):
        raise Conflict(
            N_("You cannot do this to your own account; ask another administrator."),
            type="self-change",
        )


async def update_staff(
    session: AsyncSession,
    *,
    actor: Principal,
    staff_id: str | uuid.UUID,
    changes: dict[str, str],
    sessions: SessionStore,
) -> Staff:
    """Change name, e-mail, role or unit; a role or unit change ends the member's sessions."""
    staff = await get_staff(session, staff_id, scope=actor.scope)
    errors: list[dict[str, Any]] = []
    new: dict[str, str] = {}
    if changes.get("full_name") is not None:
        new["full_name"] = _clean_full_name(changes["full_name"], errors)
    if changes.get("email") is not None:
        new["email"] = _clean_email(changes["email"], errors)
    if changes.get("role") is not None:
        _check_role(changes["role"], errors)
        new["role"] = changes["role"]
    if changes.get("unit_code") is not None:
        unit = await _usable_unit(session, changes["unit_code"], actor.scope, errors)
        new["unit_code"] = unit.code if unit else ""
    if errors:
        raise ValidationProblem(errors=errors)
    diff = {k: [getattr(staff, k), v] for k, v in new.items() if getattr(staff, k) != v}
    if not diff:
        return staff
    privilege = "role" in diff or "unit_code" in diff
    if privilege:
        _not_self(actor, staff)
    for key, (_, value) in diff.items():
        setattr(staff, key, value)
    ended = await sessions.destroy_all(str(staff.id)) if privilege else 0
    for key, action in (("role", "staff.role_changed"), ("unit_code", "staff.unit_changed")):
        if key in diff:
            await audit_staff(
                session,
                actor,
                action,
                staff.id,
                {"from": diff[key][0], "to": diff[key][1], "sessions_ended": ended},
            )
    details = sorted(set(diff) - {"role", "unit_code"})
    if details:
        await audit_staff(session, actor, "staff.details_changed", staff.id, {"fields": details})
    return staff


async def set_disabled(
    session: AsyncSession,
    *,
    actor: Principal,
    staff_id: str | uuid.UUID,
    disabled: bool,
    sessions: SessionStore,
) -> Staff:
    """Disable (ending every session) or re-enable a staff member."""
    staff = await get_staff(session, staff_id, scope=actor.scope)
    _not_self(actor, staff)
    if staff.disabled == disabled:
        return staff
    staff.disabled = disabled
    ended = await sessions.destroy_all(str(staff.id)) if disabled else 0
    await audit_staff(
        session,
        actor,
        "staff.disabled" if disabled else "staff.enabled",
        staff.id,
        {"sessions_ended": ended} if disabled else {},
    )
    return staff


async def reset_credentials(
    session: AsyncSession,
    *,
    actor: Principal,
    staff_id: str | uuid.UUID,
    sessions: SessionStore,
    guard: LoginGuard,
    public_url: str,
) -> tuple[Staff, str]:
    """Clear password and TOTP, end sessions, lift a lockout, and send a new invitation."""
    staff = await get_staff(session, staff_id, scope=actor.scope)
    _not_self(actor, staff)
    staff.password_hash = None
    staff.totp_secret_enc = None
    ended = await sessions.destroy_all(str(staff.id))
    await guard.unlock(staff.username)
    token = await issue_invitation(session, staff, public_url=public_url)
    await audit_staff(
        session, actor, "staff.credentials_reset", staff.id, {"sessions_ended": ended}
    )
    return staff, token


async def revoke_sessions(
    session: AsyncSession,
    *,
    actor: Principal,
    staff_id: str | uuid.UUID,
    sessions: SessionStore,
) -> int:
    """End every session of a staff member at once; returns how many ended."""
    staff = await get_staff(session, staff_id, scope=actor.scope)
    ended = await sessions.destroy_all(str(staff.id))
    await audit_staff(session, actor, "staff.sessions_revoked", staff.id, {"sessions_ended": ended})
    return ended


# ---------------------------------------------------------------- demo and CLI


@dataclass(frozen=True)
class DemoLogin:
    """A demo account the CLI prints at start."""

    role: str
    unit: str
    username: str
    password: str
    totp_secret: str


# Fixed secrets so the printed logins stay valid across restarts (demo mode only).
DEMO_STAFF: Final[tuple[DemoLogin, ...]] = (
    DemoLogin("admin", "BCA", "admin", "Demo@BCA-2025", "DEMOADMINBCAKEYAAAAAAAAA"),
    DemoLogin("officer", "CAX-00004", "officer", "Demo@BaDinh-25", "DEMOOFFICERBADINHKEYAAAA"),
    DemoLogin("officer", "CAT-01", "province", "Demo@HaNoi-2025", "DEMOPROVINCEHANOIKEYAAAA"),
    DemoLogin("officer", "CAX-00008", "officer2", "Demo@NgocHa-25", "DEMOOFFICERNGOCHAKEYAAAA"),
)
DEMO_NAMES: Final[dict[str, str]] = {
    "admin": "Quản trị viên Demo",
    "officer": "Nguyễn Thị Lan",
    "province": "Trần Văn Hùng",
    "officer2": "Lê Minh Tuấn",
}


async def ensure_demo_staff(
    session: AsyncSession, *, hasher: PasswordHasher, cipher: FieldCipher
) -> list[DemoLogin]:
    """Create the demo staff when absent; return their logins for the CLI to print."""
    actor = Principal.system("demo")
    for login in DEMO_STAFF:
        if await session.scalar(select(Staff.id).where(Staff.username == login.username)):
            continue
        staff = Staff(
            username=login.username,
            full_name=DEMO_NAMES[login.username],
            email=f"{login.username}@demo.dinhdanh.example",
            role=login.role,
            unit_code=login.unit,
            password_hash=await hasher.hash(login.password),
            totp_secret_enc=cipher.encrypt(login.totp_secret, context=TOTP_CONTEXT),
        )
        session.add(staff)
        await session.flush()
        await audit_staff(
            session,
            actor,
            "staff.created",
            staff.id,
            {"username": login.username, "role": login.role, "unit": login.unit, "demo": True},
        )
    return list(DEMO_STAFF)


@dataclass(frozen=True)
class CreatedStaff:
    """What `dinhdanh staff create` prints."""

    staff_id: str
    username: str
    invitation_link: str | None
    totp_secret: str | None


async def create_staff_cli(
    session: AsyncSession,
    *,
    data: NewStaff,
    public_url: str,
    hasher: PasswordHasher,
    cipher: FieldCipher,
    password: str | None = None,
) -> CreatedStaff:
    """`dinhdanh staff create`: invite by e-mail, or with `password` set credentials at once
    (a fresh TOTP secret is returned to enrol in an authenticator app)."""
    actor = Principal.system("cli")
    if password is not None:
        problems = password_errors(password, data.username.strip().lower())
        if problems:
            raise ValidationProblem(errors=[field_error("password", m) for m in problems])
    staff, token = await create_staff(
        session, actor=actor, data=data, public_url=public_url, invite=password is None
    )
    if token is not None:
        return CreatedStaff(str(staff.id), staff.username, invitation_link(public_url, token), None)
    secret = Totp.new_secret()
    staff.password_hash = await hasher.hash(password)
    staff.totp_secret_enc = cipher.encrypt(secret, context=TOTP_CONTEXT)
    await audit_staff(session, actor, "staff.credentials_set", staff.id)
    return CreatedStaff(str(staff.id), staff.username, None, secret)
