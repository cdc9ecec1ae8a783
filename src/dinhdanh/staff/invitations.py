"""Invitations: issuing the e-mailed link, then accepting it (choose a password, then
enrol TOTP by confirming a code)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import segno
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import clock, outbox
from dinhdanh.platform.credentials import PasswordHasher, Totp
from dinhdanh.platform.crypto import FieldCipher, random_token, token_digest
from dinhdanh.platform.errors import Problem, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.passwords import password_errors
from dinhdanh.staff.directory import acting_as, audit_staff
from dinhdanh.staff.models import TOTP_CONTEXT, Staff, StaffInvitation

INVITATION_TTL: Final = dt.timedelta(hours=72)


def invitation_link(public_url: str, token: str) -> str:
    """The link an invited staff member opens."""
    return f"{public_url.rstrip('/')}/staff/invite/{token}"


def _invitation_email(staff: Staff, link: str, expires: dt.datetime) -> tuple[str, str]:
    when = expires.astimezone(clock.VIETNAM).strftime("%d/%m/%Y %H:%M")
    subject = "dinhdanh: lời mời tài khoản cán bộ / staff account invitation"
    body = (
        f"Xin chào {staff.full_name},\n\n"
        f"Bạn được mời sử dụng bảng điều khiển cán bộ dinhdanh với tên đăng nhập "
        f"{staff.username}. Mở liên kết dưới đây để đặt mật khẩu và đăng ký mã xác thực "
        f"hai lớp (TOTP) trước {when} (giờ Việt Nam). Liên kết chỉ dùng được một lần.\n\n"
        f"{link}\n\n"
        "Nếu bạn không mong đợi thư này, hãy báo cho quản trị viên của đơn vị.\n\n"
        "----\n\n"
        f"Hello {staff.full_name},\n\n"
        f"You have been invited to the dinhdanh officer console with the username "
        f"{staff.username}. Open the link below to set your password and enrol a TOTP "
        f"second factor before {when} (Vietnam time). The link works once.\n\n"
        f"{link}\n\n"
        "If you did not expect this message, tell your unit's administrator.\n"
    )
    return subject, body


async def issue_invitation(session: AsyncSession, staff: Staff, *, public_url: str) -> str:
    """Replace any open invitation with a new one and e-mail its link; returns the token."""
    now = clock.now()
    await session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.staff_id == staff.id, StaffInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = random_token()
    expires = now + INVITATION_TTL
    session.add(
        StaffInvitation(token_digest=token_digest(token), staff_id=staff.id, expires_at=expires)
    )
    subject, body = _invitation_email(staff, invitation_link(public_url, token), expires)
    await outbox.enqueue(
        session, channel="email", recipient=staff.email, subject=subject, body=body
    )
    return token


def _invalid() -> Problem:
    return Problem(
        N_(
            "This invitation link is invalid, was already used or has expired. Ask your "
            "administrator for a new one."
        ),
        type="invitation-invalid",
        status=404,
        title=N_("Invitation not valid."),
    )


@dataclass
class OpenInvitation:
    """A usable invitation and the staff member it is for."""

    invitation: StaffInvitation
    staff: Staff

    @property
    def step(self) -> str:
        """'password' until a password is chosen, then 'totp'."""
        return "password" if self.staff.password_hash is None else "totp"


async def open_invitation(session: AsyncSession, token: str) -> OpenInvitation:
    """The invitation behind a link, or a problem when it is unknown, used or expired."""
    if not token or len(token) > 100:
        raise _invalid()
    invitation = await session.get(StaffInvitation, token_digest(token))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= clock.now():
        raise _invalid()
    staff = await session.get(Staff, invitation.staff_id)
    if staff is None or staff.disabled:
        raise _invalid()
    return OpenInvitation(invitation, staff)


async def _record(session: AsyncSession, action: str, staff: Staff, ip: str | None) -> None:
    await audit_staff(session, acting_as(staff, ip), action, staff.id)


async def choose_password(
    session: AsyncSession,
    *,
    token: str,
    password: str,
    confirm: str,
    hasher: PasswordHasher,
    cipher: FieldCipher,
    ip: str | None,
) -> OpenInvitation:
    """Set the password of an invited member and prepare the TOTP secret to enrol."""
    found = await open_invitation(session, token)
    if found.step != "password":
        return found
    problems = password_errors(password, found.staff.username)
    errors = [field_error("password", m) for m in problems]
    if not problems and password != confirm:
        errors.append(field_error("confirm", "The two passwords do not match."))
    if errors:
        raise ValidationProblem(errors=errors)
    found.staff.password_hash = await hasher.hash(password)
    found.invitation.pending_totp_enc = cipher.encrypt(Totp.new_secret(), context=TOTP_CONTEXT)
    await _record(session, "staff.password_set", found.staff, ip)
    return found


@dataclass
class Enrolment:
    """What the enrolment page shows: the secret, its otpauth URI and the QR code."""

    secret: str
    uri: str
    qr_data_uri: str


def enrolment(found: OpenInvitation, *, totp: Totp, cipher: FieldCipher) -> Enrolment:
    """The TOTP secret waiting for confirmation, drawn as a QR code (inline SVG data URI)."""
    secret = cipher.decrypt(found.invitation.pending_totp_enc or "", context=TOTP_CONTEXT)
    uri = totp.provisioning_uri(secret, found.staff.username)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return Enrolment(secret, uri, qr)


async def confirm_totp(
    session: AsyncSession,
    *,
    token: str,
    code: str,
    totp: Totp,
    cipher: FieldCipher,
    ip: str | None,
) -> Staff:
    """Confirm the authenticator with a code: TOTP is enrolled and the invitation used up."""
    found = await open_invitation(session, token)
    if found.step != "totp" or not found.invitation.pending_totp_enc:
        raise _invalid()
    secret = cipher.decrypt(found.invitation.pending_totp_enc, context=TOTP_CONTEXT)
    if not await totp.verify(secret, code, subject=str(found.staff.id)):
        raise ValidationProblem(
            errors=[field_error("code", "The code is not correct. Check the time on your phone.")]
        )
    found.staff.totp_secret_enc = found.invitation.pending_totp_enc
    found.invitation.pending_totp_enc = None
    found.invitation.used_at = clock.now()
    await _record(session, "staff.totp_enrolled", found.staff, ip)
    return found.staff
